"""Hashed text features for linear models: a batch of texts in, sparse (row, column, value)
triples out, with no vocabulary.

Text is normalised (lower-case, HTML entities decoded, links to ``http``, mentions to
``@user``, ``soooo`` to ``soo``, whitespace collapsed) and read as word unigrams (a
per-language negation scope appends ``_neg`` up to the next punctuation), word bigrams and
character n-grams over the accent-folded text (Hungarian typed without accents still
matches), and, when the model has a :class:`Lexicon`, four lexicon features: the summed
strength of the positive and of the negative lexicon words, each in and out of a negation
scope (a word the training data barely shows, or an emoji, still counts). Every feature exists twice, once shared by all languages and once tied to the
post's language ("frustratingly easy domain adaptation"), and each post has a bias feature
for its language. Features are hashed with a vectorised 64-bit polynomial hash over code
points and a multiply-xorshift mix, so the model files hold numbers only, never a word of
the training data, and the hash does not depend on ``PYTHONHASHSEED``.

The training code and the run-time model both call :meth:`HashedFeaturizer.featurize`, so
their features cannot drift apart. Pure numpy, deterministic, total for any ``str``; it
must not load files or know about labels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

SEPARATOR = "\x00"
"""Joins the texts of a batch so one regex pass normalises them all; no feature crosses it."""

_M64 = (1 << 64) - 1
_PRIME = 0x100000001B3
_P = np.uint64(_PRIME)
_P_INVERSE = np.uint64(pow(_PRIME, -1, 1 << 64))
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_BIGRAM_SALT = np.uint64(0x5BD1E995)
_NEGATED_SALT = np.uint64(0x2545F4914F6CDD1D)
_LEXICON_FEATURES = np.array(
    [0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1],
    dtype=np.uint64,
)
"""Feature hashes of: positive words, negative words, negated positive, negated negative."""
ANY_LANGUAGE = "*"
"""The language of lexicon entries that hold in every language (emoji, emoticons)."""

_HTML = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&apos;": "'"}
_HTML_ENTITY = re.compile("|".join(map(re.escape, _HTML)))
_URL = re.compile(r"(?:https?://|www\.)[^\s\x00]+|\bhttps?\b")
_USER = re.compile(r"@\w+")
_ELONGATION = re.compile(r"([^\x00])\1{2,}")
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u0900-\u0903\u093a-\u094f\u0962\u0963\u0981-\u0983"
# Tokens: @user, http, emoticons, words (letters, digits and combining marks, with one inner
# apostrophe), and any other single non-space character, so each emoji is a token of its own.
_TOKEN = re.compile(
    r"@user|http|<3|[:;=8x][\-o\*']?[\)\]\(\[dpo/\\\|3\*]|[\)\]\(\[][\-o']?[:;=8]"
    r"|(?:[\w" + _MARKS + r"])+(?:['’](?:[\w" + _MARKS + r"])+)?"
    r"|[^\s\w]"
)
_SCOPE_END = frozenset('.,!?;:()[]"…¡¿|')
_NEGATORS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "not no never nothing nobody none neither nor cannot cant dont doesnt didnt isnt "
        "wasnt arent werent wont wouldnt shouldnt couldnt aint hardly without",
        "hu": "nem ne sem nincs nincsen nincsenek soha semmi senki sehol nélkül nelkul",
        "de": "nicht kein keine keinen keinem keiner keines nie niemals nichts niemand ohne weder",
        "fr": "ne pas jamais rien aucun aucune personne sans ni plus",
        "es": "no nunca nada nadie ni tampoco sin jamás jamas ningún ningun ninguna",
        "it": "non mai niente nulla nessuno nessuna senza né ne",
        "pt": "não nao nunca nada nem sem ninguém ninguem jamais nenhum nenhuma",
        "ar": "لا ما لم لن ليس ليست مش مو بدون غير",
        "hi": "nahi nahin nhi na mat nai नहीं मत ना",
    }.items()
}
_NO_NEGATORS: frozenset[str] = frozenset()
_OPEN_SCOPE = 1 << 30


def _fold_table() -> npt.NDArray[np.uint32]:
    # Latin-1 and Latin Extended-A/B letters to their unaccented lower-case base letter.
    table = np.arange(0x10000, dtype=np.uint32)
    for code in range(0xC0, 0x250):
        decomposed = unicodedata.normalize("NFKD", chr(code))
        if decomposed and ord(decomposed[0]) < 0x80:
            table[code] = ord(decomposed[0].lower())
    return table


_FOLD = _fold_table()


@dataclass(frozen=True, slots=True)
class HashedFeatures:
    """The sparse feature matrix of a batch as triples; duplicates add up."""

    rows: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Word strengths (negative below 0) keyed by :func:`lexicon_keys`, sorted: hashes
    only, so a model file never holds the words."""

    keys: npt.NDArray[np.uint64]
    valences: npt.NDArray[np.float32]

    def lookup(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.float64]:
        """The strength of each key, 0 where the lexicon has none."""
        if not self.keys.shape[0] or not keys.shape[0]:
            return np.zeros(keys.shape[0], np.float64)
        at = np.minimum(np.searchsorted(self.keys, keys), self.keys.shape[0] - 1)
        found = self.keys[at] == keys
        return np.where(found, self.valences[at].astype(np.float64), 0.0)


@dataclass(frozen=True, slots=True)
class HashedFeaturizer:
    """Which features to hash, and into how many buckets (``2 ** bits``)."""

    bits: int = 20
    char_ns: tuple[int, ...] = (2, 3, 4, 5)
    word_ngrams: int = 2
    lang_copies: bool = True
    fold: bool = True
    group_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    """Scale of the word, bigram and character groups."""
    neg_window: int = 0
    """Tokens a negation reaches; 0 means up to the next punctuation."""
    lexicon_weight: float = 0.0
    """Scale of the lexicon features; 0 turns them off."""
    lexicon: Lexicon | None = field(default=None, compare=False, repr=False)
    _seeds: dict[str, np.uint64] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @classmethod
    def from_config(cls, config: dict[str, object]) -> HashedFeaturizer:
        """The featurizer a model file describes (see :meth:`config`)."""
        char_ns = config.get("char_ns", (2, 3, 4, 5))
        weights = config.get("group_weights", (1.0, 1.0, 1.0))
        if not isinstance(char_ns, list | tuple) or not isinstance(weights, list | tuple):
            raise ValueError("char_ns and group_weights must be lists")
        w_word, w_bigram, w_char = (float(w) for w in weights)
        return cls(
            bits=int(str(config.get("bits", 20))),
            char_ns=tuple(int(n) for n in char_ns),
            word_ngrams=int(str(config.get("word_ngrams", 2))),
            lang_copies=bool(config.get("lang_copies", True)),
            fold=bool(config.get("fold", True)),
            group_weights=(w_word, w_bigram, w_char),
            neg_window=int(str(config.get("neg_window", 0))),
            lexicon_weight=float(str(config.get("lexicon_weight", 0.0))),
        )

    def config(self) -> dict[str, object]:
        """The settings, as JSON-ready data (the lexicon is stored beside them)."""
        return {
            "bits": self.bits,
            "char_ns": list(self.char_ns),
            "word_ngrams": self.word_ngrams,
            "lang_copies": self.lang_copies,
            "fold": self.fold,
            "group_weights": list(self.group_weights),
            "neg_window": self.neg_window,
            "lexicon_weight": self.lexicon_weight,
        }

    @property
    def dimension(self) -> int:
        return 1 << self.bits

    def featurize(self, texts: Sequence[str], langs: Sequence[str]) -> HashedFeatures:
        """The features of each text, read as the language beside it (any code; one the
        model never saw only gets the shared features)."""
        n = len(texts)
        if n != len(langs):
            raise ValueError(f"{len(langs)} languages given for {n} texts")
        if n == 0:
            return HashedFeatures(
                np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
            )
        joined = normalise_batch(texts)
        docs = joined.split(SEPARATOR)
        seeds = np.array([self._lang_seed(lang) for lang in langs], dtype=np.uint64)
        rows: list[npt.NDArray[np.int64]] = []
        hashes: list[npt.NDArray[np.uint64]] = []
        values: list[npt.NDArray[np.float64]] = []
        self._word_features(docs, langs, seeds, rows, hashes, values)
        self._char_features(joined, n, rows, hashes, values)

        all_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
        all_values = np.concatenate(values) if values else np.zeros(0, np.float64)
        shift = np.uint64(64 - self.bits)
        out_rows = [all_rows]
        out_columns = [(_mix(all_hashes) >> shift).astype(np.int64)]
        out_values = [all_values]
        if self.lang_copies:
            tied = _mix(all_hashes + seeds[all_rows])
            out_rows.append(all_rows)
            out_columns.append((tied >> shift).astype(np.int64))
            out_values.append(all_values)
        out_rows.append(np.arange(n, dtype=np.int64))
        out_columns.append((_mix(seeds * _GOLDEN) >> shift).astype(np.int64))
        out_values.append(np.ones(n, np.float64))
        return HashedFeatures(
            rows=np.concatenate(out_rows),
            columns=np.concatenate(out_columns),
            values=np.concatenate(out_values).astype(np.float32),
        )

    def lang_seed(self, lang: str) -> np.uint64:
        """The seed that ties features (and lexicon entries) to a language."""
        return self._lang_seed(lang)

    def _lang_seed(self, lang: str) -> np.uint64:
        seed = self._seeds.get(lang)
        if seed is None:
            h = 1469598103934665603
            for byte in (lang or "xx").encode("utf-8", "replace"):
                h = ((h ^ byte) * 1099511628211) & _M64
            seed = self._seeds[lang] = np.uint64(h | 1)
        return seed

    def _tokens(self, doc: str, lang: str, negated: list[bool]) -> list[str]:
        """The tokens of ``doc``; appends to ``negated`` whether each is in a negation scope."""
        negators = _NEGATORS.get(lang, _NO_NEGATORS)
        window = self.neg_window or _OPEN_SCOPE
        scope = 0
        tokens = _TOKEN.findall(doc)
        for token in tokens:
            if token in negators or (lang == "en" and token.endswith("n't")):
                scope = window
                negated.append(False)
            elif token in _SCOPE_END:
                scope = 0
                negated.append(False)
            elif scope:
                negated.append(True)
                scope -= 1
            else:
                negated.append(False)
        return tokens

    def _word_features(
        self,
        docs: list[str],
        langs: Sequence[str],
        seeds: npt.NDArray[np.uint64],
        rows: list[npt.NDArray[np.int64]],
        hashes: list[npt.NDArray[np.uint64]],
        values: list[npt.NDArray[np.float64]],
    ) -> None:
        negated_flags: list[bool] = []
        per_doc = [
            self._tokens(doc, lang, negated_flags) for doc, lang in zip(docs, langs, strict=True)
        ]
        flat = [token for tokens in per_doc for token in tokens]
        if not flat:
            return
        doc_lens = np.fromiter((len(tokens) for tokens in per_doc), np.int64, len(per_doc))
        base_hash = token_hashes(flat)
        negated = np.array(negated_flags, dtype=bool)
        word_hash = np.where(negated, _mix(base_hash) + _NEGATED_SALT, base_hash)
        word_rows = np.repeat(np.arange(len(docs), dtype=np.int64), doc_lens)
        w_word, w_bigram, _ = self.group_weights
        inverse_len = 1.0 / np.sqrt(np.maximum(doc_lens, 1))
        rows.append(word_rows)
        hashes.append(word_hash)
        values.append((w_word * inverse_len)[word_rows])
        if self.word_ngrams >= 2 and len(flat) > 1:
            same_doc = word_rows[1:] == word_rows[:-1]
            bigram_hash = (_mix(word_hash[:-1]) + word_hash[1:] + _BIGRAM_SALT)[same_doc]
            bigram_rows = word_rows[1:][same_doc]
            rows.append(bigram_rows)
            hashes.append(bigram_hash)
            values.append((w_bigram / np.sqrt(np.maximum(doc_lens - 1, 1)))[bigram_rows])
        if self.lexicon is not None and self.lexicon_weight:
            token_seeds = seeds[word_rows]
            valence = self.lexicon.lookup(lexicon_keys(base_hash, token_seeds))
            valence += self.lexicon.lookup(lexicon_keys(base_hash, self._lang_seed(ANY_LANGUAGE)))
            hit = valence != 0.0
            kind = (valence[hit] < 0).astype(np.int64) + 2 * negated[hit]
            lexicon_rows = word_rows[hit]
            rows.append(lexicon_rows)
            hashes.append(_LEXICON_FEATURES[kind])
            # VADER's scale: a strength of 4 is the strongest word.
            strength = np.abs(valence[hit]) / 4.0
            values.append(self.lexicon_weight * strength * inverse_len[lexicon_rows])

    def _char_features(
        self,
        joined: str,
        n: int,
        rows: list[npt.NDArray[np.int64]],
        hashes: list[npt.NDArray[np.uint64]],
        values: list[npt.NDArray[np.float64]],
    ) -> None:
        padded = " " + joined.replace(SEPARATOR, " " + SEPARATOR + " ") + " "
        points = _code_points(padded)
        if self.fold:
            points = np.where(points < 0x10000, _FOLD[np.minimum(points, 0xFFFF)], points)
        doc_index = np.zeros(points.shape[0] + 1, dtype=np.int64)
        np.cumsum(points == 0, out=doc_index[1:])
        sums, inverse_powers = _prefix_hash(points)
        length = points.shape[0]
        char_rows: list[npt.NDArray[np.int64]] = []
        char_hashes: list[npt.NDArray[np.uint64]] = []
        for k in self.char_ns:
            if length < k:
                continue
            m = length - k + 1
            inside = doc_index[k : k + m] == doc_index[:m]
            h = (sums[k : k + m] - sums[:m]) * inverse_powers[:m]
            h += np.uint64((k * 0x9E3779B97F4A7C15) & _M64)
            char_rows.append(doc_index[:m][inside])
            char_hashes.append(h[inside])
        if not char_rows:
            return
        all_rows = np.concatenate(char_rows)
        counts = np.bincount(all_rows, minlength=n)
        rows.append(all_rows)
        hashes.append(np.concatenate(char_hashes))
        values.append((self.group_weights[2] / np.sqrt(np.maximum(counts, 1)))[all_rows])


def normalise_batch(texts: Sequence[str]) -> str:
    """The texts normalised and joined by :data:`SEPARATOR` (one regex pass per rule for the
    whole batch, which is most of the speed)."""
    joined = SEPARATOR.join(t.replace(SEPARATOR, " ") if SEPARATOR in t else t for t in texts)
    joined = joined.lower()
    if "&" in joined:
        joined = _HTML_ENTITY.sub(lambda m: _HTML[m.group(0)], joined)
    joined = _URL.sub(" http ", joined)
    joined = _USER.sub(" @user ", joined)
    joined = _ELONGATION.sub(r"\1\1", joined)
    return _SPACE.sub(" ", joined)


def token_hashes(tokens: Sequence[str]) -> npt.NDArray[np.uint64]:
    """The 64-bit hash of each token (before mixing), all in one vectorised pass."""
    if not tokens:
        return np.zeros(0, np.uint64)
    lengths = np.fromiter(map(len, tokens), np.int64, len(tokens))
    sums, inverse_powers = _prefix_hash(_code_points("".join(tokens)))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    hashes: npt.NDArray[np.uint64] = (sums[ends] - sums[starts]) * inverse_powers[starts]
    hashes += lengths.astype(np.uint64) * _GOLDEN
    return hashes


def lexicon_keys(
    token_hash: npt.NDArray[np.uint64], lang_seed: npt.NDArray[np.uint64] | np.uint64
) -> npt.NDArray[np.uint64]:
    """Where a token, read in a language, sits in a :class:`Lexicon`."""
    return _mix(token_hash ^ lang_seed)


def tokenize(text: str) -> list[str]:
    """The word tokens of one text as the featurizer sees them (for building lexicons)."""
    return _TOKEN.findall(normalise_batch([text]).strip())


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    # surrogatepass: a lone surrogate is just another code point here, never an error.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    h = h * _MIX1
    h ^= h >> np.uint64(32)
    h *= _MIX2
    return h


def _prefix_hash(
    points: npt.NDArray[np.uint32],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Prefix sums ``S[k] = sum(c[m] * P**m for m < k)`` and the powers ``P**-i``, so the
    hash of ``points[i:j]`` is ``(S[j] - S[i]) * P**-i`` (all mod 2**64) for every substring
    at once."""
    n = points.shape[0]
    powers = np.empty(n + 1, dtype=np.uint64)
    powers[0] = 1
    powers[1:] = _P
    np.cumprod(powers, out=powers)
    inverse = np.empty(n + 1, dtype=np.uint64)
    inverse[0] = 1
    inverse[1:] = _P_INVERSE
    np.cumprod(inverse, out=inverse)
    sums = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(points.astype(np.uint64) * powers[:n], out=sums[1:])
    return sums, inverse

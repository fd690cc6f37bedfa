"""The packaged profanity and slur word lists, and finding their words in a batch of posts.

The lists come from ``naughty-words`` 1.2.0 (LDNOOBW, CC-BY-4.0), ``cuss`` 2.2.0 (MIT) and
``better-profanity`` 0.7.0 (MIT); ``models/moderation/wordlists.json`` keeps each source's
licence and attribution string and ``models/moderation/NOTICE`` repeats them. Entries are
lower-cased and accent-folded; a post matches on its 1- to 3-word sequences of normalised,
folded text. This module must not download anything or judge a post (see
:mod:`signalroom.nlp.moderation`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from signalroom.nlp.hashed import SEPARATOR, token_hashes
from signalroom.nlp.normalised import NormalisedBatch

WORDLISTS_FILE = "wordlists.json"
COLUMNS: tuple[str, ...] = ("any", "ldnoobw", "cuss2", "cuss1", "betterprof", "otherlang")
"""The dense model columns (log1p counts): a hit in any own-language or English list, per
list, and a hit only in another language's list (weak evidence)."""
MAX_WORDS = 3
_TOKEN = re.compile(r"\w+(?:'\w+)*|\x00")
_SEPARATOR_HASH = token_hashes([SEPARATOR])[0]


@dataclass(frozen=True, slots=True)
class Hit:
    """A word-list entry found in a post, and the lists (``source:lang``) it is on."""

    entry: str
    lists: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class WordLists:
    """The entries of every list, indexed by entry."""

    index: dict[str, tuple[tuple[str, str], ...]]
    multi_word_starts: frozenset[str]
    sources: dict[str, str]
    """Source name to its licence and attribution."""
    candidate_hashes: npt.NDArray[np.uint64]
    """Sorted hashes of every single-word entry and first word of a longer one: a token
    whose hash is not here cannot match, so only the rare others are looked up."""

    @classmethod
    def load(cls, where: Path | Traversable) -> WordLists:
        data = json.loads((where / WORDLISTS_FILE).read_text(encoding="utf-8"))
        index: dict[str, list[tuple[str, str]]] = {}
        for key, words in data["lists"].items():
            source, lang = str(key).split(":")
            for word in words:
                index.setdefault(str(word), []).append((source, lang))
        starts = frozenset(word.split(" ")[0] for word in index if " " in word)
        sources = {str(k): str(v) for k, v in data["sources"].items()}
        firsts = sorted({word.split(" ")[0] for word in index})
        candidates = np.unique(token_hashes(firsts))
        return cls({k: tuple(v) for k, v in index.items()}, starts, sources, candidates)

    def hits(self, batch: NormalisedBatch) -> list[list[Hit]]:
        """The entries found in each text of the batch, in order."""
        found: list[list[Hit]] = [[] for _ in batch.docs]
        tokens = _TOKEN.findall(batch.folded)
        if not tokens:
            return found
        hashes = token_hashes(tokens)
        at = np.minimum(
            np.searchsorted(self.candidate_hashes, hashes), len(self.candidate_hashes) - 1
        )
        candidates = np.flatnonzero(self.candidate_hashes[at] == hashes)
        if not candidates.shape[0]:
            return found
        separators = np.flatnonzero(hashes == _SEPARATOR_HASH)
        rows = np.searchsorted(separators, candidates)
        index, starts = self.index, self.multi_word_starts
        for i, doc in zip(candidates.tolist(), rows.tolist(), strict=True):
            token = tokens[i]
            lists = index.get(token)
            if lists is not None:
                found[doc].append(Hit(token, lists))
            if token in starts:
                for n in range(2, MAX_WORDS + 1):
                    gram_tokens = tokens[i : i + n]
                    if len(gram_tokens) < n or SEPARATOR in gram_tokens:
                        break
                    gram = " ".join(gram_tokens)
                    lists = index.get(gram)
                    if lists is not None:
                        found[doc].append(Hit(gram, lists))
        return found

    def columns(
        self, hits: Sequence[Sequence[Hit]], langs: Sequence[str]
    ) -> tuple[npt.NDArray[np.float32], list[list[Hit]]]:
        """The :data:`COLUMNS` of each post and its hits in its own language or English."""
        matrix = np.zeros((len(hits), len(COLUMNS)), dtype=np.float32)
        own_hits: list[list[Hit]] = []
        for row, (post_hits, lang) in enumerate(zip(hits, langs, strict=True)):
            own: list[Hit] = []
            if post_hits:
                counts = [0.0] * len(COLUMNS)
                for hit in post_hits:
                    mine = [source for source, on in hit.lists if on in (lang, "en")]
                    if not mine:
                        counts[5] += 1
                        continue
                    counts[0] += 1
                    own.append(hit)
                    for source in mine:
                        if source in COLUMNS:
                            counts[COLUMNS.index(source)] += 1
                matrix[row] = np.log1p(counts)
            own_hits.append(own)
        return matrix, own_hits

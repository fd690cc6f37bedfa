"""A batch of texts normalised once (as the hashed featurizer does) and accent-folded, for
the dense features of the complaint and moderation models to share.

Pure string work; it must not featurize, score or load anything.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from signalroom.nlp.hashed import SEPARATOR, normalise_batch


def _fold_map() -> dict[int, int]:
    # The featurizer's accent folding, as a str.translate table, plus typographic apostrophes.
    table: dict[int, int] = {0x2019: ord("'"), 0x2018: ord("'")}
    for code in range(0xC0, 0x250):
        decomposed = unicodedata.normalize("NFKD", chr(code))
        if decomposed and ord(decomposed[0]) < 0x80:
            base = ord(decomposed[0].lower())
            if base != code:
                table[code] = base
    return table


_FOLD_MAP = _fold_map()


def fold_text(text: str) -> str:
    """``text`` with Latin accents removed (``működik`` to ``mukodik``); same length."""
    return text.translate(_FOLD_MAP)


@dataclass(frozen=True, slots=True)
class NormalisedBatch:
    """Each text normalised, and the whole batch folded and joined by :data:`SEPARATOR`."""

    docs: list[str]
    folded: str

    @classmethod
    def of(cls, texts: Sequence[str]) -> NormalisedBatch:
        joined = normalise_batch(texts)
        return cls(joined.split(SEPARATOR), fold_text(joined))

    def folded_docs(self) -> list[str]:
        return self.folded.split(SEPARATOR)

"""The text normal form of docs/QUERY.md: Unicode NFC, case-folded. One definition, so
the query matcher and the keyword/hashtag extractor agree on what a word is.

Foundation: imports nothing of ours.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """NFC, case-folded. Case-folding can undo NFC (``ǰ``), so it is repeated until stable:
    folding twice changes nothing."""
    if text.isascii():
        return text.lower()
    current = text
    for _ in range(4):
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", current).casefold())
        if folded == current:
            break
        current = folded
    return current

"""VADER's compound score, computed by the rules of vaderSentiment 3.3.2 (Hutto & Gilbert,
MIT licence) rewritten for speed, with the same result to the last bit.

The package's ``polarity_scores`` lower-cases every word again inside each rule it applies
(so its cost grows with the square of the text), builds strings one character at a time,
and computes three ratios we do not use. This module lower-cases once, looks words up in
the package's own lexicon and constants, and returns only the compound score. Its quirks
are kept on purpose (``_but_check`` is the package's own function): the tests compare it
with the package on generated text. No I/O; never raises on a ``str``.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    allcap_differential,
)

_NEGATE = frozenset(NEGATE)
_SO_THIS = ("so", "this")
_PUNCTUATION = string.punctuation
_BOOSTERS: Mapping[str, float] = BOOSTER_DICT
_SPECIAL: Mapping[str, float] = SPECIAL_CASES


class VaderCompound:
    """``compound(text)`` equals ``SentimentIntensityAnalyzer().polarity_scores(text)
    ["compound"]`` for every ``str``."""

    def __init__(self, analyzer: SentimentIntensityAnalyzer) -> None:
        self._lexicon: dict[str, float] = analyzer.lexicon
        self._lexicon_words = frozenset(analyzer.lexicon)
        self._emojis: dict[str, str] = analyzer.emojis
        # VADER swaps emoji for their descriptions one character at a time, so only the
        # single-character entries of its emoji lexicon can ever match.
        self.emoji_chars = frozenset(e for e in analyzer.emojis if len(e) == 1)
        self.emoji_pattern = re.compile(
            "[" + "".join(map(re.escape, sorted(self.emoji_chars))) + "]"
        )

    def compound(self, text: str) -> float:
        if not self.emoji_chars.isdisjoint(text):
            text = self._describe_emoji(text)
        elif not self._has_lexicon_word(text):
            # Every word would score 0, and so would their sum: skip the rules. Many
            # non-English posts take this path.
            return 0.0
        text = text.strip()
        words = [_strip_punctuation_if_word(word) for word in text.split()]
        if not words:
            return 0.0
        lowers = [word.lower() for word in words]
        is_cap_diff = allcap_differential(words)
        lexicon = self._lexicon
        sentiments: list[float] = []
        last = len(words) - 1
        for i, lower in enumerate(lowers):
            if lower in _BOOSTERS or (i < last and lower == "kind" and lowers[i + 1] == "of"):
                sentiments.append(0)
            elif lower in lexicon:
                sentiments.append(self._valence(words, lowers, i, is_cap_diff))
            else:
                sentiments.append(0)
        if "but" in lowers:
            sentiments = SentimentIntensityAnalyzer._but_check(words, sentiments)
        total = float(sum(sentiments))
        emphasis = _punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        return round(_normalize(total), 4)

    def _has_lexicon_word(self, text: str) -> bool:
        """Whether a word of ``text``, looked up as VADER looks it up (lower-cased, with or
        without the punctuation around it), is in the lexicon."""
        lexicon = self._lexicon_words
        for word in text.lower().split():
            if word in lexicon or word.strip(_PUNCTUATION) in lexicon:
                return True
        return False

    def _describe_emoji(self, text: str) -> str:
        """Each emoji replaced by its description, with a space before it unless the text
        starts there or a space precedes it, and none after (VADER's loop, as a regex)."""
        if text.isascii():
            # No emoji can be in it; the big alternation regex is the costly part.
            return text
        emojis = self._emojis

        def describe(match: re.Match[str]) -> str:
            start = match.start()
            description = emojis[match.group()]
            return description if start == 0 or text[start - 1] == " " else " " + description

        return self.emoji_pattern.sub(describe, text)

    def _valence(self, words: list[str], lowers: list[str], i: int, is_cap_diff: bool) -> float:
        lexicon = self._lexicon
        item = words[i]
        lower = lowers[i]
        valence = lexicon[lower]
        if lower == "no" and i != len(words) - 1 and lowers[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowers[i - 1] == "no")
            or (i > 1 and lowers[i - 2] == "no")
            or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[lower] * N_SCALAR
        if item.isupper() and is_cap_diff:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(3):
            if i > start_i and lowers[i - (start_i + 1)] not in lexicon:
                s = _scalar_inc_dec(
                    words[i - (start_i + 1)], lowers[i - (start_i + 1)], valence, is_cap_diff
                )
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lowers, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lowers, i)
        return self._least_check(valence, lowers, i)

    def _least_check(self, valence: float, lowers: list[str], i: int) -> float:
        lexicon = self._lexicon
        if i > 1 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
            if lowers[i - 2] != "at" and lowers[i - 2] != "very":
                valence = valence * N_SCALAR
        elif i > 0 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
            valence = valence * N_SCALAR
        return valence


def _strip_punctuation_if_word(token: str) -> str:
    stripped = token.strip(_PUNCTUATION)
    if len(stripped) <= 2:
        return token
    return stripped


def _scalar_inc_dec(word: str, lower: str, valence: float, is_cap_diff: bool) -> float:
    scalar = 0.0
    if lower in _BOOSTERS:
        scalar = _BOOSTERS[lower]
        if valence < 0:
            scalar *= -1
        if word.isupper() and is_cap_diff:
            if valence > 0:
                scalar += C_INCR
            else:
                scalar -= C_INCR
    return scalar


def _negated(lower: str) -> bool:
    return lower in _NEGATE or "n't" in lower


def _negation_check(valence: float, lowers: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _negated(lowers[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lowers[i - 2] == "never" and lowers[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
            pass
        elif _negated(lowers[i - 2]):
            valence = valence * N_SCALAR
    elif (lowers[i - 3] == "never" and lowers[i - 2] in _SO_THIS) or lowers[i - 1] in _SO_THIS:
        valence = valence * 1.25
    elif lowers[i - 3] == "without" and (lowers[i - 2] == "doubt" or lowers[i - 1] == "doubt"):
        pass
    elif _negated(lowers[i - 3]):
        valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lowers: list[str], i: int) -> float:
    onezero = f"{lowers[i - 1]} {lowers[i]}"
    twoonezero = f"{lowers[i - 2]} {lowers[i - 1]} {lowers[i]}"
    twoone = f"{lowers[i - 2]} {lowers[i - 1]}"
    threetwoone = f"{lowers[i - 3]} {lowers[i - 2]} {lowers[i - 1]}"
    threetwo = f"{lowers[i - 3]} {lowers[i - 2]}"
    for sequence in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if sequence in _SPECIAL:
            valence = _SPECIAL[sequence]
            break
    if len(lowers) - 1 > i:
        zeroone = f"{lowers[i]} {lowers[i + 1]}"
        if zeroone in _SPECIAL:
            valence = _SPECIAL[zeroone]
    if len(lowers) - 1 > i + 1:
        zeroonetwo = f"{lowers[i]} {lowers[i + 1]} {lowers[i + 2]}"
        if zeroonetwo in _SPECIAL:
            valence = _SPECIAL[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in _BOOSTERS:
            valence = valence + _BOOSTERS[n_gram]
    return valence


def _punctuation_emphasis(text: str) -> float:
    ep_amplifier = min(text.count("!"), 4) * 0.292
    qm_count = text.count("?")
    qm_amplifier = 0.0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    return ep_amplifier + qm_amplifier


def _normalize(score: float, alpha: float = 15) -> float:
    norm_score = score / math.sqrt((score * score) + alpha)
    return min(max(norm_score, -1.0), 1.0)

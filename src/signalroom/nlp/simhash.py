"""64-bit SimHash fingerprints of post texts, for finding near-duplicates.

A text is normalised as the hashed featurizer does (lower-cased, links and mentions
replaced, elongations squashed, Latin accents folded), the link and mention placeholders
and a retweet's ``rt`` are dropped, and what is left is read as word shingles: every word
and every pair of adjacent words. Each shingle is hashed with a fixed 64-bit hash (a
polynomial over code points and a multiply-xorshift mix), never Python's ``hash()``, so a
fingerprint is the same in every process, on every machine, after every restart. Two texts
that share most of their shingles differ in few bits (the Hamming distance).

Fingerprints are signed 64-bit integers (the 64 bits read as two's complement), the one
representation that SQLite's and PostgreSQL's 64-bit integers, JSON and Python all hold as
is. ``0`` means "no fingerprint": a text of fewer than :data:`MIN_WORDS` words has too few
shingles to tell a copy from a coincidence.

Pure numpy over a whole batch, deterministic, total for any ``str``; it must not keep
state between calls or decide what a near-duplicate is (``signalroom.pipeline.neardup``
does).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from signalroom.nlp.hashed import SEPARATOR, token_hashes
from signalroom.nlp.normalised import NormalisedBatch

MIN_WORDS = 5
"""Texts with fewer words than this get no fingerprint (``0``): short texts ("thank you
so much") collide by chance far too often."""

NO_FINGERPRINT = 0

_BITS = 64
_M64 = (1 << 64) - 1
_SIGN = 1 << 63
_TOKEN = re.compile(r"\w+(?:'\w+)*|\x00")
_DROPPED = ("http", "user", "rt")
"""The normalised forms of links and mentions, and a retweet's marker: they say where a
copy came from, not what it says."""
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_BIGRAM_SALT = np.uint64(0x9E3779B97F4A7C15)
_DROPPED_HASHES = token_hashes(list(_DROPPED))
_SEPARATOR_HASH = token_hashes([SEPARATOR])[0]


def simhashes(texts: Sequence[str]) -> list[int]:
    """The fingerprint of each text, in order (``0`` for a text too short to have one)."""
    if not texts:
        return []
    return simhashes_of(NormalisedBatch.of(texts))


def simhash(text: str) -> int:
    """The fingerprint of one text (prefer :func:`simhashes` for many)."""
    return simhashes([text])[0]


def simhashes_of(batch: NormalisedBatch) -> list[int]:
    """The fingerprint of each text of an already normalised batch, in order."""
    n = len(batch.docs)
    tokens = _TOKEN.findall(batch.folded)
    if not tokens:
        return [NO_FINGERPRINT] * n
    hashes = token_hashes(tokens)
    separators = hashes == _SEPARATOR_HASH
    rows = np.cumsum(separators)
    keep = ~separators & ~np.isin(hashes, _DROPPED_HASHES)
    words, rows = _mix(hashes[keep]), rows[keep]
    counts = np.bincount(rows, minlength=n)
    long_enough = counts >= MIN_WORDS
    if not long_enough.any():
        return [NO_FINGERPRINT] * n
    chosen = long_enough[rows]
    words, rows = words[chosen], rows[chosen]
    same = rows[1:] == rows[:-1]
    bigrams = _mix((words[:-1] * _MIX1 + words[1:]) ^ _BIGRAM_SALT)[same]
    features = np.concatenate([words, bigrams])
    feature_rows = np.concatenate([rows, rows[1:][same]])
    order = np.argsort(feature_rows, kind="stable")
    features, feature_rows = features[order], feature_rows[order]
    bits = np.unpackbits(features.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    starts = np.flatnonzero(np.r_[True, feature_rows[1:] != feature_rows[:-1]])
    # Summed along the contiguous axis: reducing (features, 64) along its rows is ten
    # times slower.
    sums = np.add.reduceat(np.ascontiguousarray(bits.T), starts, axis=1, dtype=np.int32).T
    totals = np.diff(np.r_[starts, feature_rows.shape[0]])
    majority = (2 * sums > totals[:, None]).astype(np.uint8)
    packed = np.packbits(majority, axis=1, bitorder="little").reshape(-1)
    values = packed.view("<u8").tolist()
    result = [NO_FINGERPRINT] * n
    for doc, value in zip(feature_rows[starts].tolist(), values, strict=True):
        # A real fingerprint of 0 (one chance in 2**64) must not read as "none".
        result[doc] = to_signed(value) or 1
    return result


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ between two fingerprints (signed or unsigned)."""
    return ((a ^ b) & _M64).bit_count()


def to_signed(value: int) -> int:
    """The 64 bits of ``value`` read as a signed two's-complement integer."""
    value &= _M64
    return value - (1 << _BITS) if value & _SIGN else value


def to_unsigned(value: int) -> int:
    """The 64 bits of ``value`` read as an unsigned integer."""
    return value & _M64


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    # The polynomial token hash is weak in its high bits; every bit of a fingerprint must
    # be a fair coin, so each feature hash goes through a splitmix64-style finaliser.
    h = h ^ (h >> np.uint64(31))
    h = h * _MIX1
    h ^= h >> np.uint64(29)
    h *= _MIX2
    h ^= h >> np.uint64(32)
    return h

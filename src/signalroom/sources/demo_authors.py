"""The people of the demo scenario: everyday authors in four languages with a heavy-tailed
reach (most 10 to 1,000 followers, some 10k to 100k, a few over a million), plus the named
accounts of ``demo_vocab`` (brands, influencers, journalists, outlets).

Pure and seeded: the same seed gives the same people. No I/O.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass
from typing import Final

import msgspec

from signalroom.sources.demo_vocab import (
    BRANDS,
    FIRST_NAMES,
    LANGS,
    LAST_NAMES,
    NOTABLES,
    OUTLETS,
    SUPPORT,
    Lang,
)

HIGH_REACH: Final = 10_000
"""Followers from which an author counts as high-reach."""
_POOL_SIZES: Final[dict[Lang, int]] = {"en": 2400, "hu": 500, "es": 500, "de": 450}


class Account(msgspec.Struct, frozen=True):
    """An author as the generic post format writes it."""

    handle: str
    name: str
    followers: int


@dataclass(frozen=True, slots=True)
class Authors:
    pool: dict[Lang, list[Account]]
    """Everyone who writes in a language, named accounts included."""
    high_reach: dict[Lang, list[Account]]
    """Those with at least HIGH_REACH followers; the named ones weigh triple."""
    accounts: dict[str, Account]
    """The named accounts by handle: brands, their support desk, notables, outlets."""


def ascii_fold(text: str) -> str:
    """Lower-case ASCII, accents dropped: for handles and URL slugs."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def build_authors(seed: int) -> Authors:
    """Everyday people per language with a heavy-tailed reach, plus the named accounts;
    the same seed gives the same people."""
    rng = random.Random(f"authors-{seed}")
    accounts = {
        p.handle: Account(p.handle, p.name, p.followers)
        for p in (*NOTABLES, SUPPORT, *(o for group in OUTLETS.values() for o in group))
    }
    for brand in BRANDS:
        accounts[brand.handle] = Account(brand.handle, brand.full_name, brand.followers)
    taken = set(accounts)
    pool: dict[Lang, list[Account]] = {}
    high: dict[Lang, list[Account]] = {}
    for lang in LANGS:
        people = []
        for _ in range(_POOL_SIZES[lang]):
            first, last = rng.choice(FIRST_NAMES[lang]), rng.choice(LAST_NAMES[lang])
            handle = _handle(rng, ascii_fold(first), ascii_fold(last), taken)
            name = f"{last} {first}" if lang == "hu" else f"{first} {last}"
            people.append(Account(handle, name, _followers(rng)))
        notables = [accounts[p.handle] for p in NOTABLES if p.lang == lang]
        pool[lang] = people + notables
        high[lang] = [a for a in people if a.followers >= HIGH_REACH] + notables * 3
    return Authors(pool, high, accounts)


def _handle(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    pattern = rng.randrange(6)
    if pattern == 0:
        handle = f"{first}{last}"
    elif pattern == 1:
        handle = f"{first}_{last}"
    elif pattern == 2:
        handle = f"{first}.{last}"
    elif pattern == 3:
        handle = f"{first}{last[0]}{rng.randint(1, 99)}"
    elif pattern == 4:
        handle = f"{first}_{rng.randint(70, 99)}"
    else:
        handle = f"{last}{first[0]}"
    while handle in taken:
        handle = f"{handle}{rng.randint(0, 9)}"
    taken.add(handle)
    return handle


def _followers(rng: random.Random) -> int:
    """Most people have 10 to 1,000 followers, some 10k to 100k, a few over a million."""
    roll = rng.random()
    if roll < 0.80:
        low, high = 10, 1_000
    elif roll < 0.92:
        low, high = 1_000, 10_000
    elif roll < 0.985:
        low, high = 10_000, 100_000
    elif roll < 0.997:
        low, high = 100_000, 1_000_000
    else:
        low, high = 1_000_000, 3_000_000
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))

"""The demo's people: seeded, unique, heavy-tailed, with the named accounts in place."""

from __future__ import annotations

import re

from signalroom.sources import demo_vocab
from signalroom.sources.demo_authors import HIGH_REACH, ascii_fold, build_authors


def test_build_authors_is_deterministic_for_a_seed() -> None:
    assert build_authors(3) == build_authors(3)
    assert build_authors(3).pool["en"] != build_authors(4).pool["en"]


def test_build_authors_gives_unique_plain_handles() -> None:
    authors = build_authors(7)
    everyone = [a for people in authors.pool.values() for a in people]
    generated = [a for a in everyone if a.handle not in authors.accounts]
    assert len({a.handle for a in generated}) == len(generated)
    assert all(re.fullmatch(r"[a-z0-9_.]+", a.handle) for a in everyone)


def test_build_authors_names_hungarians_family_name_first() -> None:
    authors = build_authors(7)
    person = next(a for a in authors.pool["hu"] if a.handle not in authors.accounts)
    family, given = person.name.split(" ", 1)
    assert family in demo_vocab.LAST_NAMES["hu"]
    assert given in demo_vocab.FIRST_NAMES["hu"]


def test_build_authors_keeps_named_accounts_and_high_reach_pools() -> None:
    authors = build_authors(7)
    for handle in ("kestrava", "kestrava_help", "mirawanders", "aerowire"):
        assert handle in authors.accounts
    for lang in demo_vocab.LANGS:
        assert authors.high_reach[lang]
        assert all(a.followers >= HIGH_REACH for a in authors.high_reach[lang])


def test_ascii_fold_drops_accents() -> None:
    assert ascii_fold("Mészáros Zoë Müller") == "meszaros zoe muller"

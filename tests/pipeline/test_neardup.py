"""The near-duplicate index: copies join the group of the first post, across batches and
within one; old and far posts are forgotten; a retried post keeps its group; a restored
index groups as the old one did; it agrees with a brute-force oracle."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.nlp.simhash import hamming, simhash, to_signed
from signalroom.pipeline.neardup import Fingerprinted, NearDupIndex
from signalroom.store.base import PostFingerprint

BASE = to_signed(0x0123_4567_89AB_CDEF)


def flip(value: int, *bits: int) -> int:
    for bit in bits:
        value ^= 1 << bit
    return to_signed(value)


def post(post_id: str, fingerprint: int, created_at: float = 1000.0) -> Fingerprinted:
    return Fingerprinted(post_id, fingerprint, created_at)


def test_neardup_copies_join_the_group_of_the_first_post() -> None:
    index = NearDupIndex(max_distance=3)

    first = index.assign([post("a", BASE), post("x", flip(BASE, *range(0, 64, 2)))])
    later = index.assign([post("b", flip(BASE, 1)), post("c", flip(BASE, 1, 40, 63))])

    assert first == [None, None]
    assert later == ["a", "a"]
    assert len(index) == 4


def test_neardup_groups_within_one_batch() -> None:
    index = NearDupIndex(max_distance=3)

    assert index.assign([post("a", BASE), post("b", flip(BASE, 5)), post("c", BASE)]) == [
        None,
        "a",
        "a",
    ]


def test_neardup_a_copy_of_a_copy_stays_in_the_first_group() -> None:
    index = NearDupIndex(max_distance=3)
    index.assign([post("a", BASE)])
    index.assign([post("b", flip(BASE, 1, 2, 3))])

    # Six bits from "a" but three from "b": it joins b's group, which is a's.
    assert index.assign([post("c", flip(BASE, 1, 2, 3, 4, 5, 6))]) == ["a"]


def test_neardup_joins_the_oldest_group_when_it_matches_two() -> None:
    index = NearDupIndex(max_distance=3)
    far = flip(BASE, 0, 1, 2, 3, 4, 5)
    index.assign([post("old", BASE), post("new", far)])

    assert index.assign([post("both", flip(BASE, 0, 1, 2))]) == ["old"]


def test_neardup_posts_without_fingerprint_never_group() -> None:
    index = NearDupIndex()

    assert index.assign([post("a", 0), post("b", 0)]) == [None, None]
    assert len(index) == 0


def test_neardup_ignores_posts_created_outside_the_window() -> None:
    index = NearDupIndex(max_distance=3, window_s=60.0)
    index.assign([post("a", BASE, created_at=1000.0)])

    assert index.assign([post("b", BASE, created_at=1061.0)]) == [None]
    assert index.assign([post("c", BASE, created_at=1100.0)]) == ["b"]


def test_neardup_forgets_the_oldest_posts_beyond_capacity() -> None:
    index = NearDupIndex(max_distance=3, capacity=3)
    index.assign([post("a", BASE)])
    index.assign([post(f"n{i}", flip(BASE, *range(i * 9, i * 9 + 9))) for i in range(3)])

    assert len(index) == 3
    assert index.assign([post("b", BASE)]) == [None]


def test_neardup_a_batch_larger_than_capacity_keeps_its_newest() -> None:
    index = NearDupIndex(max_distance=0, capacity=2)
    index.assign([post(f"p{i}", flip(BASE, i)) for i in range(5)])

    assert index.assign([post("q", flip(BASE, 4)), post("r", flip(BASE, 0))]) == ["p4", None]


def test_neardup_a_retried_post_keeps_its_group_and_is_not_added_twice() -> None:
    index = NearDupIndex(max_distance=3)
    index.assign([post("a", BASE)])
    assert index.assign([post("b", flip(BASE, 7))]) == ["a"]

    assert index.assign([post("b", flip(BASE, 7)), post("a", BASE)]) == ["a", None]
    assert len(index) == 2


def test_neardup_restored_index_groups_as_before() -> None:
    index = NearDupIndex(max_distance=3)
    restored = index.restore(
        [
            PostFingerprint("old-member", flip(BASE, 9), 900.0, "gone-first"),
            PostFingerprint("a", BASE, 950.0, None),
            PostFingerprint("b", flip(BASE, 1), 960.0, "a"),
            PostFingerprint("short", 0, 970.0, None),
        ]
    )

    assert restored == 3
    # Matches "a" (and "b") and "old-member": the older group wins.
    assert index.assign([post("c", flip(BASE, 1, 9))]) == ["gone-first"]
    assert index.assign([post("d", flip(BASE, 2))]) == ["gone-first"]
    assert index.assign([post("b", flip(BASE, 1))]) == ["a"]


def test_neardup_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="max_distance"):
        NearDupIndex(max_distance=33)
    with pytest.raises(ValueError, match="capacity"):
        NearDupIndex(capacity=0)
    with pytest.raises(ValueError, match="window_s"):
        NearDupIndex(window_s=0)


def oracle(posts: list[Fingerprinted], k: int) -> list[str | None]:
    """Each post against every earlier one, one at a time: the oldest matching group."""
    seen: list[tuple[int, int, str]] = []  # fingerprint, group age, group id
    groups: list[str | None] = []
    for age, item in enumerate(posts):
        if not item.simhash:
            groups.append(None)
            continue
        matches = [(a, g) for f, a, g in seen if hamming(f, item.simhash) <= k]
        if matches:
            root, group = min(matches)
            groups.append(group)
            seen.append((item.simhash, root, group))
        else:
            groups.append(None)
            seen.append((item.simhash, age, item.post_id))
    return groups


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    batch=st.integers(1, 40),
    count=st.integers(1, 250),
)
def test_neardup_matches_a_brute_force_oracle(seed: int, batch: int, count: int) -> None:
    rng = random.Random(seed)
    centres = [rng.getrandbits(64) for _ in range(6)]
    posts: list[Fingerprinted] = []
    for i in range(count):
        value = rng.choice(centres) if rng.random() < 0.6 else rng.getrandbits(64)
        for _ in range(rng.randint(0, 2)):
            value ^= 1 << rng.randrange(64)
        posts.append(post(f"p{i}", to_signed(value) if rng.random() > 0.1 else 0))
    # Within 3 bits two fingerprints always share a band, and no bucket outgrows a probe.
    index = NearDupIndex(max_distance=3, capacity=10_000)

    got: list[str | None] = []
    for start in range(0, count, batch):
        got += index.assign(posts[start : start + batch])

    assert got == oracle(posts, 3)


def test_neardup_groups_retweets_and_campaign_copies_of_real_texts() -> None:
    original = (
        "Kestrava cancelled my flight to Budapest with two hours notice. No hotel, no food, "
        "no help at all from the crew."
    )
    copies = [
        "RT @angry_flyer: " + original,
        original.replace("crew.", "crew today."),
        original.replace("notice.", "notice!! Unbelievable.") + " https://t.co/x1",
        "@kestrava " + original.upper(),
    ]
    unrelated = [
        "Great experience with Zephora today, would happily fly with them again and again",
        "Kestrava lost my bag in Budapest and nobody at the desk would help me at all",
        "Kestrava",
    ]
    index = NearDupIndex()
    items = [original, *copies, *unrelated]

    groups = index.assign(
        [post(f"demo:{i}", simhash(text), 1000.0 + i) for i, text in enumerate(items)]
    )

    assert groups == [None, *["demo:0"] * len(copies), None, None, None]

"""Near-duplicate groups: which earlier post, if any, a new post nearly repeats.

Each post with a SimHash fingerprint (:mod:`signalroom.nlp.simhash`) is compared with the
recent posts: one whose fingerprint differs in at most ``max_distance`` of 64 bits, and
whose ``created_at`` is within ``window_s`` of the new post's, is a near-duplicate. The new
post joins that post's group, named by the id of the group's first post (its
``dup_group``); when it matches posts of several groups it joins the oldest group. A post
that matches nothing gets ``None`` and may become the first post of a group later. So a
retweet-style copy, a copy-paste campaign with small edits, or a headline syndicated by
many outlets end up in one group, named after the first post seen.

The recent posts are kept in a bounded ring (``capacity`` posts; the oldest is forgotten
first) with 16 locality-sensitive hash tables: four permutations of the 64 bits, each
cut into four 16-bit bands. Two fingerprints within 3 bits always share a band; within 7
bits they do nine times in ten (and a copy of a big group only has to find one member).
Lookups and insertions are numpy over a whole batch, so the cost per post is a few
microseconds. Memory is fixed by ``capacity`` (about 180 bytes a post).

Not thread-safe: the pipeline's processor calls it from one thread, one batch at a time.
After a restart, :meth:`NearDupIndex.restore` refills it from the store. It must not do
I/O or know how fingerprints are made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from signalroom.store.base import PostFingerprint

DEFAULT_MAX_DISTANCE = 7
DEFAULT_CAPACITY = 200_000
DEFAULT_WINDOW_S = 86_400.0
MAX_CAPACITY = 100_000_000

BAND_BITS = 16
BANDS = 64 // BAND_BITS
_MULTIPLIERS = (1, 7, 13, 29)
"""Bit ``i`` of a fingerprint goes to position ``(m * i) % 64`` of a permutation; odd
multipliers make these permutations, and the four spread each band's bits apart."""
TABLES = BANDS * len(_MULTIPLIERS)
MAX_PROBE = 4
"""How many of a bucket's most recent entries a lookup reads: a big group fills a bucket
with copies of itself, and its newest members name the group as well as the oldest."""
_NONE = -1
_M64 = (1 << 64) - 1


def _table_bits() -> npt.NDArray[np.intp]:
    rows: list[list[int]] = []
    for multiplier in _MULTIPLIERS:
        order = sorted(range(64), key=lambda bit: (multiplier * bit) % 64)
        rows.extend(order[band * BAND_BITS : (band + 1) * BAND_BITS] for band in range(BANDS))
    return np.array(rows, dtype=np.intp)


_TABLE_BITS = _table_bits()
"""``(TABLES, BAND_BITS)``: which fingerprint bits make each table's key."""
_TABLE_OFFSETS = np.arange(TABLES, dtype=np.intp) << BAND_BITS


@dataclass(frozen=True, slots=True)
class Fingerprinted:
    """What the index needs of a post."""

    post_id: str
    simhash: int
    """Signed or unsigned 64-bit SimHash; ``0`` means none (never grouped)."""
    created_at: float


class NearDupIndex:
    """The recent posts' fingerprints, and the group each belongs to."""

    def __init__(
        self,
        max_distance: int = DEFAULT_MAX_DISTANCE,
        capacity: int = DEFAULT_CAPACITY,
        window_s: float = DEFAULT_WINDOW_S,
    ) -> None:
        if not 0 <= max_distance <= 32:
            raise ValueError(f"max_distance must be 0..32, got {max_distance}")
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ValueError(f"capacity must be 1..{MAX_CAPACITY}, got {capacity}")
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self.max_distance = max_distance
        self.capacity = capacity
        self.window_s = float(window_s)
        self._next_seq = 0
        self._seqs = np.full(capacity, _NONE, dtype=np.int64)
        self._fingerprints = np.zeros(capacity, dtype=np.uint64)
        self._created = np.zeros(capacity, dtype=np.float64)
        self._roots = np.zeros(capacity, dtype=np.int64)
        """Per entry: a number that orders groups by age (the seq of its first post)."""
        self._ids: list[str | None] = [None] * capacity
        self._groups: list[str | None] = [None] * capacity
        """Per entry: the id of its group's first post (its own id when it is first)."""
        self._assigned: list[str | None] = [None] * capacity
        """Per entry: the ``dup_group`` it was given."""
        self._id_hashes = np.zeros(capacity, dtype=np.int64)
        """Per entry: ``hash()`` of its post id, to find a repeated post without comparing
        strings; only ever compared within this process, never stored."""
        self._heads = np.full(TABLES << BAND_BITS, _NONE, dtype=np.int64)
        """Per table and key (``table << BAND_BITS | key``): the newest entry's seq."""
        self._previous = np.zeros(TABLES * capacity, dtype=np.uint32)
        """Per table and slot (``table * capacity + slot``): how many seqs back the entry
        before it in the same bucket is (0: none). A distance, not a seq, to halve the
        biggest array: an entry more than ``capacity`` back is gone anyway."""
        self._external_roots: dict[str, int] = {}

    def __len__(self) -> int:
        return min(self._next_seq, self.capacity)

    def assign(self, posts: Sequence[Fingerprinted]) -> list[str | None]:
        """The ``dup_group`` of each post, in order, adding each to the index. A post
        already in the index (the same id, as when a failed batch is retried) gets the
        group it was given before and is not added again."""
        n = len(posts)
        result: list[str | None] = [None] * n
        active = [i for i, post in enumerate(posts) if post.simhash]
        if not active:
            return result
        fingerprints = np.array([posts[i].simhash & _M64 for i in active], dtype=np.uint64)
        created = np.array([posts[i].created_at for i in active], dtype=np.float64)
        keys = _keys(fingerprints)
        best_root, best_slot, repeats = self._lookup(active, posts, fingerprints, created, keys)
        roots_found, slots_found = best_root.tolist(), best_slot.tolist()
        roots: list[int] = []
        groups: list[str] = []
        fresh: list[int] = []
        batch_roots = [0] * len(active)
        batch_groups: list[str] = [""] * len(active)
        within = self._within_batch(fingerprints, created)
        seen_ids: dict[str, int] = {}
        for k, i in enumerate(active):
            post = posts[i]
            if k in repeats:
                result[i] = repeats[k]
                continue
            earlier = seen_ids.get(post.post_id)
            if earlier is not None:
                result[i] = result[active[earlier]]
                continue
            root, group = roots_found[k], None
            if slots_found[k] != _NONE:
                group = self._groups[slots_found[k]]
            for j in within.get(k, ()):
                if batch_groups[j] and batch_roots[j] < root:
                    root, group = batch_roots[j], batch_groups[j]
            seq = self._next_seq + len(fresh)
            if group is None:
                root, group = seq, post.post_id
            else:
                result[i] = group
            seen_ids[post.post_id] = k
            batch_roots[k], batch_groups[k] = root, group
            roots.append(root)
            groups.append(group)
            fresh.append(k)
        if fresh:
            self._insert(
                [posts[active[k]].post_id for k in fresh],
                fingerprints[fresh],
                created[fresh],
                keys[fresh],
                roots,
                groups,
                [result[active[k]] for k in fresh],
            )
        return result

    def restore(self, entries: Iterable[PostFingerprint]) -> int:
        """Refill the index from stored posts, oldest stored first (see
        :meth:`signalroom.store.base.Store.recent_fingerprints`). Returns how many were
        added."""
        ids: list[str] = []
        fingerprints: list[int] = []
        created: list[float] = []
        roots: list[int] = []
        groups: list[str] = []
        assigned: list[str | None] = []
        own: dict[str, int] = {}
        externals = self._external_roots
        for entry in entries:
            post_id, simhash, dup_group = entry.post_id, entry.simhash, entry.dup_group
            created_at = entry.created_at
            if not simhash:
                continue
            seq = self._next_seq + len(ids)
            if dup_group is None or dup_group == post_id:
                root, group = own.setdefault(post_id, seq), post_id
            elif dup_group in own:
                root, group = own[dup_group], dup_group
            else:
                # A group whose first post is older than what is restored: it is older
                # than every restored post, and groups first seen earlier are older.
                root = externals.setdefault(dup_group, -(1 << 62) + len(externals))
                group = dup_group
            ids.append(post_id)
            fingerprints.append(simhash & _M64)
            created.append(created_at)
            roots.append(root)
            groups.append(group)
            assigned.append(None if dup_group == post_id else dup_group)
        if not ids:
            return 0
        array = np.array(fingerprints, dtype=np.uint64)
        self._insert(
            ids,
            array,
            np.array(created, dtype=np.float64),
            _keys(array),
            roots,
            groups,
            assigned,
        )
        return len(ids)

    # -- internals -----------------------------------------------------------------------
    def _lookup(
        self,
        active: list[int],
        posts: Sequence[Fingerprinted],
        fingerprints: npt.NDArray[np.uint64],
        created: npt.NDArray[np.float64],
        keys: npt.NDArray[np.intp],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], dict[int, str | None]]:
        """For each active post: the oldest matching group's root and one of its entries'
        slot (or none), and, for posts already in the index, what they were given."""
        m = len(active)
        best_root = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)
        best_slot = np.full(m, _NONE, dtype=np.int64)
        repeats: dict[int, str | None] = {}
        if self._next_seq == 0:
            return best_root, best_slot, repeats
        capacity = self.capacity
        cursor = self._heads[(keys + _TABLE_OFFSETS).ravel()]
        owner = np.repeat(np.arange(m), TABLES)
        table_base = np.tile(np.arange(TABLES, dtype=np.int64) * capacity, m)
        found_owner: list[npt.NDArray[np.intp]] = []
        found_slot: list[npt.NDArray[np.int64]] = []
        for _ in range(MAX_PROBE):
            slot = cursor % capacity
            live = (cursor >= 0) & (self._seqs[slot] == cursor)
            if not live.any():
                break
            cursor, owner, table_base = cursor[live], owner[live], table_base[live]
            slot = slot[live]
            found_owner.append(owner)
            found_slot.append(slot)
            back = self._previous[table_base + slot].astype(np.int64)
            cursor = np.where(back > 0, cursor - back, _NONE)
        if not found_owner:
            return best_root, best_slot, repeats
        owners = np.concatenate(found_owner)
        slots = np.concatenate(found_slot)
        distance = np.bitwise_count(self._fingerprints[slots] ^ fingerprints[owners])
        close = (distance <= self.max_distance) & (
            np.abs(self._created[slots] - created[owners]) <= self.window_s
        )
        owners, slots, distance = owners[close], slots[close], distance[close]
        if not owners.shape[0]:
            return best_root, best_slot, repeats
        id_hashes = np.array([hash(posts[i].post_id) for i in active], dtype=np.int64)
        same = (distance == 0) & (self._id_hashes[slots] == id_hashes[owners])
        for k, slot in zip(owners[same].tolist(), slots[same].tolist(), strict=True):
            if self._ids[slot] == posts[active[k]].post_id:
                repeats[k] = self._assigned[slot]
        roots = self._roots[slots]
        order = np.lexsort((roots, owners))
        owners, slots, roots = owners[order], slots[order], roots[order]
        first = np.r_[True, owners[1:] != owners[:-1]]
        best_root[owners[first]] = roots[first]
        best_slot[owners[first]] = slots[first]
        return best_root, best_slot, repeats

    def _within_batch(
        self, fingerprints: npt.NDArray[np.uint64], created: npt.NDArray[np.float64]
    ) -> dict[int, list[int]]:
        """For each post of the batch, the earlier posts of the batch it nearly repeats."""
        m = fingerprints.shape[0]
        if m < 2:
            return {}
        close = np.bitwise_count(fingerprints[:, None] ^ fingerprints[None, :]) <= (
            self.max_distance
        )
        later, earlier = np.nonzero(close)
        keep = earlier < later
        later, earlier = later[keep], earlier[keep]
        if not later.shape[0]:
            return {}
        keep = np.abs(created[later] - created[earlier]) <= self.window_s
        pairs: dict[int, list[int]] = {}
        for k, j in zip(later[keep].tolist(), earlier[keep].tolist(), strict=True):
            pairs.setdefault(k, []).append(j)
        return pairs

    def _insert(
        self,
        ids: list[str],
        fingerprints: npt.NDArray[np.uint64],
        created: npt.NDArray[np.float64],
        keys: npt.NDArray[np.intp],
        roots: list[int],
        groups: list[str],
        assigned: list[str | None],
    ) -> None:
        count = len(ids)
        skip = max(0, count - self.capacity)
        # Only the newest ``capacity`` of a huge insert can stay; the rest would be
        # overwritten within the same call.
        seqs = np.arange(self._next_seq + skip, self._next_seq + count, dtype=np.int64)
        slots = seqs % self.capacity
        self._seqs[slots] = seqs
        self._fingerprints[slots] = fingerprints[skip:]
        self._created[slots] = created[skip:]
        self._roots[slots] = np.array(roots[skip:], dtype=np.int64)
        for slot, post_id, group, given in zip(
            slots.tolist(), ids[skip:], groups[skip:], assigned[skip:], strict=True
        ):
            self._ids[slot] = post_id
            self._groups[slot] = group
            self._assigned[slot] = given
        self._id_hashes[slots] = np.array([hash(post_id) for post_id in ids[skip:]], np.int64)
        keys = keys[skip:] + _TABLE_OFFSETS
        for t in range(TABLES):
            column = keys[:, t]
            order = np.argsort(column, kind="stable")
            sorted_keys, sorted_seqs = column[order], seqs[order]
            starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
            previous = np.empty_like(sorted_seqs)
            previous[starts] = self._heads[sorted_keys[starts]]
            previous[~starts] = sorted_seqs[np.flatnonzero(~starts) - 1]
            back = sorted_seqs - previous
            back[(previous < 0) | (back > self.capacity)] = 0
            self._previous[t * self.capacity + sorted_seqs % self.capacity] = back
            ends = np.r_[starts[1:], True]
            self._heads[sorted_keys[ends]] = sorted_seqs[ends]
        self._next_seq += count


def _keys(fingerprints: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """``(n, TABLES)``: each fingerprint's key in each table."""
    bits = np.unpackbits(
        fingerprints.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
    )
    chosen = bits[:, _TABLE_BITS]  # (n, TABLES, BAND_BITS)
    packed = np.packbits(chosen, axis=2, bitorder="little")  # (n, TABLES, 2)
    return packed.view("<u2")[:, :, 0].astype(np.intp)

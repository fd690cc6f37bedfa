"""Position arithmetic for ``NEAR/n`` and ``"phrase"~k``, on plain lists of positions.

Occurrences are spans ``(s, e)`` of token positions (one token: ``s == e``).

- ``NEAR/n``: occurrences ``s1..e1`` and ``s2..e2`` with ``e1 < s2`` are ``s2 - e1`` apart;
  overlapping ones never count.
- ``"t1 ... tn"~k``: n *distinct* positions p1..pn, pi holding ti, with
  ``max(p) - min(p) <= n - 1 + k``. Deciding that is a bipartite matching of tokens to
  positions; tokens with the same candidates (a repeated word) are grouped, and when groups
  share no position (distinct literal words, the usual case) counting decides instead.

Pure functions of their arguments; must not know about tokens, texts or queries.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterator, Sequence

Span = tuple[int, int]


def is_near(left: Sequence[Span], right: Sequence[Span], distance: int, ordered: bool) -> bool:
    """Whether an occurrence of ``left`` and one of ``right`` are at most ``distance`` apart
    (``left`` first when ``ordered``)."""
    if not left or not right:
        return False
    starts = sorted(start for start, _ in right)
    for _, end in left:
        found = bisect_left(starts, end + 1)
        if found < len(starts) and starts[found] <= end + distance:
            return True
    if ordered:
        return False
    ends = sorted(end for _, end in right)
    for start, _ in left:
        found = bisect_left(ends, start - distance)
        if found < len(ends) and ends[found] < start:
            return True
    return False


class LooseSlots:
    """The candidate positions of the n tokens of a ``~k`` phrase within one text."""

    __slots__ = ("count", "disjoint", "lists", "owner", "sizes", "union", "width")

    def __init__(self, lists: Sequence[Sequence[int]], slop: int) -> None:
        grouped: dict[tuple[int, ...], int] = {}
        for positions in lists:
            key = tuple(positions)
            grouped[key] = grouped.get(key, 0) + 1
        self.lists = list(grouped)
        self.sizes = list(grouped.values())
        self.count = len(lists)
        self.width = self.count - 1 + slop
        self.union = sorted({p for positions in self.lists for p in positions})
        self.disjoint = sum(len(positions) for positions in self.lists) == len(self.union)
        self.owner = (
            {p: group for group, positions in enumerate(self.lists) for p in positions}
            if self.disjoint
            else {}
        )

    def starts(self) -> Iterator[int]:
        """Each position at which some occurrence begins, ascending."""
        if not all(self.lists) or len(self.union) < self.count:
            return
        union, count = self.union, self.count
        for index, low in enumerate(union):
            high = low + self.width
            if bisect_right(union, high) - index >= count and self._fits(low, high, (low,)):
                yield low

    def spans(self) -> list[Span]:
        """The exact span of every occurrence. All of them, not just the tightest per start:
        a wider one may sit closer to what follows, a tighter one may avoid overlapping it."""
        found: list[Span] = []
        union, count = self.union, self.count
        for low in self.starts():
            first = bisect_left(union, low + count - 1)
            last = bisect_right(union, low + self.width)
            found.extend(
                (low, high) for high in union[first:last] if self._fits(low, high, (low, high))
            )
        return found

    def _fits(self, low: int, high: int, pins: tuple[int, ...]) -> bool:
        """Whether an occurrence lies within ``low..high`` and uses every pinned position."""
        if self.disjoint:
            for positions, size in zip(self.lists, self.sizes, strict=True):
                if bisect_right(positions, high) - bisect_left(positions, low) < size:
                    return False
            pinned: dict[int, int] = {}
            for pin in pins:
                group = self.owner[pin]
                pinned[group] = pinned.get(group, 0) + 1
            return all(used <= self.sizes[group] for group, used in pinned.items())
        slots = [
            list(positions[bisect_left(positions, low) : bisect_right(positions, high)])
            for positions, size in zip(self.lists, self.sizes, strict=True)
            for _ in range(size)
        ]
        return all(slots) and _matching_with_pins(slots, pins)


def _matching_with_pins(slots: list[list[int]], pins: tuple[int, ...]) -> bool:
    if not pins:
        return _has_matching(slots)
    pin, tried = pins[0], set()
    for chosen, positions in enumerate(slots):
        key = tuple(positions)
        if pin in positions and key not in tried:
            tried.add(key)
            rest = [[p for p in other if p != pin] for i, other in enumerate(slots) if i != chosen]
            if all(rest) and _matching_with_pins(rest, pins[1:]):
                return True
    return False


def _has_matching(candidates: list[list[int]]) -> bool:
    """Whether every slot gets its own position (breadth-first augmenting paths, iterative
    so a long phrase cannot exhaust the stack)."""
    if len({p for positions in candidates for p in positions}) < len(candidates):
        return False
    owner: dict[int, int] = {}
    held: dict[int, int] = {}
    for root in range(len(candidates)):
        parent: dict[int, int] = {}
        queue = deque([root])
        free: int | None = None
        while queue and free is None:
            slot = queue.popleft()
            for position in candidates[slot]:
                if position in parent:
                    continue
                parent[position] = slot
                if position not in owner:
                    free = position
                    break
                queue.append(owner[position])
        if free is None:
            return False
        at: int | None = free
        while at is not None:
            slot = parent[at]
            previous = held.get(slot)
            owner[at] = slot
            held[slot] = at
            at = previous
    return True

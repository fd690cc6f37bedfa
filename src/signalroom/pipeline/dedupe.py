"""Remember recently seen post ids so a repeated item skips enrichment.

This is only a shortcut: the store's idempotent write on ``(source, native_id)`` is what
guarantees a post is stored once. Bounded: the oldest ids are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict


class RecentIds:
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, post_id: str) -> bool:
        """True if ``post_id`` was seen before; remembers it either way."""
        if self._capacity <= 0:
            return False
        if post_id in self._ids:
            self._ids.move_to_end(post_id)
            return True
        self._ids[post_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._ids)

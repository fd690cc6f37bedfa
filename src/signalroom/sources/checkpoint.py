"""Reading a polling connector's own checkpoint back: compact JSON carrying its format's
version as ``v`` (Hacker News, Reddit, news feeds, X's daily budget).

A checkpoint that is absent, unreadable or of another version reads as None, and the
connector starts afresh (from its look-back; the pipeline dedupes what is sent again).
Never raises, never logs; what a checkpoint holds is each connector's business.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import msgspec


class Versioned(Protocol):
    @property
    def v(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def read_checkpoint(since: str | None, shape: type[V], version: int) -> V | None:
    """``since`` decoded as ``shape`` when it is a checkpoint of ``version``, else None."""
    if not since:
        return None
    try:
        decoded = msgspec.json.decode(since, type=shape)
    except msgspec.MsgspecError:
        return None
    return decoded if decoded.v == version else None

"""Time, injected: code that needs "now" takes a Clock so tests can drive it without sleeping.

All instants inside Signalroom are UTC epoch seconds as ``float``. This module must not
import anything of ours.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time."""

    def now(self) -> float:
        """UTC epoch seconds."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to (for tests and replays)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def set(self, instant: float) -> None:
        self._now = instant


def to_iso(instant: float) -> str:
    """Epoch seconds to an ISO 8601 UTC string with millisecond precision and a ``Z``."""
    text = datetime.fromtimestamp(instant, tz=UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_instant(text: str) -> float:
    """An ISO 8601 timestamp (``Z`` or offset; naive means UTC) or epoch seconds, to epoch seconds.

    Raises ValueError when the text is neither.
    """
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()

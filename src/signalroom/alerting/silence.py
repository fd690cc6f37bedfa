"""Silences and mute windows: hold an alert's notifications for a stretch of time, by
topic, detector, fingerprint or severity.

A silence mutes notifications, not the alert: a silenced alert is still grouped, shown
and audited, but its escalation is held until the silence stops muting (see
``EscalationState.pause_until``). Matchers that are set must all match; a silence must
set at least one, so nobody mutes everything by accident.

A silence is either **one stretch** (``starts_at`` to ``ends_at``: a planned launch, a
known story) or **recurring** (a mute window, Grafana's "mute timing"): it mutes only
inside its weekly ``windows`` of local time in ``timezone``, such as every night from
22:00 to 07:00, or all of Saturday and Sunday, from ``starts_at`` on and until ``ends_at``
if one is given. A window that ends at or before its start runs past midnight into the
next day, and belongs to the day it starts on ("fri 22:00-07:00" mutes Friday night to
Saturday morning). Local times follow the zone's daylight-saving rules, so "22:00" stays
22:00 on the wall clock all year. Pure: no I/O, no clock.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from signalroom.alerting.model import (
    Alert,
    require_actor,
    require_instant,
    require_note,
    severity_rank,
)
from signalroom.detectors.base import SEVERITIES, DetectorName, Severity
from signalroom.errors import ValidationError

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: Final[tuple[Weekday, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""In ``date.weekday()`` order: Monday is 0."""

MAX_WINDOWS: Final = 14
LOOKAHEAD_S: Final = 15 * 86400.0
"""How far ahead ``silenced_until`` follows chained silences. An alert muted all the way
to the horizon is held until then and looked at again; two weeks cover any weekly
schedule twice."""

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def clock_minutes(value: str, field: str) -> int:
    """Minutes after midnight of a 24-hour ``HH:MM`` time; ValidationError otherwise."""
    found = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise ValidationError(
            f"must be a 24-hour time such as 07:00 or 22:30, got {value!r}", field
        )
    return int(found[1]) * 60 + int(found[2])


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA time zone called ``name`` (such as Europe/Budapest); ValidationError otherwise."""
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"must be an IANA time zone such as Europe/Budapest or UTC, got {name!r}", field
        ) from None


class MuteWindow(msgspec.Struct, frozen=True, kw_only=True):
    """On each of ``days``, local time from ``start`` to ``end`` (``HH:MM``, 24-hour).

    ``end`` at or before ``start`` runs into the next day; ``start`` equal to ``end`` is the
    whole day.
    """

    days: tuple[Weekday, ...] = WEEKDAYS
    start: str
    end: str

    def __post_init__(self) -> None:
        if not self.days:
            raise ValidationError("name at least one day", "days")
        if len(set(self.days)) != len(self.days):
            raise ValidationError("names a day twice", "days")
        clock_minutes(self.start, "start")
        clock_minutes(self.end, "end")

    def spans(self, tz: ZoneInfo, first: date, last: date) -> Iterator[tuple[float, float]]:
        """The window's stretches (UTC seconds) that start on local days ``first``..``last``."""
        start = clock_minutes(self.start, "start")
        end = clock_minutes(self.end, "end")
        wanted = {WEEKDAYS.index(d) for d in self.days}
        day = first
        while day <= last:
            if day.weekday() in wanted:
                yield (
                    _local(tz, day, start),
                    _local(tz, day + timedelta(days=int(end <= start)), end),
                )
            day += timedelta(days=1)


def _local(tz: ZoneInfo, day: date, minutes: int) -> float:
    return datetime(
        day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=tz
    ).timestamp()


class Silence(msgspec.Struct, frozen=True, kw_only=True):
    """Mute matching alerts from ``starts_at`` (inclusive) to ``ends_at`` (exclusive; None:
    until removed, recurring silences only), inside ``windows`` when it has any."""

    id: str
    starts_at: float
    ends_at: float | None = None
    created_by: str
    comment: str = ""
    topic_id: int | None = None
    detector: DetectorName | None = None
    fingerprint: str | None = None
    max_severity: Severity | None = None
    """Only alerts at most this severe: "warning" lets critical alerts through."""
    windows: tuple[MuteWindow, ...] = ()
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        require_instant(self.starts_at, "starts_at")
        require_actor(self.created_by)
        require_note(self.comment)
        if self.ends_at is None:
            if not self.windows:
                raise ValidationError("a silence without windows needs an end", "ends_at")
        else:
            require_instant(self.ends_at, "ends_at")
            if self.ends_at <= self.starts_at:
                raise ValidationError("must be after starts_at", "ends_at")
        if len(self.windows) > MAX_WINDOWS:
            raise ValidationError(f"at most {MAX_WINDOWS} windows", "windows")
        zone(self.timezone)
        if (
            self.topic_id is None
            and self.detector is None
            and not self.fingerprint
            and self.max_severity is None
        ):
            raise ValidationError(
                "name a topic, a detector, a fingerprint or a severity to silence", "silence"
            )
        if self.max_severity is not None and self.max_severity not in SEVERITIES:
            raise ValidationError(f"must be one of {', '.join(SEVERITIES)}", "max_severity")

    @property
    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # cached by zoneinfo; checked in __post_init__

    @property
    def recurring(self) -> bool:
        return bool(self.windows)

    @property
    def last_instant(self) -> float:
        """``ends_at``, or infinity for a recurring silence kept until removed."""
        return math.inf if self.ends_at is None else self.ends_at

    def spans(self, since: float, until: float) -> Iterator[tuple[float, float]]:
        """The stretches this silence mutes that overlap ``[since, until)``, by start.

        Stretches of one silence that overlap or touch are merged into one.
        """
        lo, hi = max(since, self.starts_at), min(until, self.last_instant)
        if lo >= hi:
            return
        if not self.windows:
            yield self.starts_at, self.last_instant
            return
        # A window lasts at most a day (25 hours on a daylight-saving day), so the local
        # days from the one before ``lo`` to the one of ``hi`` hold every overlapping stretch.
        first = datetime.fromtimestamp(lo, self._tz).date() - timedelta(days=1)
        last = datetime.fromtimestamp(hi, self._tz).date()
        pieces = heapq.merge(*(w.spans(self._tz, first, last) for w in self.windows))
        merged: tuple[float, float] | None = None
        for start, end in pieces:
            start, end = max(start, self.starts_at), min(end, self.last_instant)
            if end <= start or end <= since or start >= until:
                continue
            if merged is not None and start <= merged[1]:
                merged = (merged[0], max(merged[1], end))
                continue
            if merged is not None:
                yield merged
            merged = (start, end)
        if merged is not None:
            yield merged

    def is_active(self, now: float) -> bool:
        """True when this silence mutes at ``now``."""
        return self.active_until(now) is not None

    def active_until(self, now: float) -> float | None:
        """When the stretch muting ``now`` ends, or None if this silence does not mute now."""
        for start, end in self.spans(now, now + LOOKAHEAD_S):
            return end if start <= now < end else None
        return None

    def next_start(self, now: float, horizon_s: float = LOOKAHEAD_S) -> float | None:
        """When this silence next starts muting after ``now`` (within the horizon), or None."""
        for start, _ in self.spans(now, now + horizon_s):
            if start > now:
                return start
        return None

    def matches(self, alert: Alert) -> bool:
        """True when every matcher this silence sets agrees with the alert."""
        return (
            (self.topic_id is None or self.topic_id == alert.topic_id)
            and (self.detector is None or self.detector == alert.detector)
            and (not self.fingerprint or self.fingerprint == alert.fingerprint)
            and (
                self.max_severity is None
                or severity_rank(alert.severity) <= severity_rank(self.max_severity)
            )
        )


def active_silence(alert: Alert, silences: Iterable[Silence], now: float) -> Silence | None:
    """The silence muting the alert at ``now`` whose current stretch lasts longest, or None."""
    best: tuple[float, Silence] | None = None
    for silence in silences:
        if not silence.matches(alert):
            continue
        until = silence.active_until(now)
        if until is not None and (best is None or until > best[0]):
            best = (until, silence)
    return None if best is None else best[1]


def silenced_until(
    alert: Alert, silences: Iterable[Silence], now: float, horizon_s: float = LOOKAHEAD_S
) -> float | None:
    """When the alert stops being silenced, or None if it is not silenced at ``now``.

    Silences and windows that overlap or touch chain: a stretch starting before (or as)
    another ends extends the muted span, so the alert is not released for an instant in
    between. A span reaching past ``now + horizon_s`` is cut there: the caller looks again.
    """
    require_instant(now)
    horizon = now + horizon_s
    matching = [s for s in silences if s.matches(alert)]
    until: float | None = None
    for start, end in heapq.merge(*(s.spans(now, horizon) for s in matching)):
        reach = now if until is None else until
        if start > reach:
            break
        if end > reach:
            until = end
    return None if until is None else min(until, horizon)

"""Silences and mute windows: what they match, when they mute, and how overlapping ones
chain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.alerting import Silence, active_silence, silenced_until
from signalroom.alerting.silence import WEEKDAYS, MuteWindow, Weekday
from signalroom.detectors.base import DetectorName, Severity
from signalroom.errors import ValidationError
from tests.alerting.factory import T0, TOPIC, open_alert


def silence(
    starts: float,
    ends: float,
    *,
    topic_id: int | None = TOPIC,
    detector: DetectorName | None = None,
    fp: str | None = None,
    sid: str = "s1",
) -> Silence:
    return Silence(
        id=sid,
        starts_at=T0 + starts,
        ends_at=T0 + ends,
        created_by="alice",
        comment="planned launch",
        topic_id=topic_id,
        detector=detector,
        fingerprint=fp,
    )


def test_silence_is_active_from_start_inclusive_to_end_exclusive() -> None:
    s = silence(0, 600)
    assert not s.is_active(T0 - 1)
    assert s.is_active(T0)
    assert s.is_active(T0 + 599)
    assert not s.is_active(T0 + 600)


def test_silence_matches_only_when_every_set_matcher_agrees() -> None:
    alert = open_alert(detector="keyword", subject="recall")
    assert silence(0, 1, topic_id=TOPIC).matches(alert)
    assert silence(0, 1, topic_id=None, detector="keyword").matches(alert)
    assert silence(0, 1, topic_id=None, fp=alert.fingerprint).matches(alert)
    assert silence(0, 1, topic_id=TOPIC, detector="keyword", fp=alert.fingerprint).matches(alert)
    assert not silence(0, 1, topic_id=TOPIC + 1).matches(alert)
    assert not silence(0, 1, topic_id=TOPIC, detector="spike").matches(alert)
    assert not silence(0, 1, topic_id=None, fp="0" * 16).matches(alert)


def test_silence_rejects_no_matcher_a_backwards_window_and_no_author() -> None:
    with pytest.raises(ValidationError, match="name a topic"):
        silence(0, 60, topic_id=None)
    with pytest.raises(ValidationError) as caught:
        silence(60, 60)
    assert caught.value.field == "ends_at"
    with pytest.raises(ValidationError, match="actor"):
        Silence(id="s", starts_at=T0, ends_at=T0 + 1, created_by=" ", topic_id=1)


def test_active_silence_picks_the_longest_matching_active_silence() -> None:
    alert = open_alert()
    silences = [
        silence(0, 600, sid="short"),
        silence(0, 900, sid="long"),
        silence(0, 5000, topic_id=TOPIC + 1, sid="other topic"),
        silence(1000, 5000, sid="later"),
    ]
    found = active_silence(alert, silences, T0 + 10)
    assert found is not None
    assert found.id == "long"
    assert active_silence(alert, silences, T0 + 950) is None


def test_silenced_until_chains_silences_that_overlap_or_touch() -> None:
    alert = open_alert()
    silences = [silence(1200, 2000), silence(0, 600), silence(500, 1200), silence(3000, 4000)]
    assert silenced_until(alert, silences, T0 + 100) == T0 + 2000
    assert silenced_until(alert, silences, T0 + 2500) is None
    assert silenced_until(alert, silences, T0 + 3500) == T0 + 4000
    assert silenced_until(alert, [], T0) is None


# -- recurring mute windows ------------------------------------------------------------------
def at(text: str, tz: str = "UTC") -> float:
    """An instant written as local wall time in ``tz``: ``2026-11-27 22:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp()


def mute(
    *windows: tuple[tuple[Weekday, ...], str, str],
    tz: str = "UTC",
    starts: str = "2026-11-01 00:00",
    ends: str | None = None,
    max_severity: Severity | None = None,
    topic_id: int | None = TOPIC,
    sid: str = "m",
) -> Silence:
    return Silence(
        id=sid,
        starts_at=at(starts, tz),
        ends_at=None if ends is None else at(ends, tz),
        created_by="alice",
        comment="nights and weekends",
        topic_id=topic_id,
        max_severity=max_severity,
        windows=tuple(MuteWindow(days=d, start=s, end=e) for d, s, e in windows),
        timezone=tz,
    )


WORKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")


def test_a_nightly_window_runs_past_midnight_and_belongs_to_the_day_it_starts() -> None:
    # 2026-11-27 is a Friday.
    nights = mute((("fri",), "22:00", "07:00"))
    assert not nights.is_active(at("2026-11-27 21:59"))
    assert nights.is_active(at("2026-11-27 22:00"))
    assert nights.is_active(at("2026-11-28 06:59"))
    assert not nights.is_active(at("2026-11-28 07:00"))
    assert not nights.is_active(at("2026-11-28 23:00"))  # Saturday night is not Friday's
    assert nights.active_until(at("2026-11-28 03:00")) == at("2026-11-28 07:00")
    assert nights.next_start(at("2026-11-28 07:00")) == at("2026-12-04 22:00")


def test_start_equal_to_end_is_the_whole_day_and_touching_days_chain() -> None:
    weekends = mute((("sat", "sun"), "00:00", "00:00"))
    assert not weekends.is_active(at("2026-11-27 23:59"))
    assert weekends.is_active(at("2026-11-28 00:00"))
    assert weekends.is_active(at("2026-11-29 23:59"))
    assert not weekends.is_active(at("2026-11-30 00:00"))
    # Saturday and Sunday touch: muted from Saturday until Monday 00:00, not Sunday 00:00.
    assert weekends.active_until(at("2026-11-28 09:00")) == at("2026-11-30 00:00")


def test_nights_and_weekends_together_mute_friday_evening_to_monday_morning() -> None:
    quiet = mute(
        (WORKDAYS, "22:00", "07:00"),
        (("sat", "sun"), "00:00", "00:00"),
    )
    alert = open_alert()
    assert silenced_until(alert, [quiet], at("2026-11-27 23:00")) == at("2026-11-30 00:00")
    # Monday 06:00 is Sunday night, which only the weekend window covers, and it ended.
    assert silenced_until(alert, [quiet], at("2026-11-30 06:00")) is None
    assert silenced_until(alert, [quiet], at("2026-12-01 06:00")) == at("2026-12-01 07:00")
    assert silenced_until(alert, [quiet], at("2026-12-01 12:00")) is None
    # Adding Sunday night carries the weekend on to Monday 07:00.
    sunday_night = mute(((*WORKDAYS, "sun"), "22:00", "07:00"), (("sat", "sun"), "00:00", "00:00"))
    assert silenced_until(alert, [sunday_night], at("2026-11-28 10:00")) == at("2026-11-30 07:00")


def test_windows_follow_the_wall_clock_of_their_time_zone_across_daylight_saving() -> None:
    # Budapest leaves summer time on 2026-10-25: 22:00 is 20:00 UTC before, 21:00 UTC after.
    tz = "Europe/Budapest"
    nights = mute((("fri", "sat"), "22:00", "07:00"), tz=tz, starts="2026-10-01 00:00")
    utc = ZoneInfo("UTC")
    before = nights.next_start(at("2026-10-23 12:00", tz))
    after = nights.next_start(at("2026-10-30 12:00", tz))
    assert before is not None
    assert after is not None
    assert datetime.fromtimestamp(before, utc).hour == 20
    assert datetime.fromtimestamp(after, utc).hour == 21
    # The night the clocks go back is 9 hours on the wall clock and 10 real hours.
    start, end = next(nights.spans(at("2026-10-24 23:00", tz), at("2026-10-24 23:01", tz)))
    assert (start, end) == (at("2026-10-24 22:00", tz), at("2026-10-25 07:00", tz))
    assert end - start == 10 * 3600


def test_a_mute_window_only_mutes_between_its_start_and_its_end() -> None:
    nights = mute((WORKDAYS, "22:00", "07:00"), starts="2026-11-25 00:00", ends="2026-11-27 00:00")
    assert not nights.is_active(at("2026-11-24 23:00"))  # before it starts
    assert nights.is_active(at("2026-11-25 23:00"))
    # Thursday night is cut at the silence's end.
    assert nights.active_until(at("2026-11-26 23:00")) == at("2026-11-27 00:00")
    assert not nights.is_active(at("2026-11-27 23:00"))
    assert nights.next_start(at("2026-11-27 00:00")) is None


def test_max_severity_lets_more_severe_alerts_through() -> None:
    quiet = mute((WORKDAYS, "22:00", "07:00"), max_severity="warning", topic_id=None)
    night = at("2026-11-25 23:00")
    assert silenced_until(open_alert(severity="warning"), [quiet], night) == at("2026-11-26 07:00")
    assert silenced_until(open_alert(severity="critical"), [quiet], night) is None


def test_a_mute_window_chains_with_a_one_off_silence() -> None:
    nights = mute((WORKDAYS, "22:00", "07:00"))
    launch = Silence(
        id="launch",
        starts_at=at("2026-11-26 06:00"),
        ends_at=at("2026-11-26 10:00"),
        created_by="bo",
        topic_id=TOPIC,
    )
    alert = open_alert()
    assert silenced_until(alert, [nights, launch], at("2026-11-25 23:00")) == at("2026-11-26 10:00")
    found = active_silence(alert, [nights, launch], at("2026-11-26 06:30"))
    assert found is not None
    assert found.id == "launch"


def test_a_window_muting_all_week_is_cut_at_the_look_ahead() -> None:
    always = mute((WEEKDAYS, "00:00", "00:00"))
    now = at("2026-11-25 12:00")
    assert silenced_until(open_alert(), [always], now, horizon_s=3 * 86400) == now + 3 * 86400


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: MuteWindow(days=(), start="22:00", end="07:00"), "days"),
        (lambda: MuteWindow(days=("mon", "mon"), start="22:00", end="07:00"), "days"),
        (lambda: MuteWindow(start="24:00", end="07:00"), "start"),
        (lambda: MuteWindow(start="22:00", end="7"), "end"),
        (
            lambda: Silence(
                id="z",
                starts_at=0.0,
                created_by="a",
                topic_id=1,
                windows=(MuteWindow(start="22:00", end="07:00"),),
                timezone="Mars/Olympus",
            ),
            "timezone",
        ),
        (lambda: mute(topic_id=None), "ends_at"),
        (lambda: mute((WORKDAYS, "22:00", "07:00"), topic_id=None), "silence"),
    ],
)
def test_mute_windows_refuse_bad_days_times_zones_and_missing_ends(
    build: Callable[[], object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        build()
    assert caught.value.field == field


@settings(max_examples=200, deadline=None)
@given(
    days=st.sets(st.sampled_from(WEEKDAYS), min_size=1).map(tuple),
    start=st.integers(0, 1439),
    end=st.integers(0, 1439),
    tz=st.sampled_from(["UTC", "Europe/Budapest", "America/New_York", "Asia/Kolkata"]),
    offset=st.integers(0, 60 * 86400),
)
def test_is_active_agrees_with_reading_the_wall_clock(
    days: tuple[Weekday, ...], start: int, end: int, tz: str, offset: int
) -> None:
    """The window arithmetic against the plain definition: look at the local clock."""
    window = MuteWindow(
        days=days, start=f"{start // 60:02}:{start % 60:02}", end=f"{end // 60:02}:{end % 60:02}"
    )
    silence = Silence(
        id="p", starts_at=0.0, created_by="a", topic_id=1, windows=(window,), timezone=tz
    )
    now = at("2026-01-01 00:00") + offset
    local = datetime.fromtimestamp(now, ZoneInfo(tz))
    minute = local.hour * 60 + local.minute
    today, yesterday = WEEKDAYS[local.weekday()], WEEKDAYS[(local.weekday() - 1) % 7]
    if end > start:
        expected = today in days and start <= minute < end
    else:  # runs past midnight (or the whole day when equal)
        expected = (today in days and minute >= start) or (yesterday in days and minute < end)
    # A wall-clock time skipped or repeated by a daylight-saving change is ambiguous; the
    # plain reading above does not model it, so those hours are left out.
    shifted = datetime.fromtimestamp(now - 3 * 3600, ZoneInfo(tz)).utcoffset()
    if shifted != local.utcoffset():
        return
    assert silence.is_active(now) == expected

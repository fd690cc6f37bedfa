"""Silences: what they match, when they are active, and how overlapping ones chain."""

from __future__ import annotations

import pytest

from signalroom.alerting import Silence, active_silence, silenced_until
from signalroom.detectors.base import DetectorName
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

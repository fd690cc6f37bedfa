"""Per-topic detector settings: defaults by topic kind, overrides, and their validation."""

from __future__ import annotations

import pytest

from signalroom.detectors.spike import SpikeSettings
from signalroom.errors import ValidationError
from signalroom.monitor.settings import settings_for, topic_rules
from signalroom.store.alerts import DetectorOverride


def test_topic_rules_follow_the_topic_kind() -> None:
    assert topic_rules("brand").enabled() == ("spike", "sentiment", "influencer", "trend")
    assert topic_rules("risk").enabled() == ("keyword", "influencer")
    assert topic_rules("competitor").enabled() == ("spike",)


def test_topic_rules_apply_overrides_and_skip_ones_that_no_longer_validate() -> None:
    rules = topic_rules(
        "competitor",
        [
            DetectorOverride(topic_id=1, detector="spike", values={"threshold": 4.0}),
            DetectorOverride(topic_id=1, detector="keyword", values={"renamed_setting": 1}),
            DetectorOverride(topic_id=1, detector="trend", enabled=False),
        ],
    )
    assert rules.spike == SpikeSettings(threshold=4.0)
    assert rules.keyword is not None
    assert rules.keyword.min_count == 3
    assert rules.trend is None


def test_settings_for_converts_whole_numbers_and_checks_types() -> None:
    settings = settings_for("spike", {"persistence_k": 4.0, "threshold": 3, "day_of_week": False})
    assert settings == SpikeSettings(persistence_k=4, threshold=3.0, day_of_week=False)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"threshold": "high"}, "spike.threshold"),
        ({"threshold": True}, "spike.threshold"),
        ({"persistence_k": 2.5}, "spike.persistence_k"),
        ({"day_of_week": 1}, "spike.day_of_week"),
        ({"persistence_k": 9}, "spike.persistence_k"),
        ({"step_s": 90}, "spike.step_s"),
        ({"warmup": 1}, "spike.warmup"),
    ],
)
def test_settings_for_names_the_bad_setting(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        settings_for("spike", values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_history_spans_cover_what_each_detector_needs() -> None:
    rules = topic_rules("brand")
    assert rules.history_s() == (7 + 28) * 86400 + 3600 + 3600
    assert rules.post_history_s() == 21600
    assert topic_rules("risk").history_s() == 3600

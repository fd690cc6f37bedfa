"""The NAB scorer: its fixed points (null 0, perfect 100) and hand-computed small cases."""

from __future__ import annotations

import math

import pytest

from signalroom.errors import ValidationError
from signalroom.evaluation.nab import (
    PROFILE_NAMES,
    PROFILES,
    ProfileName,
    Window,
    normalise,
    probationary_length,
    scaled_sigmoid,
    score_corpus,
    score_file,
)

STANDARD = PROFILES["standard"]
ROWS = 2000  # probationary period: rows 0-299
WINDOW = Window(1000, 1099)  # width 100


def detections_at(*rows: int, size: int = ROWS) -> list[bool]:
    return [i in rows for i in range(size)]


def test_probationary_length_is_15_percent_capped_at_750_rows() -> None:
    assert probationary_length(2000) == 300
    assert probationary_length(15902) == 750
    assert probationary_length(7) == 1


def test_scaled_sigmoid_matches_nab_reference_points() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661429815)
    assert scaled_sigmoid(-0.5) == pytest.approx(0.84828363995)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(3.5) == -1.0


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_null_detector_scores_zero_and_perfect_detector_scores_hundred(
    profile: ProfileName,
) -> None:
    cost = PROFILES[profile]
    files = [
        ([Window(400, 449), Window(1500, 1549)], 2000),
        ([Window(800, 900)], 1200),
    ]
    null = [score_file([False] * rows, windows, cost) for windows, rows in files]
    perfect = [
        score_file(detections_at(*(w.start for w in windows), size=rows), windows, cost)
        for windows, rows in files
    ]
    assert score_corpus(null) == pytest.approx(0.0)
    assert score_corpus(perfect) == pytest.approx(100.0)


def test_detection_at_window_start_earns_full_credit() -> None:
    score = score_file(detections_at(1000), [WINDOW], STANDARD)
    assert score.raw == pytest.approx(1.0)
    assert (score.detected_windows, score.false_positives) == (1, 0)
    assert score.first_detections == (1000,)


def test_detection_at_window_end_earns_almost_nothing() -> None:
    score = score_file(detections_at(1099), [WINDOW], STANDARD)
    assert score.raw == pytest.approx(scaled_sigmoid(-1 / 100) / scaled_sigmoid(-1.0))
    assert 0 < score.raw < 0.03


def test_only_the_earliest_detection_in_a_window_counts() -> None:
    both = score_file(detections_at(1050, 1010), [WINDOW], STANDARD)
    early = score_file(detections_at(1010), [WINDOW], STANDARD)
    assert both.raw == early.raw
    assert both.first_detections == (1010,)


def test_false_positive_far_from_any_window_costs_the_full_fp_weight() -> None:
    before = score_file(detections_at(500), [WINDOW], STANDARD)
    assert before.raw == pytest.approx(-1.0 - 0.11)
    far_after = score_file(detections_at(1099 + 400), [WINDOW], STANDARD)
    assert far_after.raw == pytest.approx(-1.0 - 0.11)  # 400 / 99 > 3 widths: -1


def test_false_positive_right_after_a_window_costs_less() -> None:
    just_after = score_file(detections_at(1100), [WINDOW], STANDARD)
    expected_cost = 0.11 * scaled_sigmoid(1 / 99)
    assert just_after.raw == pytest.approx(-1.0 + expected_cost)
    assert -0.11 < expected_cost < 0
    fifty_after = score_file(detections_at(1149), [WINDOW], STANDARD)
    assert fifty_after.raw == pytest.approx(-1.0 + 0.11 * scaled_sigmoid(50 / 99))


def test_detection_in_probationary_period_is_ignored() -> None:
    score = score_file(detections_at(100, 299), [WINDOW], STANDARD)
    assert score.raw == pytest.approx(-1.0)
    assert score.false_positives == 0


def test_window_inside_probationary_period_is_not_scored() -> None:
    score = score_file(detections_at(1000), [Window(10, 50), WINDOW], STANDARD)
    assert score.windows == 1
    assert score.raw == pytest.approx(1.0)


def test_false_positive_after_a_one_row_window_does_not_divide_by_zero() -> None:
    score = score_file(detections_at(1001), [Window(1000, 1000)], STANDARD)
    assert math.isfinite(score.raw)


def test_profiles_weigh_misses_and_false_alarms_differently() -> None:
    detections = detections_at(500)
    raws = {name: score_file(detections, [WINDOW], PROFILES[name]).raw for name in PROFILE_NAMES}
    assert raws == pytest.approx(
        {"standard": -1.11, "reward_low_FP_rate": -1.22, "reward_low_FN_rate": -2.11}
    )


def test_corpus_score_sums_raw_scores_before_normalising() -> None:
    hit = score_file(detections_at(1000), [WINDOW], STANDARD)  # raw 1, one window
    miss = score_file(detections_at(500), [WINDOW, Window(1500, 1599)], STANDARD)  # -2.11
    # null = -3, perfect = 3: 100 * (1 - 2.11 + 3) / 6
    assert score_corpus([hit, miss]) == pytest.approx(100 * (1 - 2.11 + 3) / 6)
    assert hit.normalised == pytest.approx(100.0)


def test_normalise_refuses_a_corpus_without_windows() -> None:
    with pytest.raises(ValidationError, match="no anomaly window"):
        normalise(0.0, 0, STANDARD)
    assert score_file([False] * 10, [], STANDARD).normalised is None


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([Window(10, 5)], "not a range"),
        ([Window(0, ROWS)], "not a range"),
        ([Window(100, 200), Window(150, 300)], "overlap"),
    ],
)
def test_score_file_refuses_bad_windows(windows: list[Window], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        score_file([False] * ROWS, windows, STANDARD)

"""``eval detect``: the default spike detector on NAB-format series generated here, and on the
shared NAB dev half when it is present."""

from __future__ import annotations

import csv
import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from signalroom.errors import ValidationError
from signalroom.evaluation.detect import evaluate_detect, format_detect_report, run_detect

START = datetime(2015, 3, 2, 0, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
NAB_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nab"


def stamp(row: int) -> str:
    return (START + row * STEP).strftime("%Y-%m-%d %H:%M:%S")


def poisson(rng: random.Random, rate: float) -> int:
    limit, product, k = math.exp(-rate), rng.random(), 0
    while product > limit:
        product *= rng.random()
        k += 1
    return k


def write_series(path: Path, days: int, bursts: list[range], seed: int) -> None:
    """Five-minute mention counts with a daily rhythm and five-fold bursts."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("timestamp,value\n")
        for row in range(days * 288):
            rate = 15 + 6 * math.sin(2 * math.pi * row / 288)
            if any(row in burst for burst in bursts):
                rate *= 5
            handle.write(f"{stamp(row)},{poisson(rng, rate)}\n")


def window(first: int, last: int) -> list[str]:
    return [f"{stamp(first)}.000000", f"{stamp(last)}.000000"]


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    """Two labelled files: each burst sits inside a labelled window, as NAB labels them."""
    data = tmp_path / "data"
    write_series(data / "synthetic" / "brand_a.csv", 10, [range(2700, 2740)], seed=1)
    write_series(
        data / "synthetic" / "brand_b.csv", 10, [range(1500, 1530), range(2400, 2440)], seed=2
    )
    windows = {
        "synthetic/brand_a.csv": [window(2650, 2800)],
        "synthetic/brand_b.csv": [window(1450, 1600), window(2350, 2500)],
    }
    labels = tmp_path / "windows.json"
    labels.write_text(json.dumps(windows), encoding="utf-8")
    return data, labels


def test_evaluate_detect_scores_the_default_detector_on_every_profile(
    corpus: tuple[Path, Path],
) -> None:
    scores = evaluate_detect(*corpus)
    assert set(scores) == {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}
    # Each burst starts 50 rows into its window and is caught within half an hour, and
    # nothing else fires: about 97 on every profile.
    assert all(90 < value <= 100 for value in scores.values())


def test_run_detect_reports_each_file_and_the_cost_per_point(corpus: tuple[Path, Path]) -> None:
    report = run_detect(*corpus)
    assert [f.key for f in report.files] == ["synthetic/brand_a.csv", "synthetic/brand_b.csv"]
    assert report.points == 2 * 10 * 288
    assert report.us_per_point > 0
    brand_b = report.files[1].scores["standard"]
    assert (brand_b.windows, brand_b.detected_windows, brand_b.false_positives) == (2, 2, 0)
    assert all(
        alert in range(1500, 1506) or alert in range(2400, 2406) for alert in report.files[1].alerts
    )
    text = format_detect_report(report)
    assert "synthetic/brand_b.csv" in text
    assert f"standard {report.scores['standard']:.1f}" in text


def test_run_detect_writes_results_with_an_anomaly_score_on_alert_onsets(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    results = tmp_path / "results"
    report = run_detect(*corpus, results_dir=results)
    for file in report.files:
        with (results / file.key).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["timestamp", "value", "anomaly_score"]
        assert len(rows) == file.rows + 1
        flagged = [i for i, row in enumerate(rows[1:]) if row[2] == "1"]
        assert flagged == list(file.alerts)
        assert {row[2] for row in rows[1:]} <= {"0", "1"}
        source = (corpus[0] / file.key).read_text(encoding="utf-8").splitlines()
        assert [f"{r[0]},{r[1]}" for r in rows] == ["timestamp,value", *source[1:]]


def test_run_detect_refuses_to_write_results_over_the_data(corpus: tuple[Path, Path]) -> None:
    data, labels = corpus
    with pytest.raises(ValidationError, match="must not be the data directory"):
        run_detect(data, labels, results_dir=data)


def test_run_detect_is_deterministic(corpus: tuple[Path, Path]) -> None:
    first, second = run_detect(*corpus), run_detect(*corpus)
    assert first.scores == second.scores
    assert [f.alerts for f in first.files] == [f.alerts for f in second.files]


def _tiny(tmp_path: Path, body: str, windows: object) -> tuple[Path, Path]:
    data = tmp_path / "data"
    (data / "c").mkdir(parents=True)
    (data / "c" / "f.csv").write_text(body, encoding="utf-8")
    labels = tmp_path / "windows.json"
    labels.write_text(json.dumps(windows), encoding="utf-8")
    return data, labels


GOOD = "timestamp,value\n" + "".join(f"{stamp(i)},{i % 7}\n" for i in range(20))
GOOD_WINDOWS = {"c/f.csv": [window(10, 12)]}


@pytest.mark.parametrize(
    ("body", "windows", "message"),
    [
        (GOOD, {"c/missing.csv": []}, r"missing\.csv: data file not found"),
        (GOOD.replace(f"{stamp(4)},4", f"{stamp(4)},4,9"), GOOD_WINDOWS, r"f\.csv:6: expected"),
        (GOOD.replace(f"{stamp(4)},4", f"{stamp(4)},four"), GOOD_WINDOWS, r"f\.csv:6: value"),
        (GOOD.replace(f"{stamp(4)},4", "yesterday,4"), GOOD_WINDOWS, r"f\.csv:6: timestamp"),
        (GOOD.replace(f"{stamp(4)},4", f"{stamp(2)},4"), GOOD_WINDOWS, r"f\.csv:6: .*after"),
        (GOOD.replace("timestamp,value", "time,count"), GOOD_WINDOWS, r"f\.csv:1: expected"),
        ("timestamp,value\n", GOOD_WINDOWS, "no data rows"),
        (GOOD, {"c/f.csv": [[f"{stamp(3)}.500000", stamp(5)]]}, "matches no row"),
        (GOOD, {"c/f.csv": [window(2, 8), window(6, 9)]}, r"c/f\.csv: .*overlap"),
        (GOOD, {"c/f.csv": [["only one"]]}, r"is not \[start, end\]"),
        (GOOD, {"../f.csv": []}, "not a relative data file path"),
        (GOOD, [], "expected a JSON object"),
        (GOOD, {}, "expected a JSON object"),
        (GOOD, {"c/f.csv": []}, "no anomaly window"),
    ],
)
def test_run_detect_explains_bad_input(
    tmp_path: Path, body: str, windows: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        run_detect(*_tiny(tmp_path, body, windows))


def test_run_detect_explains_a_missing_or_broken_windows_file(tmp_path: Path) -> None:
    data, labels = _tiny(tmp_path, GOOD, GOOD_WINDOWS)
    with pytest.raises(ValidationError, match="windows file not found"):
        run_detect(data, tmp_path / "absent.json")
    labels.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationError, match="not a readable JSON file"):
        run_detect(data, labels)


@pytest.mark.skipif(not NAB_DIR.is_dir(), reason="the shared NAB dev half is not present")
def test_evaluate_detect_scores_at_least_70_on_the_nab_dev_half() -> None:
    # About 80,000 points at ~50 µs each: a few seconds.
    scores = evaluate_detect(NAB_DIR / "data", NAB_DIR / "labels" / "combined_windows.json")
    assert scores["standard"] >= 70

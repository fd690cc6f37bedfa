"""``signalroom eval detect``: the product's spike detector, scored with NAB on labelled series.

The input is NAB's layout: ``DATA_DIR/<category>/<file>.csv`` files with a
``timestamp,value`` header, and a windows JSON keyed by ``<category>/<file>.csv`` whose
``[start, end]`` bounds are timestamps of rows. Every file named in the windows file is
fed to a fresh ``SpikeDetector`` with the default settings, one row at a time as if live.
Its alert onsets are scored with :mod:`signalroom.evaluation.nab`. Nothing is tuned on
the data being scored.

Bad input raises ValidationError naming the file (and line) at fault. The only output
written is the optional per-file results CSVs.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from signalroom.detectors.spike import SpikeDetector
from signalroom.errors import ValidationError
from signalroom.evaluation.nab import (
    PROFILE_NAMES,
    PROFILES,
    FileScore,
    ProfileName,
    Window,
    check_windows,
    score_corpus,
    score_file,
)

_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True, slots=True)
class Series:
    """One NAB data file, as read."""

    timestamps: tuple[datetime, ...]
    timestamp_texts: tuple[str, ...]
    value_texts: tuple[str, ...]
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class FileReport:
    """How the detector did on one file."""

    key: str
    rows: int
    alerts: tuple[int, ...]
    """Row indices of every alert onset, probationary rows included."""
    scores: Mapping[ProfileName, FileScore]


@dataclass(frozen=True, slots=True)
class DetectReport:
    """The corpus scores, the per-file details and what the detector cost."""

    scores: Mapping[ProfileName, float]
    files: tuple[FileReport, ...]
    points: int
    detector_s: float
    """Time spent inside the detector only (reading and scoring excluded)."""

    @property
    def us_per_point(self) -> float:
        return 1e6 * self.detector_s / self.points if self.points else 0.0


def evaluate_detect(
    data_dir: Path, windows_file: Path, results_dir: Path | None = None
) -> dict[str, float]:
    """The three NAB profile scores of the default spike detector (0 = null, 100 = perfect)."""
    report = run_detect(data_dir, windows_file, results_dir)
    return {name: report.scores[name] for name in PROFILE_NAMES}


def run_detect(data_dir: Path, windows_file: Path, results_dir: Path | None = None) -> DetectReport:
    """Run the default spike detector over every labelled file and score it.

    With ``results_dir``, also writes ``results_dir/<key>`` with ``timestamp,value,
    anomaly_score`` (1 on each alert onset row, else 0).
    """
    if results_dir is not None and results_dir.resolve() == data_dir.resolve():
        raise ValidationError(
            f"{results_dir}: the results directory must not be the data directory "
            "(the data files would be overwritten)"
        )
    labels = read_windows(windows_file)
    files: list[FileReport] = []
    points = 0
    detector_s = 0.0
    for key in sorted(labels):
        path = data_dir.joinpath(*PurePosixPath(key).parts)
        series = read_series(path)
        windows = match_windows(series, labels[key], key, windows_file)
        started = time.perf_counter()
        detections = detect_spikes(series)
        detector_s += time.perf_counter() - started
        points += len(detections)
        if results_dir is not None:
            write_results(results_dir.joinpath(*PurePosixPath(key).parts), series, detections)
        scores = {name: score_file(detections, windows, PROFILES[name]) for name in PROFILE_NAMES}
        alerts = tuple(i for i, alerted in enumerate(detections) if alerted)
        files.append(FileReport(key, len(detections), alerts, scores))
    totals = {name: score_corpus(f.scores[name] for f in files) for name in PROFILE_NAMES}
    return DetectReport(totals, tuple(files), points, detector_s)


def detect_spikes(series: Series) -> list[bool]:
    """Feed the series to a fresh default spike detector; True on each alert onset row."""
    detector = SpikeDetector()
    return [
        detector.update(moment.timestamp(), value) is not None
        for moment, value in zip(series.timestamps, series.values, strict=True)
    ]


def read_windows(windows_file: Path) -> dict[str, list[tuple[str, str]]]:
    """The windows file: data file key → list of ``(start, end)`` timestamp texts."""
    try:
        document: Any = json.loads(windows_file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ValidationError(f"{windows_file}: windows file not found") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValidationError(f"{windows_file}: not a readable JSON file ({err})") from err
    if not isinstance(document, dict) or not document:
        raise ValidationError(
            f"{windows_file}: expected a JSON object mapping '<category>/<file>.csv' "
            "to lists of [start, end]"
        )
    labels: dict[str, list[tuple[str, str]]] = {}
    for key, windows in document.items():
        parts = PurePosixPath(key).parts
        if not parts or PurePosixPath(key).is_absolute() or ".." in parts or "\\" in key:
            raise ValidationError(f"{windows_file}: key {key!r} is not a relative data file path")
        if not isinstance(windows, list):
            raise ValidationError(f"{windows_file}: {key}: expected a list of [start, end]")
        pairs = []
        for window in windows:
            if (
                not isinstance(window, list)
                or len(window) != 2
                or not all(isinstance(bound, str) for bound in window)
            ):
                raise ValidationError(
                    f"{windows_file}: {key}: window {window!r} is not [start, end] timestamps"
                )
            pairs.append((window[0], window[1]))
        labels[key] = pairs
    return labels


def read_series(path: Path) -> Series:
    """Read a NAB data file (header ``timestamp,value``, timestamps strictly increasing)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _parse_series(path, csv.reader(handle))
    except FileNotFoundError as err:
        raise ValidationError(f"{path}: data file not found") from err
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ValidationError(f"{path}: cannot read the file ({err})") from err


def _parse_series(path: Path, reader: Any) -> Series:
    header = next(reader, None)
    if header is None or [cell.strip() for cell in header] != ["timestamp", "value"]:
        raise ValidationError(f"{path}:1: expected the header 'timestamp,value', got {header!r}")
    moments: list[datetime] = []
    timestamp_texts: list[str] = []
    value_texts: list[str] = []
    values: list[float] = []
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != 2:
            raise ValidationError(f"{path}:{line}: expected 'timestamp,value', got {row!r}")
        moment = parse_timestamp(row[0])
        if moment is None:
            raise ValidationError(
                f"{path}:{line}: timestamp {row[0]!r} is not 'YYYY-MM-DD HH:MM:SS'"
            )
        if moments and moment <= moments[-1]:
            raise ValidationError(
                f"{path}:{line}: timestamp {row[0]!r} does not come after the previous row's"
            )
        try:
            value = float(row[1])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ValidationError(f"{path}:{line}: value {row[1]!r} is not a finite number")
        moments.append(moment)
        timestamp_texts.append(row[0])
        value_texts.append(row[1])
        values.append(value)
    if not values:
        raise ValidationError(f"{path}: no data rows after the header")
    return Series(tuple(moments), tuple(timestamp_texts), tuple(value_texts), tuple(values))


def parse_timestamp(text: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` with optional fractional seconds, as UTC; None if not that."""
    for layout in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text.strip(), layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def match_windows(
    series: Series, bounds: list[tuple[str, str]], key: str, windows_file: Path
) -> list[Window]:
    """Turn timestamp bounds into row indices. Every bound must equal a row's timestamp."""
    rows = {moment: i for i, moment in enumerate(series.timestamps)}
    windows = []
    for start_text, end_text in bounds:
        indices = []
        for text in (start_text, end_text):
            moment = parse_timestamp(text)
            if moment is None or moment not in rows:
                raise ValidationError(
                    f"{windows_file}: {key}: window bound {text!r} matches no row's timestamp"
                )
            indices.append(rows[moment])
        windows.append(Window(indices[0], indices[1]))
    try:
        check_windows(windows, len(series.values))
    except ValidationError as err:
        raise ValidationError(f"{windows_file}: {key}: {err}") from err
    return windows


def write_results(path: Path, series: Series, detections: list[bool]) -> None:
    """Write ``timestamp,value,anomaly_score`` with the rows' original text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["timestamp", "value", "anomaly_score"])
        for moment, value, alerted in zip(
            series.timestamp_texts, series.value_texts, detections, strict=True
        ):
            writer.writerow([moment, value, 1 if alerted else 0])


def format_detect_report(report: DetectReport) -> str:
    """The text output: one line per file, then the corpus scores and the detector's cost."""
    lines = [
        f"{'file':<40} {'windows':>7} {'hit':>4} {'FP':>4} {'std':>7} {'lowFP':>7} {'lowFN':>7}"
    ]
    for file in report.files:
        standard = file.scores["standard"]
        norms = [file.scores[name].normalised for name in PROFILE_NAMES]
        cells = " ".join(f"{'-' if n is None else format(n, '.1f'):>7}" for n in norms)
        lines.append(
            f"{file.key:<40} {standard.windows:>7} {standard.detected_windows:>4} "
            f"{standard.false_positives:>4} {cells}"
        )
    lines.append(
        "NAB score (0 = no alerts, 100 = perfect): "
        + "  ".join(f"{name} {report.scores[name]:.1f}" for name in PROFILE_NAMES)
    )
    lines.append(f"{report.points} points, {report.us_per_point:.1f} µs per point in the detector")
    return "\n".join(lines)

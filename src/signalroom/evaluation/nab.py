"""The Numenta Anomaly Benchmark (NAB v1.1) scoring method, for detectors that raise alerts.

This follows numenta/NAB ``nab/sweeper.py`` (``calcSweepScore``, ``calcScoreByThreshold``)
and ``nab/runner.py`` (``normalize``). The inputs are one detection flag per row of a
file and the file's labelled anomaly windows, given as row indices.

* Rows before the probationary length, ``min(floor(0.15 · rows), 750)``, are not scored.
* A detection at row i inside a window [l, r] of width w = r - l + 1 earns
  ``σ(-(r - i + 1) / w) · A_TP / σ(-1)``. That is the full A_TP at the window's left
  edge, and close to 0 at its right edge. A window keeps its best (earliest) detection
  and costs -A_FN when it has none.
* A detection outside every window costs ``σ(|r' - i| / (w' - 1)) · A_FP``, where r'
  and w' belong to the closest preceding window (-A_FP if there is none). So a false
  positive just after a window costs less than one far from any window.
* σ(x) = 2 / (1 + e^{5x}) - 1, and -1 for x > 3.
* The corpus score is ``100 · (Σ raw - null) / (perfect - null)``. The raw scores are
  summed over all files first, null = -A_FN · windows (no detections) and perfect =
  A_TP · windows. So the null detector scores 0 and the perfect one scores 100.

Two edge cases NAB never meets with its own labels are settled here. A window that
lies entirely inside the probationary period is not scored at all (NAB's labeller
drops those). A false positive after a window only one row wide is divided by 1, not 0.

Pure computation: no I/O. A detector is binary here (an alert is an alert), which is
NAB's threshold sweep at the one threshold a 0/1 detector has.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from signalroom.errors import ValidationError

ProfileName = Literal["standard", "reward_low_FP_rate", "reward_low_FN_rate"]


@dataclass(frozen=True, slots=True)
class CostProfile:
    """NAB's application profile: what a hit, a false alarm and a miss are worth."""

    tp_weight: float
    fp_weight: float
    fn_weight: float


PROFILES: Mapping[ProfileName, CostProfile] = MappingProxyType(
    {
        "standard": CostProfile(tp_weight=1.0, fp_weight=0.11, fn_weight=1.0),
        "reward_low_FP_rate": CostProfile(tp_weight=1.0, fp_weight=0.22, fn_weight=1.0),
        "reward_low_FN_rate": CostProfile(tp_weight=1.0, fp_weight=0.11, fn_weight=2.0),
    }
)
PROFILE_NAMES: tuple[ProfileName, ...] = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")

PROBATIONARY_FRACTION = 0.15
PROBATIONARY_CAP_ROWS = 5000
"""NAB caps the probationary period at 15% of 5,000 rows (750 rows)."""


@dataclass(frozen=True, slots=True)
class Window:
    """A labelled anomaly window: first and last row index, both included."""

    start: int
    end: int

    @property
    def width(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True, slots=True)
class FileScore:
    """One file under one profile."""

    profile: CostProfile
    raw: float
    """Raw NAB score: window scores plus false-positive costs."""
    windows: int
    """Windows that were scored (not entirely inside the probationary period)."""
    detected_windows: int
    false_positives: int
    false_positive_score: float
    first_detections: tuple[int | None, ...]
    """Per scored window, the row of its earliest detection, or None."""

    @property
    def normalised(self) -> float | None:
        """This file alone on the 0–100 scale; None without windows. A diagnostic:
        NAB publishes only the corpus score."""
        return None if self.windows == 0 else normalise(self.raw, self.windows, self.profile)


def scaled_sigmoid(position: float) -> float:
    """NAB's scoring curve: 0.987 at -1 (a window's left edge), 0 at 0, -1 beyond 3."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def probationary_length(rows: int) -> float:
    """Rows at the start of a file that are not scored (NAB keeps this a float)."""
    return min(
        math.floor(PROBATIONARY_FRACTION * rows), PROBATIONARY_FRACTION * PROBATIONARY_CAP_ROWS
    )


def check_windows(windows: Iterable[Window], rows: int) -> list[Window]:
    """The windows sorted by start. Raises ValidationError when a window is empty, out of
    the file's rows, or overlaps another."""
    ordered = sorted(windows, key=lambda w: w.start)
    for window in ordered:
        if not 0 <= window.start <= window.end < rows:
            raise ValidationError(
                f"window rows {window.start}–{window.end} are not a range inside 0–{rows - 1}"
            )
    for before, after in itertools.pairwise(ordered):
        if after.start <= before.end:
            raise ValidationError(
                f"windows at rows {before.start}–{before.end} and {after.start}–{after.end} overlap"
            )
    return ordered


def score_file(
    detections: Sequence[bool], windows: Iterable[Window], profile: CostProfile
) -> FileScore:
    """Score one file: ``detections[i]`` says whether the detector alerted at row i."""
    rows = len(detections)
    ordered = check_windows(windows, rows)
    probation = probationary_length(rows)
    scored = [w.end >= probation for w in ordered]
    starts = [w.start for w in ordered]
    best: list[float | None] = [None] * len(ordered)
    first: list[int | None] = [None] * len(ordered)
    max_tp = scaled_sigmoid(-1.0)
    fp_score = 0.0
    false_positives = 0
    for row in range(math.ceil(probation), rows):
        if not detections[row]:
            continue
        k = bisect.bisect_right(starts, row) - 1
        if k >= 0 and row <= ordered[k].end:
            window = ordered[k]
            credit = scaled_sigmoid(-(window.end - row + 1) / window.width) * profile.tp_weight
            credit /= max_tp
            previous = best[k]
            best[k] = credit if previous is None else max(previous, credit)
            if first[k] is None:
                first[k] = row
            continue
        if k < 0:
            cost = -1.0
        else:
            window = ordered[k]
            cost = scaled_sigmoid(abs(window.end - row) / max(window.width - 1, 1))
        fp_score += cost * profile.fp_weight
        false_positives += 1
    window_total = sum(
        -profile.fn_weight if credit is None else credit
        for credit, is_scored in zip(best, scored, strict=True)
        if is_scored
    )
    return FileScore(
        profile=profile,
        raw=window_total + fp_score,
        windows=sum(scored),
        detected_windows=sum(1 for credit in best if credit is not None),
        false_positives=false_positives,
        false_positive_score=fp_score,
        first_detections=tuple(
            row for row, is_scored in zip(first, scored, strict=True) if is_scored
        ),
    )


def normalise(raw: float, windows: int, profile: CostProfile) -> float:
    """A raw score on NAB's scale: 0 for the null detector, 100 for the perfect one.

    Raises ValidationError when there is no window, because the scale is then undefined.
    """
    null = -profile.fn_weight * windows
    perfect = profile.tp_weight * windows
    if perfect - null <= 0:
        raise ValidationError("no anomaly window to score (after the probationary period)")
    return 100.0 * (raw - null) / (perfect - null)


def score_corpus(files: Iterable[FileScore]) -> float:
    """The corpus score of files scored under one profile: raw scores summed, then
    normalised."""
    scores = list(files)
    if not scores:
        raise ValidationError("no file to score")
    profile = scores[0].profile
    if any(score.profile != profile for score in scores):
        raise ValueError("files scored under different profiles")
    return normalise(sum(s.raw for s in scores), sum(s.windows for s in scores), profile)

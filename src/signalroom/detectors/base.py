"""What every detector shares: the Finding it raises, the Reading it exposes, its protocols.

A detector is a streaming rule: it takes one observation at a time and may return a
Finding, meaning "something started here, and this is the evidence". Turning findings
into alerts (fingerprints, states, routing) happens later, in alerting. This module is
plain data, protocols and the checks settings share: no I/O, no clock, no imports
beyond the foundation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, Protocol

import msgspec

from signalroom.errors import ConfigError

Severity = Literal["info", "warning", "critical"]
DetectorName = Literal["spike", "sentiment", "keyword", "influencer", "trend", "manual"]
"""``manual`` is no rule: it names the findings a person raises by escalating by hand."""

SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")
DETECTOR_NAMES: tuple[DetectorName, ...] = (
    "spike",
    "sentiment",
    "keyword",
    "influencer",
    "trend",
    "manual",
)


class Finding(msgspec.Struct, frozen=True):
    """A detector's finding: what it saw, what it expected, and why that is a problem.

    ``observed``, ``expected``, ``band_low`` and ``band_high`` are in the detector's own
    unit, which ``reason`` names (posts in the last hour, negative posts, followers...).
    The band is the range of ``observed`` that the detector would have let pass.
    """

    detector: DetectorName
    onset: float
    """Epoch seconds of the data point at which the finding was raised."""
    observed: float
    expected: float
    band_low: float
    band_high: float
    score: float
    """How far outside the band the observation is, in the detector's own scale (a z-score,
    -log10 of a p-value, or a multiple of a trigger level); higher means more unusual."""
    severity: Severity
    reason: str
    """One sentence a person on call can read, with the numbers in it."""
    subject: str = ""
    """What the finding is about inside the topic: a term, or an author's handle. Empty
    when it is about the topic as a whole."""


class Reading(msgspec.Struct, frozen=True):
    """What a baseline detector made of its latest point, whether it alerted or not.

    Evidence for an alert and data for the "expected vs observed" chart.
    """

    timestamp: float
    observed: float
    expected: float
    band_low: float
    band_high: float
    score: float


class Detector(Protocol):
    """A streaming rule. The name says which kind of rule it is."""

    @property
    def name(self) -> DetectorName: ...


class CountDetector(Detector, Protocol):
    """A rule over one count per time bucket, such as a topic's post volume or matches of
    a risk query."""

    def update(self, timestamp: float, count: float) -> Finding | None:
        """Feed the count of the bucket ending at ``timestamp``. Returns a Finding at the
        onset of an alert, else None. Never raises on a count: NaN, infinite and negative
        counts are taken as zero."""
        ...


def describe_span(seconds: float) -> str:
    """A duration as findings word it: ``hour``, ``6 hours``, ``15 min``."""
    if seconds > 0 and seconds % 3600 == 0:
        hours = seconds / 3600
        return "hour" if hours == 1 else f"{hours:g} hours"
    return f"{seconds / 60:g} min"


def check_settings(
    section: str,
    settings: object,
    *,
    positive: tuple[str, ...] = (),
    non_negative: tuple[str, ...] = (),
    at_least_one: tuple[str, ...] = (),
    unit: tuple[str, ...] = (),
    finite: tuple[str, ...] = (),
) -> None:
    """Check a settings object's fields. Raises ConfigError naming ``section.field``.

    ``positive``: finite and > 0; ``non_negative``: finite and ≥ 0; ``at_least_one``:
    integers ≥ 1; ``unit``: in [0, 1]; ``finite``: any finite number.
    """
    rules: tuple[tuple[tuple[str, ...], Callable[[float], bool], str], ...] = (
        (positive, lambda v: math.isfinite(v) and v > 0, "must be a positive number"),
        (non_negative, lambda v: math.isfinite(v) and v >= 0, "must be 0 or more"),
        (at_least_one, lambda v: v >= 1, "must be at least 1"),
        (unit, lambda v: 0.0 <= v <= 1.0, "must be between 0 and 1"),
        (finite, math.isfinite, "must be a finite number"),
    )
    for names, is_valid, expected in rules:
        for name in names:
            value = getattr(settings, name)
            if not is_valid(value):
                raise ConfigError(f"{section}.{name}", f"{expected}, got {value!r}")

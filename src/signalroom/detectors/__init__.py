"""Detectors: pure streaming rules that turn rollups and posts into findings.

Each detector takes one observation at a time and may return a Finding with its
evidence: volume spike, negative-sentiment surge, keyword trigger, influential author,
new trend. They are plain computations. They do no I/O, read no clock (time comes from
the data) and import only the foundation (models, errors), never the store, the
pipeline or the web.
"""

from signalroom.detectors.base import (
    SEVERITIES,
    CountDetector,
    Detector,
    DetectorName,
    Finding,
    Reading,
    Severity,
)
from signalroom.detectors.influencer import InfluencerDetector, InfluencerSettings
from signalroom.detectors.keyword import KeywordSettings, KeywordTrigger
from signalroom.detectors.sentiment import NegativeSurgeDetector, SentimentSettings
from signalroom.detectors.spike import SpikeDetector, SpikeSettings
from signalroom.detectors.trend import TrendDetector, TrendSettings

__all__ = [
    "SEVERITIES",
    "CountDetector",
    "Detector",
    "DetectorName",
    "Finding",
    "InfluencerDetector",
    "InfluencerSettings",
    "KeywordSettings",
    "KeywordTrigger",
    "NegativeSurgeDetector",
    "Reading",
    "SentimentSettings",
    "Severity",
    "SpikeDetector",
    "SpikeSettings",
    "TrendDetector",
    "TrendSettings",
]

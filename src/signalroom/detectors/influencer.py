"""The influential-author detector: alerts when someone with a large audience posts negatively.

It is fed the topic's posts one at a time, with the author's audience (followers or
reach) and the post's sentiment label. A negative post from an author with at least
``min_followers`` is a finding. Each author then gets a cooldown, so that a thread of
ten angry posts is one finding, not ten. State is a map from recently alerted authors
to the time of their alert, pruned as cooldowns expire and capped at ``max_authors``.
Time comes only from the timestamps fed in. No I/O.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from signalroom.detectors.base import DetectorName, Finding, Severity, check_settings
from signalroom.models import SentimentLabel


@dataclass(frozen=True, slots=True)
class InfluencerSettings:
    """Who counts as influential, and how often one author may raise a finding."""

    min_followers: int = 50_000
    """The audience from which a negative post is a finding."""
    critical_followers: int = 1_000_000
    """From this audience on, the finding is critical; below it, a warning."""
    author_cooldown_s: float = 21600.0
    """After a finding about an author, their next negative posts are quiet for this long."""
    max_authors: int = 10_000
    """How many authors in cooldown are remembered. Past that, the oldest are forgotten
    (and could raise a finding again before their cooldown ends)."""

    def __post_init__(self) -> None:
        check_settings(
            "influencer",
            self,
            non_negative=("author_cooldown_s",),
            at_least_one=("min_followers", "critical_followers", "max_authors"),
        )


class InfluencerDetector:
    """Streaming influential-author detector for one topic."""

    def __init__(self, settings: InfluencerSettings | None = None) -> None:
        self.settings = settings if settings is not None else InfluencerSettings()
        # Insertion order is alert order, and alert times never decrease, so the oldest
        # alert is always first: expired authors are pruned from the front.
        self._alerted: OrderedDict[str, float] = OrderedDict()
        self._now = -math.inf

    @property
    def name(self) -> DetectorName:
        return "influencer"

    @property
    def remembered_authors(self) -> int:
        """Authors currently in cooldown (bounded by ``max_authors``)."""
        return len(self._alerted)

    def update(
        self, timestamp: float, handle: str, followers: int, sentiment: SentimentLabel
    ) -> Finding | None:
        """Feed one of the topic's posts: its time, author and sentiment label.

        Time never goes backwards: a post older than the latest one counts at the latest
        time. Raises ValueError for a non-finite timestamp.
        """
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp must be finite, got {timestamp!r}")
        s = self.settings
        now = max(timestamp, self._now)
        self._now = now
        while self._alerted:
            oldest, alerted_at = next(iter(self._alerted.items()))
            if now - alerted_at < s.author_cooldown_s:
                break
            del self._alerted[oldest]
        if sentiment != "negative" or followers < s.min_followers or handle in self._alerted:
            return None
        self._alerted[handle] = now
        if len(self._alerted) > s.max_authors:
            self._alerted.popitem(last=False)
        severity: Severity = "critical" if followers >= s.critical_followers else "warning"
        return Finding(
            detector="influencer",
            onset=now,
            observed=float(followers),
            expected=0.0,
            band_low=0.0,
            band_high=float(s.min_followers - 1),
            score=followers / s.min_followers,
            severity=severity,
            reason=f"@{handle}, followed by {followers:,}, posted negatively about the topic",
            subject=handle,
        )

"""One topic's detectors, fed complete minutes and posts: the code the live engine and the
backtest share, so that both raise the same findings from the same series.

Count detectors see the topic's minute rollups in time order, one call per minute, a
missing minute being a minute with no posts. The spike detector works on ``step_s``
buckets (5 minutes by default): minutes are summed and each bucket is fed once its last
minute is in, with the bucket's start as its timestamp (as the NAB evaluation feeds it).
A bucket whose first minutes were never fed (the watch started mid-bucket) is skipped
rather than fed short. The negative-surge and keyword detectors bin by time themselves and
get every minute. Post detectors (influential author, trend) get each post as it comes.

Whether a minute is complete is the caller's business (see ``AlertEngine``); a watch
trusts that each minute it is given is final. Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from typing import Final

from signalroom.detectors.base import DetectorName, Finding
from signalroom.detectors.influencer import InfluencerDetector
from signalroom.detectors.keyword import KeywordTrigger
from signalroom.detectors.sentiment import NegativeSurgeDetector
from signalroom.detectors.spike import SpikeDetector
from signalroom.detectors.trend import TrendDetector
from signalroom.models import BUCKET_SECONDS, EnrichedPost, Rollup
from signalroom.monitor.settings import TopicRules

MINUTE_S: Final = float(BUCKET_SECONDS["minute"])


def post_terms(item: EnrichedPost) -> dict[str, int]:
    """The terms a post adds to the trend detector: its hashtags (``#tag``) and the
    keywords the pipeline extracted; each once per post."""
    terms = {f"#{tag}": 1 for tag in item.enrichment.hashtags if tag}
    for keyword in item.enrichment.keywords:
        if keyword:
            terms[keyword] = 1
    return terms


class TopicWatch:
    """The detectors of one topic and the little state needed to feed them minutes."""

    def __init__(self, topic_id: int, rules: TopicRules) -> None:
        self.topic_id = topic_id
        self.rules = rules
        self.spike = SpikeDetector(rules.spike) if rules.spike is not None else None
        self.sentiment = (
            NegativeSurgeDetector(rules.sentiment) if rules.sentiment is not None else None
        )
        self.keyword = KeywordTrigger(rules.keyword) if rules.keyword is not None else None
        self.influencer = (
            InfluencerDetector(rules.influencer) if rules.influencer is not None else None
        )
        self.trend = TrendDetector(rules.trend) if rules.trend is not None else None
        self._spike_bucket: float | None = None
        self._spike_sum = 0.0
        self.fed_until: float | None = None
        """The end of the latest minute fed (minutes before it are final for this watch)."""

    @property
    def wants_minutes(self) -> bool:
        return self.spike is not None or self.sentiment is not None or self.keyword is not None

    @property
    def wants_posts(self) -> bool:
        return self.influencer is not None or self.trend is not None

    def feed_minute(self, start: float, rollup: Rollup | None) -> list[Finding]:
        """Feed the complete minute starting at ``start`` (None: no posts in it). Minutes
        must come in order; one at or before a minute already fed is ignored."""
        if self.fed_until is not None and start < self.fed_until:
            return []
        self.fed_until = start + MINUTE_S
        volume = rollup.volume if rollup is not None else 0
        negative = rollup.negative if rollup is not None else 0
        found: list[Finding] = []
        if self.spike is not None:
            finding = self._feed_spike(self.spike, start, volume)
            if finding is not None:
                found.append(finding)
        if self.sentiment is not None:
            finding = self.sentiment.update(start, negative, volume)
            if finding is not None:
                found.append(finding)
        if self.keyword is not None:
            finding = self.keyword.update(start, volume)
            if finding is not None:
                found.append(finding)
        return found

    def _feed_spike(self, spike: SpikeDetector, start: float, volume: int) -> Finding | None:
        step = spike.settings.step_s
        bucket = math.floor(start / step) * step
        if self._spike_bucket != bucket:
            # A new bucket is fed only from its first minute: never a short sum.
            self._spike_bucket = bucket if start == bucket else None
            self._spike_sum = 0.0
        if self._spike_bucket is None:
            return None
        self._spike_sum += volume
        if start + MINUTE_S < bucket + step:
            return None
        total, self._spike_bucket, self._spike_sum = self._spike_sum, None, 0.0
        return spike.update(bucket, total)

    def feed_post(self, item: EnrichedPost) -> list[Finding]:
        """Feed one of the topic's posts to the post detectors."""
        found: list[Finding] = []
        at = item.post.created_at
        if not math.isfinite(at):
            return found
        if self.influencer is not None:
            author = item.post.author
            finding = self.influencer.update(
                at, author.handle, author.followers, item.enrichment.sentiment.label
            )
            if finding is not None:
                found.append(finding)
        if self.trend is not None:
            terms = post_terms(item)
            if terms:
                found.extend(self.trend.update(at, terms))
        return found

    def is_holding(self, detector: DetectorName) -> bool:
        """True when the detector's latest reading is still outside its band: the alert's
        condition holds, so it must not auto-resolve yet."""
        if detector == "spike" and self.spike is not None:
            reading = self.spike.reading
            return reading is not None and reading.observed > reading.band_high
        if detector == "sentiment" and self.sentiment is not None:
            reading = self.sentiment.reading
            return reading is not None and reading.score >= self.sentiment.settings.threshold
        if detector == "keyword" and self.keyword is not None:
            return self.keyword.count >= self.keyword.settings.min_count
        return False

"""An alert's evidence: the finding's numbers, the posts behind them, and a plain summary.

Given a finding and the topic's posts of the finding's window, it picks the posts that
make the case (the negative ones for a negative surge, the author's for an influential
author, the ones using the term for a trend), ranks the most-read first, counts the terms
(hashtags, keywords when the pipeline extracts them, and plain words) and the authors,
and writes a one-paragraph summary using only those facts, such as::

    Negative posts about Kestrava Air rose to 48 in the last hour, against 6 expected
    (usual range 2–11). Most mention #lostluggage and "refund". The most-read came from
    @travelwatch (1.2M followers).

Pure: the engine fetches the posts; no I/O, no clock.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import msgspec

from signalroom.casefold import fold
from signalroom.detectors.base import Finding, describe_span
from signalroom.models import EnrichedPost
from signalroom.monitor.watch import post_terms
from signalroom.store.alerts import AlertEvidence, EvidenceAuthor, EvidencePost, EvidenceTerm

MAX_TEXT_CHARS: Final = 280
_WORD: Final = re.compile(r"[^\W\d_][\w'’-]{3,}")
_STOPWORDS: Final = frozenset(
    """
    about above after again against also because been before being below between both
    cannot could does doing down during each from further have having here hers herself
    himself into itself just more most myself only other ought ours ourselves over same
    should some such than that their theirs them themselves then there these they this
    those through under until very were what when where which while whom with would your
    yours yourself yourselves will shall still even really like just today https http
    """.split()  # noqa: SIM905 - a word list reads better as prose than as 80 literals
)


@dataclass(frozen=True, slots=True)
class EvidenceLimits:
    """How many of each kind of evidence an alert keeps."""

    posts: int = 5
    terms: int = 8
    authors: int = 5


def evidence_window(
    finding: Finding, window_s: float, bucket_s: float = 60.0
) -> tuple[float, float]:
    """The span of posts behind a finding: ``window_s`` up to the end of its onset bucket
    (a minute, or the spike detector's ``step_s``)."""
    end = finding.onset + bucket_s
    return end - window_s, end


def relevant_posts(finding: Finding, posts: Sequence[EnrichedPost]) -> list[EnrichedPost]:
    """The posts that make the finding's case."""
    if finding.detector == "sentiment":
        return [p for p in posts if p.enrichment.sentiment.label == "negative"]
    if finding.detector == "influencer" and finding.subject:
        handle = fold(finding.subject)
        return [p for p in posts if fold(p.post.author.handle) == handle]
    if finding.detector == "trend" and finding.subject:
        term = finding.subject
        return [p for p in posts if term in post_terms(p)]
    return list(posts)


def build_evidence(
    finding: Finding,
    topic_name: str,
    posts: Sequence[EnrichedPost],
    *,
    window: tuple[float, float],
    limits: EvidenceLimits | None = None,
) -> AlertEvidence:
    """The evidence of ``finding`` about the topic ``topic_name`` from the window's posts
    (all of the topic's posts in ``window``; the relevant ones are picked here)."""
    limits = limits or EvidenceLimits()
    chosen = relevant_posts(finding, posts)
    ranked = sorted(
        chosen, key=lambda p: (-p.enrichment.reach, -p.post.author.followers, p.post.id)
    )
    top_posts = tuple(_cite(p) for p in ranked[: limits.posts])
    top_terms = _top_terms(chosen, topic_name, limits.terms)
    top_authors = _top_authors(chosen, limits.authors)
    evidence = AlertEvidence(
        window_start=window[0],
        window_end=window[1],
        observed=finding.observed,
        expected=finding.expected,
        band_low=finding.band_low,
        band_high=finding.band_high,
        top_posts=top_posts,
        top_terms=top_terms,
        top_authors=top_authors,
    )
    return msgspec.structs.replace(evidence, summary=summarise(finding, topic_name, evidence))


def summarise(finding: Finding, topic_name: str, evidence: AlertEvidence) -> str:
    """One paragraph, built only from the finding and the evidence's facts."""
    span = describe_span(evidence.window_end - evidence.window_start)
    band = f"usual range {_count(finding.band_low)}–{_count(finding.band_high)}"
    observed, expected = _count(finding.observed), _count(finding.expected)
    detector = finding.detector
    if detector == "spike":
        lead = (
            f"Posts about {topic_name} rose to {observed} in the last {span}, "
            f"against {expected} expected ({band})."
        )
    elif detector == "sentiment":
        lead = (
            f"Negative posts about {topic_name} rose to {observed} in the last {span}, "
            f"against {expected} expected ({band})."
        )
    elif detector == "keyword":
        lead = (
            f"{observed} posts matched {topic_name} in the last {span} "
            f"(an alert needs {_count(finding.band_high + 1)})."
        )
    elif detector == "influencer":
        lead = (
            f"@{finding.subject}, followed by {_people(finding.observed)}, "
            f"posted negatively about {topic_name}."
        )
    elif detector == "trend":
        lead = (
            f"{finding.subject} appeared {observed} times in posts about {topic_name}, "
            f"against {finding.expected:.1f} usually."
        )
    else:
        lead = f"{finding.reason} ({topic_name})."
    sentences = [lead]
    terms = [t.term for t in evidence.top_terms if t.term != finding.subject][:2]
    if terms:
        quoted = [t if t.startswith("#") else f"“{t}”" for t in terms]
        sentences.append(f"Most mention {' and '.join(quoted)}.")
    if evidence.top_posts and detector != "influencer":
        top = evidence.top_posts[0]
        sentences.append(
            f"The most-read came from @{top.author} ({_people(top.followers)} followers)."
        )
    return " ".join(sentences)


def _cite(item: EnrichedPost) -> EvidencePost:
    post = item.post
    text = post.text if len(post.text) <= MAX_TEXT_CHARS else post.text[: MAX_TEXT_CHARS - 1] + "…"
    return EvidencePost(
        id=post.id,
        url=post.url,
        author=post.author.handle,
        followers=post.author.followers,
        text=text,
        created_at=post.created_at,
        reach=item.enrichment.reach,
        sentiment=item.enrichment.sentiment.label,
    )


def _top_terms(
    posts: Sequence[EnrichedPost], topic_name: str, limit: int
) -> tuple[EvidenceTerm, ...]:
    """Hashtags and keywords first (they were chosen by people or the pipeline), then plain
    words; words of the topic's own name are left out, since every post has them."""
    own = {fold(word) for word in _WORD.findall(topic_name)}
    tagged: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for item in posts:
        tagged.update(post_terms(item))
        seen = {fold(w) for w in _WORD.findall(item.post.text)}
        words.update(w for w in seen if w not in _STOPWORDS and w not in own)
    ranked = [(term, n) for term, n in tagged.most_common() if n >= 2]
    ranked += [(word, n) for word, n in words.most_common() if n >= 2 and word not in tagged]
    ranked.sort(key=lambda pair: (-pair[1], not pair[0].startswith("#"), pair[0]))
    return tuple(EvidenceTerm(term=term, count=n) for term, n in ranked[:limit])


def _top_authors(posts: Sequence[EnrichedPost], limit: int) -> tuple[EvidenceAuthor, ...]:
    counts: Counter[str] = Counter()
    followers: dict[str, int] = {}
    for item in posts:
        handle = item.post.author.handle
        counts[handle] += 1
        followers[handle] = max(followers.get(handle, 0), item.post.author.followers)
    ranked = sorted(counts, key=lambda h: (-followers[h], -counts[h], h))
    return tuple(
        EvidenceAuthor(handle=h, followers=followers[h], posts=counts[h]) for h in ranked[:limit]
    )


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _people(value: float) -> str:
    """1.2M, 48K, 950: how an audience size reads at a glance."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 10_000:
        return f"{value / 1000:.0f}K"
    if value >= 1000:
        return f"{value / 1000:.1f}K".replace(".0K", "K")
    return f"{value:.0f}"

"""Small builders of store inputs for the store tests: enriched posts and rejects."""

from __future__ import annotations

from signalroom.models import (
    Author,
    Engagement,
    EnrichedPost,
    Enrichment,
    Post,
    Reject,
    Sentiment,
    SentimentLabel,
)

T0 = 1_699_920_000.0
"""2023-11-14T00:00:00Z: the start of a day, so of an hour and a minute too."""


def make_post(
    native_id: str,
    *,
    created_at: float = T0,
    source: str = "demo",
    topics: tuple[int, ...] = (),
    label: SentimentLabel = "neutral",
    score: float = 0.0,
    lang: str = "en",
    reach: int = 0,
    repost_of: str | None = None,
    reposts: int = 0,
    text: str = "hello acme",
) -> EnrichedPost:
    post = Post(
        source=source,
        native_id=native_id,
        url=f"https://example.test/{source}/{native_id}",
        author=Author(handle="someone.example", name="Some One", followers=10),
        text=text,
        created_at=created_at,
        received_at=created_at + 1.0,
        engagement=Engagement(reposts=reposts),
        repost_of=repost_of,
    )
    enrichment = Enrichment(
        lang=lang,
        lang_confidence=0.9,
        sentiment=Sentiment(label=label, score=score),
        hashtags=(),
        mentions=(),
        links=(),
        reach=reach,
        model_version="test-1",
    )
    return EnrichedPost(post=post, enrichment=enrichment, topics=topics)


def make_reject(
    reason: str, *, source: str = "demo", received_at: float = T0, payload: bytes | None = None
) -> Reject:
    """A reject whose raw bytes are not UTF-8; by default they differ per reason."""
    raw = b"\x00\xff" + reason.encode() if payload is None else payload
    return Reject(source=source, reason=reason, payload=raw, received_at=received_at)

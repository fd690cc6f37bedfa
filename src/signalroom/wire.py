"""The JSON shapes Signalroom shows the outside world: posts, topics, rollups, live events.

One place, so the HTTP API and the live bus say the same thing. Times go out as ISO 8601
UTC strings. Builds plain dicts/bytes only; no I/O.

Live events (one JSON object per WebSocket text frame, ``type`` first):

- ``{"type": "hello", "server_time": ISO}`` on connect
- ``{"type": "posts", "items": [post, ...]}`` newly stored posts, oldest first
- ``{"type": "rollups", "bucket": "minute", "items": [rollup, ...]}`` the current totals
  of every minute bucket that changed
- ``{"type": "post_updated", "item": post}`` a stored post changed (a person corrected
  its sentiment); ``item`` is the whole post as it now reads
- ``{"type": "gap", "dropped": N}`` the subscriber fell behind; refetch a snapshot
"""

from __future__ import annotations

from typing import Any

import msgspec

from signalroom.clock import to_iso
from signalroom.models import EnrichedPost, Rollup, Topic

_encoder = msgspec.json.Encoder()


def post_json(item: EnrichedPost) -> dict[str, Any]:
    post, enrichment = item.post, item.enrichment
    return {
        "id": post.id,
        "source": post.source,
        "native_id": post.native_id,
        "url": post.url,
        "author": {
            "handle": post.author.handle,
            "name": post.author.name,
            "followers": post.author.followers,
        },
        "text": post.text,
        "title": post.title,
        "created_at": to_iso(post.created_at),
        "received_at": to_iso(post.received_at),
        "lang": enrichment.lang,
        "lang_confidence": round(enrichment.lang_confidence, 4),
        "sentiment": sentiment_json(item),
        "complaint": {
            "is_complaint": enrichment.complaint,
            "score": round(enrichment.complaint_score, 4),
        },
        "moderation": moderation_json(item),
        "topics": list(item.topics),
        "engagement": {
            "likes": post.engagement.likes,
            "reposts": post.engagement.reposts,
            "replies": post.engagement.replies,
            "quotes": post.engagement.quotes,
        },
        "reach": enrichment.reach,
        "hashtags": list(enrichment.hashtags),
        "mentions": list(enrichment.mentions),
        "links": list(enrichment.links),
        "keywords": list(enrichment.keywords),
        "dup_group": item.dup_group,
        "reply_to": post.reply_to,
        "quote_of": post.quote_of,
        "repost_of": post.repost_of,
        "media": list(post.media),
        "model_version": enrichment.model_version,
    }


def sentiment_json(item: EnrichedPost) -> dict[str, Any]:
    """The post's sentiment as shown: a person's correction wins over the model, and says
    who made it and what the model had said."""
    sentiment, correction = item.enrichment.sentiment, item.correction
    return {
        "label": sentiment.label,
        "score": round(sentiment.score, 4),
        "corrected_by": correction.corrected_by if correction else None,
        "corrected_at": to_iso(correction.corrected_at) if correction else None,
        "model_label": correction.model_label if correction else None,
        "model_score": round(correction.model_score, 4) if correction else None,
    }


def topic_json(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.id,
        "name": topic.name,
        "query": topic.query,
        "kind": topic.kind,
        "color": topic.color,
        "created_at": to_iso(topic.created_at),
        "updated_at": to_iso(topic.updated_at),
    }


def rollup_json(rollup: Rollup) -> dict[str, Any]:
    return {
        "topic_id": rollup.topic_id,
        "bucket_start": to_iso(rollup.bucket_start),
        "volume": rollup.volume,
        "negative": rollup.negative,
        "neutral": rollup.neutral,
        "positive": rollup.positive,
        "sentiment_sum": round(rollup.sentiment_sum, 4),
        "reach": rollup.reach,
    }


def moderation_json(item: EnrichedPost) -> dict[str, Any]:
    """The verdict in force; ``decision`` says who decided it, when a person did."""
    moderation, override = item.enrichment.moderation, item.moderation_override
    return {
        "verdict": moderation.verdict,
        "reasons": list(moderation.reasons),
        "score": round(moderation.score, 4),
        "decision": None
        if override is None
        else {
            "by": override.decided_by,
            "at": to_iso(override.decided_at),
            "note": override.note,
            "model_verdict": override.model.verdict,
            "model_reasons": list(override.model.reasons),
        },
    }


def posts_event(items: list[EnrichedPost] | tuple[EnrichedPost, ...]) -> bytes:
    return _encoder.encode({"type": "posts", "items": [post_json(i) for i in items]})


def rollups_event(items: list[Rollup] | tuple[Rollup, ...]) -> bytes:
    return _encoder.encode(
        {"type": "rollups", "bucket": "minute", "items": [rollup_json(r) for r in items]}
    )


def post_updated_event(item: EnrichedPost) -> bytes:
    return _encoder.encode({"type": "post_updated", "item": post_json(item)})


def posts_deleted_event(ids: tuple[str, ...] | list[str]) -> bytes:
    """Posts their authors or servers deleted: clients drop them wherever they show them."""
    return _encoder.encode({"type": "posts_deleted", "ids": list(ids)})


def hello_event(now: float) -> bytes:
    return _encoder.encode({"type": "hello", "server_time": to_iso(now)})


def gap_event(dropped: int) -> bytes:
    return _encoder.encode({"type": "gap", "dropped": dropped})

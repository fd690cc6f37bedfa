"""``PUT /api/posts/{post_id}/sentiment``: a person corrects the sentiment of a stored post.

Validates the body, has the store record the correction (the post and its minute rollups
move to the new label in one transaction), answers with the post as it now reads, then
tells every live client: ``post_updated`` for the post and ``rollups`` for the buckets that
moved. Must not change rollups or posts itself: the store does, atomically.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from signalroom.bus.base import LIVE_CHANNEL
from signalroom.models import SENTIMENT_LABELS, SentimentLabel
from signalroom.store.base import CorrectionResult
from signalroom.web.deps import WebDeps
from signalroom.web.errors import bad_request
from signalroom.wire import post_json, post_updated_event, rollups_event

log = logging.getLogger(__name__)

MAX_BY_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CorrectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    by: str
    """Who corrects: a person's name until users and sign-in exist."""


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    store = deps.store

    # ``:path`` because a post id is ``source:native_id`` and a native id may hold ``/``
    # (a feed entry's URL); clients percent-encode it, the server decodes before routing.
    @app.put("/api/posts/{post_id:path}/sentiment", tags=["posts"])
    async def correct_sentiment(post_id: str, body: CorrectionBody) -> dict[str, Any]:
        label = validate_label(body.label)
        by = validate_by(body.by)
        result: CorrectionResult = await run_in_threadpool(
            store.correct_sentiment, post_id, label, by, deps.clock.now()
        )
        await _announce(deps, result)
        return post_json(result.post)


def validate_label(value: str) -> SentimentLabel:
    for label in SENTIMENT_LABELS:
        if value.strip() == label:
            return label
    raise bad_request(f"label must be one of {', '.join(SENTIMENT_LABELS)}; got {value!r}", "label")


def validate_by(value: str) -> str:
    by = value.strip()
    if not 1 <= len(by) <= MAX_BY_CHARS:
        raise bad_request(
            f"by must be the name of the person correcting, 1 to {MAX_BY_CHARS} characters",
            "by",
        )
    if _CONTROL.search(by):
        raise bad_request("by must not contain control characters", "by")
    return by


async def _announce(deps: WebDeps, result: CorrectionResult) -> None:
    try:
        await deps.broadcaster.publish(LIVE_CHANNEL, post_updated_event(result.post))
        if result.rollups:
            await deps.broadcaster.publish(LIVE_CHANNEL, rollups_event(result.rollups))
    except Exception:
        # The correction is committed; a bus hiccup must not tell the person it failed.
        # Clients catch up on their next snapshot (reconnect, gap or periodic refresh).
        log.exception("could not publish the live events of a sentiment correction")

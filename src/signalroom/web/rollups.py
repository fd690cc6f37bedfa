"""``GET /api/rollups``: per-topic volume and sentiment in minute, hour or day buckets.

What charts read: the store sums its minute rollups into the asked bucket size. Validates the
range (defaults end now) and refuses a request for more than ``MAX_BUCKETS`` buckets. Must not
read raw posts.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import FastAPI, Query

from signalroom.clock import to_iso
from signalroom.models import BUCKET_SECONDS, Bucket
from signalroom.web.deps import WebDeps
from signalroom.web.errors import bad_request
from signalroom.web.params import choice_param, instant_param, resolve_topics
from signalroom.wire import rollup_json

MAX_BUCKETS = 10_000
BUCKETS: tuple[Bucket, ...] = ("minute", "hour", "day")
DEFAULT_SPAN_S: dict[Bucket, float] = {
    "minute": 3600.0,
    "hour": 24 * 3600.0,
    "day": 30 * 86400.0,
}
"""How far back ``since`` defaults to, per bucket size: an hour, a day, a month."""


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    store = deps.store

    @app.get("/api/rollups", tags=["rollups"])
    def list_rollups(
        topic: Annotated[list[str] | None, Query()] = None,
        since: str | None = None,
        until: str | None = None,
        bucket: str | None = None,
    ) -> dict[str, Any]:
        size: Bucket = choice_param("bucket", bucket, BUCKETS) or "minute"
        end = instant_param("until", until)
        end = deps.clock.now() if end is None else end
        start = instant_param("since", since)
        start = end - DEFAULT_SPAN_S[size] if start is None else start
        if start >= end:
            raise bad_request("since must be before until", "since")
        buckets = math.ceil((end - start) / BUCKET_SECONDS[size])
        if buckets > MAX_BUCKETS:
            raise bad_request(
                f"the range holds {buckets} {size} buckets; at most {MAX_BUCKETS} per request "
                "(narrow since/until or use a larger bucket)",
                "since",
            )
        topic_ids: tuple[int, ...] | None = None
        refs = [value for value in topic or () if value.strip()]
        if refs:
            topic_ids = tuple(t.id for t in resolve_topics("topic", refs, store.list_topics()))
        items = store.query_rollups(topic_ids, start, end, size)
        return {
            "bucket": size,
            "since": to_iso(start),
            "until": to_iso(end),
            "items": [rollup_json(r) for r in items],
        }

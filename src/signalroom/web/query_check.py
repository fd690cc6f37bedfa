"""``POST /api/query/check`` and ``POST /api/query/preview``: try a topic query before saving it.

Check parses and returns the normalised form (or the error with its offset); preview runs
the compiled query over the most recent stored posts. Must not save anything.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from signalroom.errors import QueryError
from signalroom.pipeline.topics import match_doc
from signalroom.query import compile_query, format_query, parse_query
from signalroom.store.base import PostQuery
from signalroom.web.deps import WebDeps
from signalroom.web.errors import bad_request, query_error
from signalroom.wire import post_json

PREVIEW_WINDOW = 2000
"""How many of the newest stored posts a preview looks through."""
PREVIEW_PAGE = 500
DEFAULT_PREVIEW_LIMIT = 20
MAX_PREVIEW_LIMIT = 200


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str


class PreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str
    limit: int = DEFAULT_PREVIEW_LIMIT


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    store = deps.store

    @app.post("/api/query/check", tags=["query"])
    def check_query(body: CheckBody) -> dict[str, Any]:
        try:
            parsed = parse_query(body.query)
        except QueryError as err:
            raise query_error(err) from err
        return {"ok": True, "normalized": format_query(parsed)}

    @app.post("/api/query/preview", tags=["query"])
    def preview_query(body: PreviewBody) -> dict[str, Any]:
        if not 1 <= body.limit <= MAX_PREVIEW_LIMIT:
            raise bad_request(f"limit must be between 1 and {MAX_PREVIEW_LIMIT}", "limit")
        try:
            compiled = compile_query(parse_query(body.query))
        except QueryError as err:
            raise query_error(err) from err
        checked = matched = 0
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while checked < PREVIEW_WINDOW:
            page = store.query_posts(
                PostQuery(limit=min(PREVIEW_PAGE, PREVIEW_WINDOW - checked), cursor=cursor)
            )
            for item in page.items:
                checked += 1
                post = item.post
                if compiled.matches(match_doc(post, item.enrichment.lang)):
                    matched += 1
                    if len(items) < body.limit:
                        items.append(post_json(item))
            cursor = page.next_cursor
            if cursor is None or not page.items:
                break
        return {"checked": checked, "matched": matched, "items": items}

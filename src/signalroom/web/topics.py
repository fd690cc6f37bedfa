"""``/api/topics``: list, create, read, update and delete topics.

A topic's query is parsed before it is saved (a bad query is a 400 with the offset of the
problem) and stored exactly as the user wrote it. After every successful write the pipeline
is told to recompile its matcher. Must not match posts itself.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from fastapi import FastAPI, Path, Response
from pydantic import BaseModel, ConfigDict

from signalroom.errors import ConflictError, QueryError
from signalroom.models import TOPIC_KINDS, Topic, TopicDraft, TopicKind
from signalroom.query import parse_query
from signalroom.web.deps import WebDeps
from signalroom.web.errors import ApiError, bad_request, query_error
from signalroom.wire import topic_json

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 80
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Distinct, high-contrast on a dark wall; a new topic without a colour gets the first unused.
PALETTE = (
    "#4f9dff",
    "#ff8a3d",
    "#36d399",
    "#f472b6",
    "#facc15",
    "#a78bfa",
    "#22d3ee",
    "#f87171",
    "#a3e635",
    "#fb923c",
)


# SQLite's integer range: a larger id cannot exist, and would overflow the driver.
TopicId = Annotated[int, Path(ge=0, le=2**63 - 1)]


class TopicBody(BaseModel):
    """A topic as the client sends it. On PUT, fields left out keep their current values."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    query: str | None = None
    kind: str | None = None
    color: str | None = None


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    store = deps.store

    def changed() -> None:
        try:
            deps.on_topics_changed()
        except Exception:
            # The topic is saved; a failing recompile is the pipeline's bug to log, not a
            # reason to tell the user their write failed.
            log.exception("on_topics_changed failed after a topic write")

    @app.get("/api/topics", tags=["topics"])
    def list_topics() -> dict[str, Any]:
        return {"items": [topic_json(t) for t in store.list_topics()]}

    @app.post("/api/topics", status_code=201, tags=["topics"])
    def create_topic(body: TopicBody) -> dict[str, Any]:
        draft = validate_draft(body, None, store.list_topics())
        try:
            topic = store.create_topic(draft, deps.clock.now())
        except ConflictError as err:
            raise _name_taken(draft.name) from err
        changed()
        return topic_json(topic)

    @app.get("/api/topics/{topic_id}", tags=["topics"])
    def get_topic(topic_id: TopicId) -> dict[str, Any]:
        return topic_json(store.get_topic(topic_id))

    @app.put("/api/topics/{topic_id}", tags=["topics"])
    def update_topic(topic_id: TopicId, body: TopicBody) -> dict[str, Any]:
        current = store.get_topic(topic_id)
        draft = validate_draft(body, current, store.list_topics())
        try:
            topic = store.update_topic(topic_id, draft, deps.clock.now())
        except ConflictError as err:
            raise _name_taken(draft.name) from err
        changed()
        return topic_json(topic)

    @app.delete("/api/topics/{topic_id}", status_code=204, tags=["topics"])
    def delete_topic(topic_id: TopicId) -> Response:
        store.delete_topic(topic_id)
        changed()
        return Response(status_code=204)


def validate_draft(body: TopicBody, current: Topic | None, existing: list[Topic]) -> TopicDraft:
    """A draft from a request body, filling what it leaves out from ``current`` (on update)
    or from defaults (on create). Raises ApiError naming the bad field."""
    name = body.name if body.name is not None else (current.name if current else None)
    query = body.query if body.query is not None else (current.query if current else None)
    if name is None:
        raise bad_request("name is required", "name")
    if query is None:
        raise bad_request("query is required", "query")
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise bad_request(f"name must be 1 to {MAX_NAME_CHARS} characters", "name")
    if _CONTROL.search(name):
        raise bad_request("name must not contain control characters", "name")
    try:
        parse_query(query)
    except QueryError as err:
        raise query_error(err) from err
    return TopicDraft(
        name=name,
        query=query,
        kind=_kind(body.kind, current),
        color=_color(body.color, current, existing),
    )


def _kind(value: str | None, current: Topic | None) -> TopicKind:
    if value is None:
        return current.kind if current else "brand"
    for kind in TOPIC_KINDS:
        if value == kind:
            return kind
    raise bad_request(f"kind must be one of {', '.join(TOPIC_KINDS)}; got {value!r}", "kind")


def _color(value: str | None, current: Topic | None, existing: list[Topic]) -> str:
    if value is None:
        if current is not None:
            return current.color
        used = {t.color.lower() for t in existing}
        return next((c for c in PALETTE if c not in used), PALETTE[len(existing) % len(PALETTE)])
    if not _COLOR.fullmatch(value):
        raise bad_request(f"color must be #rrggbb (like #4f9dff); got {value!r}", "color")
    return value.lower()


def _name_taken(name: str) -> ApiError:
    return ApiError(409, "conflict", f"a topic named {name!r} already exists", field="name")

"""``GET /api/posts``: stored posts, newest first, filtered and paged by an opaque cursor;
``GET /api/posts/{post_id}``: one post by id. Both show each post with its key phrases and
near-duplicate group (``keywords``, ``dup_group``).

Validates every parameter (a bad one is a 400 naming it) and hands a ``PostQuery`` to the
store. Must not filter or sort posts itself: the store does, on its indexes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from signalroom.errors import ValidationError
from signalroom.models import MODERATION_VERDICTS, SENTIMENT_LABELS
from signalroom.store.base import PostQuery
from signalroom.web.deps import WebDeps
from signalroom.web.errors import bad_request
from signalroom.web.params import (
    choice_param,
    instant_param,
    int_param,
    resolve_topic,
    text_param,
)
from signalroom.wire import post_json

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_POST_ID_CHARS = 5000
"""A post id is `source:native_id`; a feed entry's native id may be a long URL."""


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    store = deps.store

    @app.get("/api/posts", tags=["posts"])
    def list_posts(
        topic: str | None = None,
        since: str | None = None,
        until: str | None = None,
        sentiment: str | None = None,
        lang: str | None = None,
        source: str | None = None,
        moderation: str | None = None,
        complaint: str | None = None,
        dup_group: str | None = None,
        limit: str | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        topic_ref = text_param("topic", topic)
        query = PostQuery(
            topic_id=resolve_topic("topic", topic_ref, store.list_topics()).id
            if topic_ref is not None
            else None,
            since=instant_param("since", since),
            until=instant_param("until", until),
            sentiment=choice_param("sentiment", sentiment, SENTIMENT_LABELS),
            lang=_lang(lang),
            source=text_param("source", source, max_chars=64),
            moderation=choice_param("moderation", moderation, MODERATION_VERDICTS),
            complaint=_flag("complaint", complaint),
            dup_group=text_param("dup_group", dup_group, max_chars=MAX_POST_ID_CHARS),
            limit=int_param("limit", limit, default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT),
            cursor=text_param("cursor", cursor, max_chars=1000),
        )
        if query.since is not None and query.until is not None and query.since > query.until:
            raise bad_request("since must not be after until", "since")
        try:
            page = store.query_posts(query)
        except ValidationError as err:
            field = err.field or "cursor"
            raise bad_request(f"{field}: {err.message}", field) from err
        return {"items": [post_json(p) for p in page.items], "next_cursor": page.next_cursor}

    # ``:path``: a native id may hold ``/`` (see corrections.py); 404 when no such post.
    @app.get("/api/posts/{post_id:path}", tags=["posts"])
    def get_post(post_id: str) -> dict[str, Any]:
        return post_json(store.get_post(post_id))


def _flag(name: str, value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    if value.strip().lower() in ("true", "1"):
        return True
    if value.strip().lower() in ("false", "0"):
        return False
    raise bad_request(f"{name} must be true or false; got {value!r}", name)


def _lang(value: str | None) -> str | None:
    lang = text_param("lang", value, max_chars=8)
    if lang is None:
        return None
    if not lang.isascii() or not lang.isalpha():
        raise bad_request(f"lang must be a language code like en or hu; got {value!r}", "lang")
    return lang.lower()

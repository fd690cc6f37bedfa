"""A fake Hacker News Algolia API: ``/api/v1/search_by_date`` over an in-memory index,
evaluating ``query`` (every word, or quoted phrase, must appear), the ``tags`` grammar
(comma = AND, parentheses = OR), ``numericFilters`` on ``created_at_i``, newest first,
``page``/``hitsPerPage``, the 1,000-hit window, and 429 past a request budget.

Stories and comments are invented for the tests.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from typing import Any

from tests.sources.fakes.httpserver import FakeHttpServer, Request, Response

_OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
}
_FILTER = re.compile(r"(created_at_i|points|num_comments)(>=|<=|>|<|=)(-?\d+)")


def story(
    object_id: int, created: int, title: str, author: str = "casey_ex", **extra: Any
) -> dict[str, Any]:
    hit: dict[str, Any] = {
        "objectID": str(object_id),
        "created_at": "",
        "created_at_i": created,
        "author": author,
        "title": title,
        "url": f"https://blog.example/{object_id}",
        "story_text": None,
        "points": 10,
        "num_comments": 2,
        "_tags": ["story", f"author_{author}", f"story_{object_id}"],
    }
    hit.update(extra)
    return hit


def comment(
    object_id: int, created: int, html: str, parent: int, story_id: int, author: str = "sam_ex"
) -> dict[str, Any]:
    return {
        "objectID": str(object_id),
        "created_at_i": created,
        "author": author,
        "comment_text": html,
        "story_id": story_id,
        "story_title": "A story",
        "parent_id": parent,
        "points": None,
        "num_comments": None,
        "_tags": ["comment", f"author_{author}", f"story_{story_id}"],
    }


class FakeAlgolia:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.raw_extra: list[tuple[int, bytes]] = []
        """Hits sent as these exact bytes (malformed ones), with their created_at_i."""
        self.budget: int | None = None
        self.retry_after = "30"
        self.server = FakeHttpServer(self.handle)
        self.windows: list[str] = []

    async def handle(self, request: Request) -> Response:
        if request.path != "/api/v1/search_by_date":
            return Response(404, b'{"message":"not found"}')
        if self.budget is not None:
            if self.budget <= 0:
                return Response(
                    429, b'{"message":"rate limited"}', {"Retry-After": self.retry_after}
                )
            self.budget -= 1
        q = request.query
        filters = q.get("numericFilters", "")
        self.windows.append(filters)
        tests = [(m.group(1), _OPS[m.group(2)], int(m.group(3))) for m in _FILTER.finditer(filters)]
        words = [w.strip('"').casefold() for w in re.findall(r'"[^"]+"|\S+', q.get("query", ""))]
        tags = q.get("tags", "")
        hits: list[tuple[int, bytes]] = []
        for item in self.items:
            if not all(op(item.get(name) or 0, value) for name, op, value in tests):
                continue
            if not _tags_match(tags, item["_tags"]):
                continue
            text = " ".join(
                str(item.get(k) or "") for k in ("title", "story_text", "comment_text")
            ).casefold()
            if not all(w in text for w in words):
                continue
            hits.append((item["created_at_i"], json.dumps(item).encode()))
        hits += [
            (c, raw)
            for c, raw in self.raw_extra
            if all(op(c, v) for n, op, v in tests if n == "created_at_i")
        ]
        hits.sort(key=lambda pair: -pair[0])
        per_page = int(q.get("hitsPerPage", "20"))
        page = int(q.get("page", "0"))
        window = hits[:1000]
        chunk = window[page * per_page : (page + 1) * per_page]
        pages = (len(window) + per_page - 1) // per_page
        body = (
            b'{"hits":['
            + b",".join(raw for _, raw in chunk)
            + b'],"nbHits":%d,"page":%d,"nbPages":%d,"hitsPerPage":%d}'
            % (len(hits), page, pages, per_page)
        )
        return Response(200, body, {"Content-Type": "application/json"})


def _tags_match(expression: str, tags: list[str]) -> bool:
    """Comma-separated groups must all hold; a parenthesised group holds if any of its tags do."""
    for group in re.findall(r"\([^)]*\)|[^,]+", expression):
        options = group.strip("()").split(",")
        if not any(option.strip() in tags for option in options if option.strip()):
            return False
    return True

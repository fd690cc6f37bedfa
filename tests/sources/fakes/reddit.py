"""A fake Reddit: the token endpoint (HTTP Basic client credentials), listings
(``/r/{sub}/new``, ``/r/{sub}/comments``, ``/search``, ``/r/{sub}/search``) newest first with
``after``/``before``/``limit``, ``X-Ratelimit-*`` headers and 429 past a budget, 401 for an
expired token, and the refusals: unknown credentials (401), a blocked address (403 HTML
page), an app without Data API access (403 JSON).

Like Reddit, a listing holds only its newest ``reach`` items (about 1,000) and is built
afresh for every request, so it shifts as items arrive; ``after``/``before`` name a
fullname, and one the listing no longer holds (removed, or pushed beyond reach) gives an
empty page.

Submissions and comments are invented for the tests.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any, Literal

from tests.sources.fakes.httpserver import FakeHttpServer, Request, Response

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"


def submission(
    n: int, created: float, title: str, sub: str = "acmefans", selftext: str = ""
) -> dict[str, Any]:
    return {
        "kind": "t3",
        "data": {
            "id": f"p{n}",
            "name": f"t3_p{n}",
            "subreddit": sub,
            "title": title,
            "selftext": selftext,
            "author": "casey_ex",
            "created_utc": created,
            "permalink": f"/r/{sub}/comments/p{n}/post/",
            "url": f"https://acme.example/{n}",
            "score": 5,
            "num_comments": 1,
            "over_18": False,
        },
    }


def reddit_comment(
    n: int, created: float, body: str, parent: str, sub: str = "acmefans"
) -> dict[str, Any]:
    return {
        "kind": "t1",
        "data": {
            "id": f"c{n}",
            "name": f"t1_c{n}",
            "subreddit": sub,
            "body": body,
            "author": "sam_ex",
            "created_utc": created,
            "permalink": f"/r/{sub}/comments/x/post/c{n}/",
            "parent_id": parent,
            "link_id": parent,
            "score": 2,
        },
    }


class FakeReddit:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.mode: Literal["ok", "refused", "blocked", "unapproved"] = "ok"
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.budget: int | None = None
        self.remaining = 600.0
        self.reset_s = 120
        self.reach = 1000
        """How many items a listing holds, newest first; older ones are beyond reach."""
        self.server = FakeHttpServer(self.handle)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def remove(self, name: str) -> None:
        """Take an item down (deleted or removed by a moderator): no listing holds it."""
        self.items = [i for i in self.items if i["data"]["name"] != name]

    async def handle(self, request: Request) -> Response:
        if request.path == "/api/v1/access_token":
            return self._token(request)
        if self.mode == "blocked":
            page = b"<html><body><h1>whoa there, pardner!</h1></body></html>"
            return Response(403, page, {"Content-Type": "text/html; charset=UTF-8"})
        token = request.headers.get("authorization", "").removeprefix("bearer ")
        if token not in self.tokens:
            return Response(
                401,
                b'{"message": "Unauthorized", "error": 401}',
                {"Content-Type": "application/json"},
            )
        if self.mode == "unapproved":
            return Response(
                403, b'{"message": "Forbidden", "error": 403}', {"Content-Type": "application/json"}
            )
        if self.budget is not None:
            if self.budget <= 0:
                return Response(
                    429, b'{"message": "Too Many Requests", "error": 429}', self._rate(0)
                )
            self.budget -= 1
            self.remaining = float(self.budget)
        return self._listing(request)

    def _rate(self, remaining: float) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Ratelimit-Used": "1",
            "X-Ratelimit-Remaining": f"{remaining:.1f}",
            "X-Ratelimit-Reset": str(self.reset_s),
        }

    def _token(self, request: Request) -> Response:
        self.token_requests += 1
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if self.mode == "refused" or request.headers.get("authorization") != f"Basic {expected}":
            return Response(
                401,
                b'{"message": "Unauthorized", "error": 401}',
                {"Content-Type": "application/json"},
            )
        if b"grant_type=client_credentials" not in request.body:
            return Response(
                200, b'{"error": "unsupported_grant_type"}', {"Content-Type": "application/json"}
            )
        token = secrets.token_hex(8)
        self.tokens.add(token)
        body = {"access_token": token, "token_type": "bearer", "expires_in": 3600, "scope": "*"}
        return Response(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _listing(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        q = request.query
        if parts[0] == "search":
            subs, what = None, "search"
        elif len(parts) == 3 and parts[0] == "r":
            subs, what = set(parts[1].split("+")), parts[2]
        else:
            return Response(
                404, b'{"message": "Not Found", "error": 404}', {"Content-Type": "application/json"}
            )
        chosen = []
        for item in sorted(self.items, key=lambda i: -i["data"]["created_utc"]):
            data = item["data"]
            if subs is not None and data["subreddit"] not in subs:
                continue
            if what == "new" and item["kind"] != "t3":
                continue
            if what == "comments" and item["kind"] != "t1":
                continue
            if what == "search":
                words = q.get("q", "").casefold().replace('"', "").split()
                text = f"{data.get('title', '')} {data.get('selftext', '')}".casefold()
                if item["kind"] != "t3" or not all(w in text for w in words):
                    continue
            chosen.append(item)
        chosen = chosen[: self.reach]
        names = [i["data"]["name"] for i in chosen]
        limit = min(100, int(q.get("limit", "25")))
        start = 0
        if "after" in q:
            start = names.index(q["after"]) + 1 if q["after"] in names else len(names)
        page = chosen[start : start + limit]
        if "before" in q:
            end = names.index(q["before"]) if q["before"] in names else 0
            page = chosen[max(0, end - limit) : end]
        after = page[-1]["data"]["name"] if page and start + limit < len(chosen) else None
        body = {
            "kind": "Listing",
            "data": {"after": after, "before": None, "dist": len(page), "children": page},
        }
        return Response(200, json.dumps(body).encode(), self._rate(self.remaining))

"""A fake X API v2 filtered stream: the rules endpoint (list, add with validation, delete,
``meta.summary``), the stream (NDJSON lines and ``\\r\\n`` keep-alives pushed by the test,
one connection at a time, ``TooManyConnections`` for a second), 401 and 429 with
``x-rate-limit-*`` headers, a silent stall, and a meter of posts delivered.

Posts and users are invented for the tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Literal

from tests.sources.fakes.httpserver import FakeHttpServer, Request, Response

TOKEN = "fake-bearer-token"


def tweet(n: int, text: str, user: int = 1, **data: Any) -> bytes:
    body = {
        "data": {
            "id": str(1961234567890000000 + n),
            "text": text,
            "author_id": str(1500000000000000000 + user),
            "created_at": "2026-08-30T14:05:11.000Z",
            "lang": "en",
            "edit_history_tweet_ids": [str(1961234567890000000 + n)],
            "public_metrics": {
                "retweet_count": 1,
                "reply_count": 2,
                "like_count": 3,
                "quote_count": 0,
            },
            **data,
        },
        "includes": {
            "users": [
                {
                    "id": str(1500000000000000000 + user),
                    "username": f"casey_ex{user}",
                    "name": "Casey",
                    "public_metrics": {"followers_count": 1840},
                }
            ]
        },
        "matching_rules": [{"id": "1960000000000000001", "tag": "signalroom:topic:1"}],
    }
    return json.dumps(body).encode()


class FakeX:
    def __init__(self) -> None:
        self.rules: dict[str, dict[str, str]] = {}
        self.next_rule = 1960000000000000100
        self.mode: Literal["ok", "unauthorized", "limited", "error", "stall"] = "ok"
        self.lines: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.connections = 0
        self.open = 0
        self.delivered = 0
        self.stream_statuses: list[int] = []
        self.stall_over = asyncio.Event()
        self.all_closed = asyncio.Event()
        """Set by a test to end a stalled response (X eventually drops it too)."""
        self.server = FakeHttpServer(self.handle)

    def send(self, *lines: bytes) -> None:
        for line in lines:
            self.lines.put_nowait(line)

    def end_stream(self) -> None:
        self.lines.put_nowait(None)

    async def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}" or self.mode == "unauthorized":
            body = b'{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}'
            return self._status(request, 401, body)
        if self.mode == "limited":
            return self._status(
                request,
                429,
                b'{"title":"Too Many Requests","status":429}',
                {
                    "x-rate-limit-limit": "50",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": "0",
                },
            )
        if self.mode == "error":
            return self._status(request, 503, b'{"title":"Service Unavailable","status":503}')
        if request.path == "/2/tweets/search/stream/rules":
            return self._rules(request)
        if request.path == "/2/tweets/search/stream":
            return self._stream(request)
        return Response(404, b'{"title":"Not Found"}')

    def _status(
        self, request: Request, status: int, body: bytes, headers: dict[str, str] | None = None
    ) -> Response:
        if request.path.endswith("/stream"):
            self.stream_statuses.append(status)
        return Response(status, body, {"content-type": "application/json", **(headers or {})})

    def _rules(self, request: Request) -> Response:
        if request.method == "GET":
            data = list(self.rules.values())
            body: dict[str, Any] = {
                "meta": {"sent": "2026-08-30T14:00:00.000Z", "result_count": len(data)}
            }
            if data:
                body["data"] = data
            return Response(200, json.dumps(body).encode(), {"content-type": "application/json"})
        payload = json.loads(request.body)
        if "delete" in payload:
            ids = payload["delete"]["ids"]
            for rule_id in ids:
                self.rules.pop(rule_id, None)
            body = {"meta": {"summary": {"deleted": len(ids), "not_deleted": 0}}}
            return Response(200, json.dumps(body).encode(), {"content-type": "application/json"})
        created, errors = [], []
        for rule in payload.get("add", []):
            value = rule["value"]
            if not value or len(value) > 1024 or value.startswith("-"):
                errors.append(
                    {
                        "value": value,
                        "title": "UnprocessableEntity",
                        "details": ["Rules must contain a non-negation term"],
                    }
                )
                continue
            self.next_rule += 1
            entry = {"id": str(self.next_rule), "value": value, "tag": rule.get("tag", "")}
            self.rules[entry["id"]] = entry
            created.append(entry)
        body = {
            "data": created,
            "meta": {
                "summary": {
                    "created": len(created),
                    "not_created": len(errors),
                    "valid": len(created),
                    "invalid": len(errors),
                }
            },
        }
        if errors:
            body["errors"] = errors
        return Response(201, json.dumps(body).encode(), {"content-type": "application/json"})

    def _stream(self, request: Request) -> Response:
        if self.open:
            body = b'{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.twitter.com/2/problems/streaming-connection"}'
            return self._status(request, 429, body)
        self.stream_statuses.append(200)
        self.connections += 1
        return Response(200, self._body(), {"content-type": "application/json"})

    async def _body(self) -> AsyncIterator[bytes]:
        self.open += 1
        try:
            yield b"\r\n"
            if self.mode == "stall":
                await self.stall_over.wait()
                return
            while True:
                line = await self.lines.get()
                if line is None:
                    return
                if line.strip():
                    self.delivered += 1
                yield line + b"\r\n"
        finally:
            self.open -= 1
            if not self.open:
                self.all_closed.set()

"""A fake YouTube Data API v3: ``/commentThreads`` (``videoId`` or
``allThreadsRelatedToChannelId``, newest first, ``maxResults``, ``pageToken``,
``searchTerms``) with a few replies inlined in ``replies.comments``, ``/comments?parentId=``
for all of a thread's replies, and Google's error JSON
(``{"error": {"code", "message", "errors": [{"reason"}]}}``) for a bad key, a spent quota
(after a budget of calls, every call counted, failed ones too), comments disabled, an unknown
video or channel and an unknown page token. It can also serve malformed items verbatim,
swap neighbours on a page (out of order), and cut chosen requests off without an answer.

Page tokens name the last thread served, so they stay valid while new comments arrive on
top, as YouTube's do. Comments, ids and names are invented for the tests.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.sources.fakes.httpserver import FakeHttpServer, Request, Response

API_KEY = "fake-youtube-key-123"
CHANNEL = "UCfakechannel0000000000A"
SHOWN_REPLIES = 2
"""How many replies a thread carries inline (YouTube gives only some)."""


def iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, tz=UTC).isoformat().replace("+00:00", "Z")


def thread_id(n: int) -> str:
    return f"Ugw{n:08d}fake4AaABAg"


def comment(
    cid: str,
    video: str,
    published: float,
    text: str,
    *,
    author: str = "@casey_ex",
    author_channel: str = "UCfakeauthor00000000000B",
    likes: int = 0,
    parent: str | None = None,
    updated: float | None = None,
) -> dict[str, Any]:
    snippet: dict[str, Any] = {
        "channelId": CHANNEL,
        "videoId": video,
        "textDisplay": text,
        "textOriginal": text,
        "authorDisplayName": author,
        "authorProfileImageUrl": "https://yt3.example/a.jpg",
        "authorChannelUrl": f"http://www.youtube.com/{author}",
        "authorChannelId": {"value": author_channel},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": likes,
        "publishedAt": iso(published),
        "updatedAt": iso(updated if updated is not None else published),
    }
    if parent is not None:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": f"e-{cid}", "id": cid, "snippet": snippet}


@dataclass
class Thread:
    id: str
    video: str
    published: float
    top: dict[str, Any]
    replies: list[dict[str, Any]] = field(default_factory=list)
    raw: bytes | None = None
    """Sent as these exact bytes instead (a malformed item)."""

    def resource(self) -> bytes:
        if self.raw is not None:
            return self.raw
        body: dict[str, Any] = {
            "kind": "youtube#commentThread",
            "etag": f"t-{self.id}",
            "id": self.id,
            "snippet": {
                "channelId": CHANNEL,
                "videoId": self.video,
                "topLevelComment": self.top,
                "canReply": True,
                "totalReplyCount": len(self.replies),
                "isPublic": True,
            },
        }
        if self.replies:
            body["replies"] = {"comments": self.replies[:SHOWN_REPLIES]}
        return json.dumps(body).encode()


def make_thread(
    n: int, video: str, published: float, text: str, *, replies: int = 0, **extra: Any
) -> Thread:
    tid = thread_id(n)
    return Thread(
        tid,
        video,
        published,
        comment(tid, video, published, text, **extra),
        [
            comment(
                f"{tid}.{m:04d}fakeR",
                video,
                published + 10 + m,
                f"reply {m} to {n}",
                author="@sam_ex",
                parent=tid,
            )
            for m in range(replies)
        ],
    )


def google_error(code: int, reason: str, message: str, **extra: Any) -> Response:
    body: dict[str, Any] = {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "youtube.commentThread", "reason": reason}],
            **extra,
        }
    }
    return Response(code, json.dumps(body).encode(), {"Content-Type": "application/json"})


def _token(thread: Thread) -> str:
    return base64.urlsafe_b64encode(json.dumps([thread.published, thread.id]).encode()).decode()


class FakeYouTube:
    def __init__(self) -> None:
        self.channels: dict[str, set[str]] = {CHANNEL: set()}
        """Channel id → its videos."""
        self.videos: set[str] = set()
        self.threads: list[Thread] = []
        self.disabled: set[str] = set()
        self.quota_left: int | None = None
        self.out_of_order = False
        self.cut: set[int] = set()
        """Request numbers (1-based) whose connection is cut without an answer."""
        self.answer: Response | None = None
        """Every request with a valid key gets this answer instead (an error to try)."""
        self.server = FakeHttpServer(self.handle)

    @property
    def hits(self) -> int:
        return len(self.server.requests)

    def add_video(self, video: str, channel: str = CHANNEL) -> None:
        self.videos.add(video)
        self.channels.setdefault(channel, set()).add(video)

    def add(self, *threads: Thread) -> None:
        for thread in threads:
            self.add_video(thread.video)
            self.threads.append(thread)

    async def handle(self, request: Request) -> Response:
        if len(self.server.requests) in self.cut:
            raise ConnectionResetError("cut off")
        q = request.query
        if q.get("key") != API_KEY:
            message = "API key not valid. Please pass a valid API key."
            return google_error(
                400,
                "badRequest",
                message,
                status="INVALID_ARGUMENT",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                    }
                ],
            )
        if self.answer is not None:
            return self.answer
        if self.quota_left is not None:
            if self.quota_left <= 0:
                return google_error(
                    403,
                    "quotaExceeded",
                    "The request cannot be completed because you have exceeded your "
                    '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                )
            self.quota_left -= 1
        if request.path == "/youtube/v3/commentThreads":
            return self._threads(q)
        if request.path == "/youtube/v3/comments":
            return self._replies(q)
        return google_error(404, "notFound", "Not Found")

    def _threads(self, q: dict[str, str]) -> Response:
        if "videoId" in q:
            video = q["videoId"]
            if video not in self.videos:
                return google_error(
                    404,
                    "videoNotFound",
                    "The video identified by the <code>videoId</code> parameter could not be "
                    "found.",
                )
            if video in self.disabled:
                return google_error(
                    403,
                    "commentsDisabled",
                    "The video identified by the <code>videoId</code> parameter has disabled "
                    "comments.",
                )
            videos = {video}
        elif "allThreadsRelatedToChannelId" in q:
            channel = q["allThreadsRelatedToChannelId"]
            if channel not in self.channels:
                return google_error(404, "channelNotFound", "The channel could not be found.")
            videos = self.channels[channel] - self.disabled
        else:
            return google_error(400, "missingRequiredParameter", "No filter selected.")
        chosen = [t for t in self.threads if t.video in videos]
        terms = q.get("searchTerms", "").casefold()
        if terms:
            chosen = [t for t in chosen if terms in t.top["snippet"]["textOriginal"].casefold()]
        chosen.sort(key=lambda t: (t.published, t.id), reverse=True)
        start = 0
        if "pageToken" in q:
            try:
                after = tuple(json.loads(base64.urlsafe_b64decode(q["pageToken"])))
            except ValueError:
                return google_error(400, "invalidPageToken", "The page token is not valid.")
            start = sum(1 for t in chosen if (t.published, t.id) >= after)
        size = min(100, int(q.get("maxResults", "20")))
        page = chosen[start : start + size]
        served = list(page)
        if self.out_of_order:
            for i in range(0, len(served) - 1, 2):
                served[i], served[i + 1] = served[i + 1], served[i]
        head: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "etag": "page",
            "pageInfo": {"totalResults": len(page), "resultsPerPage": size},
        }
        if start + size < len(chosen) and page:
            head["nextPageToken"] = _token(page[-1])
        body = json.dumps(head).encode()[:-1] + b', "items": ['
        body += b", ".join(t.resource() for t in served) + b"]}"
        return Response(200, body, {"Content-Type": "application/json; charset=UTF-8"})

    def _replies(self, q: dict[str, str]) -> Response:
        parent = next((t for t in self.threads if t.id == q.get("parentId")), None)
        if parent is None:
            return google_error(404, "commentNotFound", "The comment could not be found.")
        size = min(100, int(q.get("maxResults", "20")))
        start = int(q.get("pageToken", "0") or 0)
        page = parent.replies[start : start + size]
        body: dict[str, Any] = {"kind": "youtube#commentListResponse", "items": page}
        if start + size < len(parent.replies):
            body["nextPageToken"] = str(start + size)
        return Response(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

"""A fake news-feed host: RSS 2.0 and Atom feeds with ETag/Last-Modified and 304s, a
malformed feed, a 301, a 410, a 429 with Retry-After, a response that never comes, and a
Google-News-like search (``/rss/search?q=``) with ``<source url>`` and opaque links.

Every entry is written here for the tests (invented outlets under ``.example``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from xml.sax.saxutils import escape, quoteattr

from tests.sources.fakes.httpserver import FakeHttpServer, Request, Response


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    published: float
    link: str = ""
    description: str = ""
    source_title: str = ""
    source_url: str = ""
    guid_is_link: bool = False


@dataclass
class Feed:
    title: str
    link: str
    entries: list[Entry] = field(default_factory=list)
    modified_at: float = 1_700_000_000.0
    version: int = 0
    ttl_min: int | None = None

    def add(self, *entries: Entry) -> None:
        self.entries[:0] = list(reversed(entries))  # newest first, as feeds list them
        self.version += 1
        self.modified_at += 60

    @property
    def etag(self) -> str:
        return f'"v{self.version}-{len(self.entries)}"'

    @property
    def last_modified(self) -> str:
        return formatdate(self.modified_at, usegmt=True)


def rss_xml(feed: Feed) -> bytes:
    items = []
    for e in feed.entries:
        permalink = "true" if e.guid_is_link else "false"
        parts = [
            f"<title>{escape(e.title)}</title>",
            f"<link>{escape(e.link)}</link>" if e.link else "",
            f"<guid isPermaLink={quoteattr(permalink)}>{escape(e.guid)}</guid>" if e.guid else "",
            f"<pubDate>{formatdate(e.published, usegmt=True)}</pubDate>",
            f"<description>{escape(e.description)}</description>" if e.description else "",
            f"<source url={quoteattr(e.source_url)}>{escape(e.source_title)}</source>"
            if e.source_title
            else "",
        ]
        items.append("<item>" + "".join(parts) + "</item>")
    ttl = f"<ttl>{feed.ttl_min}</ttl>" if feed.ttl_min is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(feed.title)}</title><link>{escape(feed.link)}</link>"
        f"<language>en-us</language>{ttl}" + "".join(items) + "</channel></rss>"
    ).encode()


def atom_xml(feed: Feed) -> bytes:
    entries = []
    for e in feed.entries:
        entries.append(
            f"<entry><id>{escape(e.guid)}</id><title>{escape(e.title)}</title>"
            f'<link rel="alternate" href={quoteattr(e.link)}/>'
            f"<published>{_iso(e.published)}</published><updated>{_iso(e.published)}</updated>"
            f'<summary type="html">{escape(e.description)}</summary></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(feed.title)}</title><link href={quoteattr(feed.link)}/>"
        f"<id>{escape(feed.link)}</id><updated>{_iso(feed.modified_at)}</updated>"
        + "".join(entries)
        + "</feed>"
    ).encode()


def _iso(instant: float) -> str:
    return dt.datetime.fromtimestamp(instant, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def news_entry(query: str, n: int, published: float, outlet: str, domain: str) -> Entry:
    token = "CBMi" + hashlib.sha256(f"{query}/{n}".encode()).hexdigest()[:40]
    return Entry(
        guid=token,
        title=f"{query.title()} story number {n} - {outlet}",
        link=f"https://news.google.example/rss/articles/{token}?oc=5",
        description=(
            f'<a href="https://news.google.example/rss/articles/{token}">'
            f"{query.title()} story number {n}</a>&nbsp;&nbsp;"
            f'<font color="#6f6f6f">{outlet}</font>'
        ),
        published=published,
        source_title=outlet,
        source_url=f"https://{domain}",
    )


class FakeFeedHost:
    """The feeds by path, the Google News searches by ``q``, and counters for the tests."""

    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.atom: dict[str, Feed] = {}
        self.searches: dict[str, Feed] = {}
        self.not_modified = 0
        self.full = 0
        self.limited_left = 0
        self.retry_after = "120"
        self.release_slow = asyncio.Event()
        self.server = FakeHttpServer(self.handle)

    async def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/moved.xml":
            return Response(301, headers={"Location": f"{self.server.base}/tribune.xml"})
        if path == "/gone.xml":
            return Response(410, b"gone")
        if path == "/broken.xml":
            return Response(
                200, b"<html><body>this is not <b>a feed", {"Content-Type": "text/html"}
            )
        if path == "/slow.xml":
            await self.release_slow.wait()
            return Response(200, b"")
        if path == "/huge.xml":
            return Response(200, b"<rss>" + b" " * 3_000_000 + b"</rss>")
        if self.limited_left > 0:
            self.limited_left -= 1
            return Response(429, b"slow down", {"Retry-After": self.retry_after})
        if path == "/rss/search":
            query = request.query.get("q", "").casefold()
            found = [feed for key, feed in self.searches.items() if key in query]
            feed = found[0] if found else Feed("Google News", "https://news.google.example")
            return self._serve_feed(request, feed, rss_xml)
        name = path.lstrip("/")
        if name in self.feeds:
            return self._serve_feed(request, self.feeds[name], rss_xml)
        if name in self.atom:
            return self._serve_feed(request, self.atom[name], atom_xml)
        return Response(404, b"no such feed")

    def _serve_feed(
        self, request: Request, feed: Feed, render: Callable[[Feed], bytes]
    ) -> Response:
        match_etag = request.headers.get("if-none-match") == feed.etag
        match_date = request.headers.get("if-modified-since") == feed.last_modified
        if match_etag or (match_date and "if-none-match" not in request.headers):
            self.not_modified += 1
            return Response(304, headers={"ETag": feed.etag})
        self.full += 1
        body = render(feed)
        return Response(
            200,
            body,
            {
                "Content-Type": "application/rss+xml; charset=utf-8",
                "ETag": feed.etag,
                "Last-Modified": feed.last_modified,
            },
        )

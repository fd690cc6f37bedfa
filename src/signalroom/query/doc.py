"""One post as the matcher sees it: built once, then matched against any number of queries.

The normalised search text, token indexes and field keys are computed on first use and kept,
so a post that no topic could match (the pre-filter decides from the text alone) is never
tokenized. The fields as given are frozen; the derived values are a private cache.
This module must not know about queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from signalroom.query.token import TokenIndex, normalize


class _Derived:
    """The lazily computed views of one document."""

    __slots__ = (
        "author",
        "host",
        "hosts",
        "index",
        "lang",
        "search_text",
        "source",
        "title_index",
    )

    def __init__(self) -> None:
        self.search_text: str | None = None
        self.index: TokenIndex | None = None
        self.title_index: TokenIndex | None = None
        self.author: str | None = None
        self.lang: str | None = None
        self.source: str | None = None
        self.host: str | None = None
        self.hosts: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class MatchDoc:
    text: str = ""
    title: str = ""
    author: str = ""
    lang: str = ""
    source: str = ""
    url: str = ""
    site: str = ""
    """The publisher's host (or URL) when ``url`` points elsewhere: a news aggregator's
    redirect link names the aggregator, not the outlet. ``site:`` matches either."""
    _derived: _Derived = field(
        default_factory=_Derived, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def build(
        cls,
        text: str = "",
        title: str = "",
        author: str = "",
        lang: str = "",
        source: str = "",
        url: str = "",
        site: str = "",
    ) -> MatchDoc:
        return cls(text, title, author, lang, source, url, site)

    @property
    def search_text(self) -> str:
        """The text and the title (if any) joined by a newline, normalised (NFC, case-folded)."""
        derived = self._derived
        if derived.search_text is None:
            text = normalize(self.text)
            derived.search_text = f"{text}\n{normalize(self.title)}" if self.title else text
        return derived.search_text

    @property
    def index(self) -> TokenIndex:
        derived = self._derived
        if derived.index is None:
            derived.index = TokenIndex.build(self.search_text)
        return derived.index

    @property
    def title_index(self) -> TokenIndex:
        derived = self._derived
        if derived.title_index is None:
            derived.title_index = TokenIndex.build(normalize(self.title))
        return derived.title_index

    @property
    def author_key(self) -> str:
        """The handle, normalised, without a leading ``@``."""
        derived = self._derived
        if derived.author is None:
            derived.author = normalize(self.author.strip()).lstrip("@")
        return derived.author

    @property
    def lang_key(self) -> str:
        """The primary language subtag: ``pt-BR`` → ``pt``."""
        derived = self._derived
        if derived.lang is None:
            derived.lang = normalize(self.lang.strip()).replace("_", "-").split("-", 1)[0]
        return derived.lang

    @property
    def source_key(self) -> str:
        derived = self._derived
        if derived.source is None:
            derived.source = normalize(self.source.strip())
        return derived.source

    @property
    def host(self) -> str:
        """The URL's host name, normalised, without a trailing dot; empty when there is none."""
        derived = self._derived
        if derived.host is None:
            derived.host = _host(self.url)
        return derived.host

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts ``site:`` looks at: the URL's, and the publisher's when it differs."""
        derived = self._derived
        if derived.hosts is None:
            site = _host(self.site) if "//" in self.site else _bare_host(self.site)
            derived.hosts = tuple(h for h in dict.fromkeys((self.host, site)) if h)
        return derived.hosts


_AUTHORITY = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//([^/?#]*)")


def _host(url: str) -> str:
    """The host of an absolute URL (``scheme://host...`` or ``//host...``), else empty.

    Hand-rolled rather than ``urlsplit``: it runs for every post, and only the host is needed.
    """
    authority = _AUTHORITY.match(url.strip())
    if authority is None:
        return ""
    host = authority.group(1).rpartition("@")[2]
    if host.startswith("["):
        # An IPv6 literal: the host is what the brackets hold, a port may follow.
        closing = host.find("]")
        host = host[1:closing] if closing > 0 else ""
    else:
        host = host.partition(":")[0]
    return normalize(host).removesuffix(".")


def _bare_host(value: str) -> str:
    """A host name given without a scheme (``reuters.com``), normalised; empty if it is not
    one (it holds a path, a space or a colon)."""
    host = normalize(value.strip()).removesuffix(".")
    return "" if any(c in host for c in "/ :@?#") else host

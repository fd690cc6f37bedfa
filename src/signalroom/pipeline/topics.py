"""The pipeline's view of the topics: compiled once, swapped whole when topics change.

The swap is a single reference assignment, so the web thread can recompile while the
pipeline thread keeps matching against the previous set, never a half-built one.
"""

from __future__ import annotations

import logging
from typing import Final

from signalroom.errors import QueryError
from signalroom.models import Post, Topic
from signalroom.query import MatchDoc, TopicMatcher, parse_query

log = logging.getLogger(__name__)

OUTLET_SOURCES: Final = frozenset({"rss"})
"""Sources whose author is a news outlet with its domain as the handle (``sources.feeds``;
named here, not imported, so workers do not load feedparser)."""


def match_doc(post: Post, lang: str) -> MatchDoc:
    """The post as topic queries see it. A news item's author is its outlet, handle = the
    outlet's domain, so ``site:reuters.com`` finds Reuters' stories even when the link is a
    Google News redirect (``news.google.com/rss/articles/...``)."""
    return MatchDoc.build(
        text=post.text,
        title=post.title,
        author=post.author.handle,
        lang=lang,
        source=post.source,
        url=post.url,
        site=post.author.handle if post.source in OUTLET_SOURCES else "",
    )


class TopicIndex:
    def __init__(self, topics: list[Topic] | None = None) -> None:
        self._matcher = TopicMatcher([])
        self._count = 0
        self.replace(topics or [])

    def replace(self, topics: list[Topic]) -> None:
        compiled = []
        for topic in topics:
            try:
                compiled.append((topic.id, parse_query(topic.query)))
            except QueryError as err:
                # The API refuses bad queries, so this is a stored topic from an older
                # grammar: skip it loudly rather than stop the pipeline.
                log.error(
                    "topic %r (id %d) has an invalid query, skipped: %s", topic.name, topic.id, err
                )
        self._matcher = TopicMatcher(compiled)
        self._count = len(compiled)

    def __len__(self) -> int:
        return self._count

    def match(self, post: Post, lang: str) -> tuple[int, ...]:
        return self._matcher.match(match_doc(post, lang))

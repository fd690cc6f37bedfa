"""The connectors Signalroom knows, and turning ``[[sources]]`` config tables into them.

A source in the config file is a table with a ``name`` (unique; the key of its checkpoint
and of its health), a ``kind`` (which connector), optional ``enabled`` and
``stale_after_minutes``, and the connector's own settings::

    [[sources]]
    name = "bluesky"
    kind = "bluesky"
    langs = ["en", "hu"]

:func:`parse_sources` checks every table (unknown keys, wrong types, secrets that are not
references) and raises ConfigError naming ``sources.<name>.<key>``. Webhook sources take
requests instead of streaming; they are listed and tested like the others.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from signalroom.clock import Clock
from signalroom.errors import ConfigError
from signalroom.models import Topic
from signalroom.secrets import SecretResolver
from signalroom.sources import bluesky, feeds, hackernews, mastodon, reddit, webhook, x, youtube
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.deps import SourceDeps
from signalroom.sources.health import SourceHealth

_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,62}$")
_COMMON: Final = frozenset({"name", "kind", "enabled", "stale_after_minutes"})
STREAMING_STALE_MINUTES: Final = 10.0
"""A live source with no item for this long is shown as stale (a quiet stream or a broken
one: either way, a person should know)."""


@dataclass(frozen=True, slots=True)
class Connector:
    kind: str
    summary: str
    settings: type[Any]
    validate: Callable[[str, Any], None]
    build: Callable[[str, Any, SourceDeps], Source] | None
    """None for a source that takes requests (webhook) instead of streaming."""
    stale_minutes: float


CONNECTORS: Final[Mapping[str, Connector]] = {
    c.kind: c
    for c in (
        Connector(
            bluesky.KIND,
            "Bluesky posts, live, from a public Jetstream (no account)",
            bluesky.BlueskySettings,
            bluesky.validate,
            bluesky.build,
            STREAMING_STALE_MINUTES,
        ),
        Connector(
            mastodon.KIND,
            "Mastodon hashtag and public streams, with REST catch-up (a token per instance)",
            mastodon.MastodonSettings,
            mastodon.validate,
            mastodon.build,
            120.0,
        ),
        Connector(
            feeds.KIND,
            "RSS/Atom feeds and Google News searches (press hits)",
            feeds.RssSettings,
            feeds.validate,
            feeds.build,
            0.0,
        ),
        Connector(
            hackernews.KIND,
            "Hacker News stories and comments (Algolia search, no account)",
            hackernews.HackerNewsSettings,
            hackernews.validate,
            hackernews.build,
            0.0,
        ),
        Connector(
            reddit.KIND,
            "Reddit subreddits and searches (an approved app's client credentials)",
            reddit.RedditSettings,
            reddit.validate,
            reddit.build,
            60.0,
        ),
        Connector(
            x.KIND,
            "X filtered stream, rules kept in sync with topics (a paid bearer token)",
            x.XSettings,
            x.validate,
            x.build,
            STREAMING_STALE_MINUTES,
        ),
        Connector(
            youtube.KIND,
            "YouTube comments on chosen videos and channels (an API key, 10,000 units a day)",
            youtube.YouTubeSettings,
            youtube.validate,
            youtube.build,
            0.0,
        ),
        Connector(
            webhook.KIND,
            "posts pushed to POST /api/ingest/{name}, signed with a shared key",
            webhook.WebhookSettings,
            webhook.validate,
            None,
            0.0,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One configured source, checked."""

    name: str
    kind: str
    settings: Any
    enabled: bool
    stale_after_s: float

    @property
    def connector(self) -> Connector:
        return CONNECTORS[self.kind]


def parse_sources(tables: Sequence[Mapping[str, Any]]) -> list[SourceSpec]:
    """Every ``[[sources]]`` table as a checked SourceSpec, in order."""
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        if not isinstance(table, Mapping):
            raise ConfigError(f"sources[{index}]", "must be a table ([[sources]])")
        name = table.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(
                f"sources[{index}].name",
                "needs a name of lower-case letters, digits, - and _ (e.g. bluesky-en)",
            )
        if name in seen:
            raise ConfigError(f"sources.{name}", "two sources have this name")
        seen.add(name)
        kind = table.get("kind")
        if not isinstance(kind, str) or kind not in CONNECTORS:
            raise ConfigError(
                f"sources.{name}.kind", f"must be one of {', '.join(sorted(CONNECTORS))}"
            )
        connector = CONNECTORS[kind]
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"sources.{name}.enabled", "expected true or false")
        stale = table.get("stale_after_minutes", connector.stale_minutes)
        if isinstance(stale, bool) or not isinstance(stale, int | float) or stale < 0:
            raise ConfigError(f"sources.{name}.stale_after_minutes", "expected minutes >= 0")
        own = {k: v for k, v in table.items() if k not in _COMMON}
        try:
            settings = msgspec.convert(own, connector.settings, strict=False)
        except msgspec.ValidationError as err:
            where, what = _reword(str(err))
            raise ConfigError(f"sources.{name}" + (f".{where}" if where else ""), what) from err
        connector.validate(name, settings)
        specs.append(SourceSpec(name, kind, settings, enabled, float(stale) * 60.0))
    return specs


_AT: Final = re.compile(r"^(?P<what>.*) - at `\$\.?(?P<where>[^`]*)`$")


def _reword(message: str) -> tuple[str, str]:
    """msgspec's "Expected `int`, got `str` - at `$.limit`" as ("limit", "expected int, got
    str"); "Object contains unknown field `colour`" as ("colour", "unknown setting")."""
    match = _AT.match(message)
    what, where = (match["what"], match["where"]) if match else (message, "")
    for phrase, plain in _FIELD_PHRASES.items():
        if what.startswith(phrase):
            field = what.removeprefix(phrase).strip().strip("`")
            where = f"{where}.{field}" if where else field
            what = plain
    what = what.replace("`", "")
    return where, what[:1].lower() + what[1:]


_FIELD_PHRASES: Final = {
    "Object contains unknown field": "unknown setting",
    "Object missing required field": "missing setting",
}


async def check_spec(
    spec: SourceSpec,
    clock: Clock,
    secrets: SecretResolver,
    topics: Callable[[], Sequence[Topic]],
    *,
    timeout_s: float = 30.0,
) -> SourceCheck:
    """Whether a checked source works, and why not: the connector's own check within
    ``timeout_s`` (a webhook source: whether its key can be read). ``sources test`` and
    the console's *Try it* both ask this."""
    build = spec.connector.build
    if build is None:
        return webhook.check(spec.name, spec.settings, secrets)
    health = SourceHealth(spec.name, spec.kind, clock, stale_after_s=spec.stale_after_s)
    source = build(spec.name, spec.settings, SourceDeps(clock, secrets, health, topics))
    try:
        async with asyncio.timeout(timeout_s):
            return await source.check()
    except TimeoutError:
        return SourceCheck(ok=False, detail=f"no answer within {timeout_s:.0f} s")

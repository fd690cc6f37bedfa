"""[[sources]] tables become checked source specs, or a ConfigError naming the setting."""

from __future__ import annotations

from typing import Any

import pytest

from signalroom.errors import ConfigError
from signalroom.sources.registry import CONNECTORS, parse_sources


def test_parse_sources_builds_specs_with_defaults() -> None:
    specs = parse_sources(
        [
            {"name": "bsky-en", "kind": "bluesky", "langs": ["en"]},
            {"name": "partner", "kind": "webhook", "secret": "env:KEY", "enabled": False},
        ]
    )
    assert [(s.name, s.kind, s.enabled) for s in specs] == [
        ("bsky-en", "bluesky", True),
        ("partner", "webhook", False),
    ]
    assert specs[0].settings.langs == ("en",)
    assert specs[0].stale_after_s == 600.0
    assert specs[1].connector is CONNECTORS["webhook"]


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"kind": "bluesky"}, "sources[0].name"),
        ({"name": "Has Space", "kind": "bluesky"}, "sources[0].name"),
        ({"name": "a", "kind": "myspace"}, "sources.a.kind"),
        ({"name": "a", "kind": "bluesky", "enabled": "yes"}, "sources.a.enabled"),
        (
            {"name": "a", "kind": "bluesky", "stale_after_minutes": -1},
            "sources.a.stale_after_minutes",
        ),
        ({"name": "a", "kind": "bluesky", "colour": "red"}, "sources.a.colour"),
        ({"name": "a", "kind": "bluesky", "langs": "en"}, "sources.a.langs"),
        ({"name": "a", "kind": "webhook", "secret": "hunter2"}, "sources.a.secret"),
    ],
)
def test_parse_sources_names_the_bad_setting(table: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sources([table])
    assert caught.value.key == key


def test_parse_sources_refuses_two_sources_with_one_name() -> None:
    table = {"name": "a", "kind": "bluesky"}
    with pytest.raises(ConfigError, match="two sources have this name"):
        parse_sources([table, table])

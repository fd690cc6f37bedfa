"""Every setting, CLI command and HTTP endpoint is documented in docs/."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterator
from pathlib import Path

from signalroom.cli import _parser
from signalroom.config import Config

DOCS = Path(__file__).resolve().parent.parent / "docs"


def command_paths(parser: argparse.ArgumentParser, prefix: str = "signalroom") -> Iterator[str]:
    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subcommands:
        yield prefix
    for action in subcommands:
        for name, child in action.choices.items():
            yield from command_paths(child, f"{prefix} {name}")


def test_docs_cover_every_setting() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    config = Config()
    missing = [
        f"{section.name}.{f.name}"
        for section in dataclasses.fields(config)
        if dataclasses.is_dataclass(getattr(config, section.name))
        for f in dataclasses.fields(getattr(config, section.name))
        if f"`{section.name}.{f.name}`" not in text
    ]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"
    assert "[[sources]]" in text


def test_docs_cover_every_cli_command() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    paths = list(command_paths(_parser()))
    assert len(paths) >= 8
    missing = [path for path in paths if f"`{path}" not in text]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


def test_docs_cover_every_endpoint(tmp_path: Path) -> None:
    from starlette.routing import Route, WebSocketRoute

    from signalroom.bus.memory import MemoryBroadcaster
    from signalroom.clock import SystemClock
    from signalroom.monitor import AlertEngine
    from signalroom.store.sqlite import SqliteStore
    from signalroom.store.sqlite_alerts import SqliteAlertStore
    from signalroom.web.app import WebDeps, create_app
    from signalroom.web.deps import AlertingDeps

    clock = SystemClock()
    store = SqliteStore.open(tmp_path / "signalroom.db")
    alerts = SqliteAlertStore.open(tmp_path / "signalroom.db")
    try:
        # With alerting, so that its routes are listed too.
        alerting = AlertingDeps(AlertEngine(store, alerts, clock), alerts, bytes(32), "", 3600.0)
        app = create_app(
            WebDeps(
                store,
                MemoryBroadcaster(),
                clock,
                health=dict,
                on_topics_changed=lambda: None,
                alerting=alerting,
            )
        )
    finally:
        alerts.close()
        store.close()
    paths = [
        route.path
        for route in app.routes
        if isinstance(route, Route | WebSocketRoute)
        and route.path.startswith(("/api", "/screen", "/ack"))
    ]
    assert "/api/alerts" in paths
    assert len(paths) >= 8
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [path for path in paths if f"`{path}" not in text and f" {path}`" not in text]
    assert not missing, f"endpoints missing from docs/api.md: {missing}"

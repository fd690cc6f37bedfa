"""The roster's start: the file's sources first, then the console's; a stored table that no
longer passes (or whose name the file took since) is listed with why, and not run."""

from __future__ import annotations

from pathlib import Path

import pytest

from signalroom.clock import ManualClock
from signalroom.errors import ConflictError, ValidationError
from signalroom.pipeline.roster import SourceRoster
from signalroom.store.sqlite import SqliteStore

FEED = {"kind": "rss", "feeds": ["https://news.example/acme.xml"]}


def test_load_runs_the_files_and_the_consoles_sources_and_lists_the_broken_ones(
    tmp_path: Path,
) -> None:
    clock = ManualClock(1_700_000_000.0)
    store = SqliteStore.open(tmp_path / "signalroom.db", clock=clock)
    try:
        store.put_source_table("press", {"name": "press", **FEED}, clock.now())
        store.put_source_table("taken", {"name": "taken", **FEED}, clock.now())
        store.put_source_table("broken", {"name": "broken", **FEED, "jitter": "lots"}, clock.now())
        file_tables = [
            {"name": "taken", **FEED},
            {"name": "inbox", "kind": "webhook", "secret": "env:INBOX", "enabled": False},
        ]
        roster = SourceRoster(file_tables, store, clock, store.list_topics)

        built = roster.load()

        assert [s.name for s in built] == ["taken", "press"]
        entries = {e.name: e for e in roster.entries()}
        assert (entries["taken"].origin, entries["press"].origin) == ("config", "console")
        assert entries["inbox"].health is None
        assert not entries["inbox"].enabled
        assert entries["broken"].health is None
        assert "jitter" in entries["broken"].problem
        # The file took "taken" since it was stored: the file's wins, the stored one waits.
        assert entries["taken"].table is None
        assert [s.name for s in roster.snapshots()] == ["taken", "press"]
        assert list(roster.webhooks) == []  # inbox is switched off
    finally:
        store.close()


def test_check_table_names_the_field_and_keeps_the_files_names(tmp_path: Path) -> None:
    clock = ManualClock(1_700_000_000.0)
    store = SqliteStore.open(tmp_path / "signalroom.db", clock=clock)
    try:
        roster = SourceRoster([{"name": "wire", **FEED}], store, clock, store.list_topics)
        with pytest.raises(ValidationError) as caught:
            roster.check_table({"name": "x", **FEED, "poll_interval_s": "often"})
        assert caught.value.field == "poll_interval_s"
        with pytest.raises(ValidationError) as caught:
            roster.check_table({"name": "x", "kind": "webhook", "secret": "hunter2"})
        assert caught.value.field == "secret"
        with pytest.raises(ValidationError) as caught:
            roster.check_table({"name": "x", **FEED}, name="y")
        assert caught.value.field == "name"
        with pytest.raises(ConflictError):
            roster.check_table({"name": "wire", **FEED})
    finally:
        store.close()

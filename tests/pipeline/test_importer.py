"""``signalroom import`` logic end to end: real files, a real SQLite store, the real models
and the real pipeline. Malformed lines become rejects; an import interrupted (in order or
abruptly) and rerun stores every post exactly once; a changed file starts over."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from signalroom.clock import SystemClock
from signalroom.config import PipelineConfig
from signalroom.errors import SourceError, ValidationError
from signalroom.models import TopicDraft
from signalroom.nlp import Enricher
from signalroom.pipeline.importer import (
    ImportProgress,
    ImportSummary,
    format_summary,
    import_file,
    parse_mapping,
    run_import,
)
from signalroom.sources.file_import import default_source_name
from signalroom.store.base import PostQuery
from signalroom.store.sqlite import SqliteStore

CLOCK = SystemClock()
CONFIG = PipelineConfig(batch_size=50, batch_wait_ms=5)


@pytest.fixture(scope="module")
def model() -> Enricher:
    return Enricher.load()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore.open(tmp_path / "data" / "signalroom.db")
    store.create_topic(TopicDraft(name="Acme", query="acme"), CLOCK.now())
    yield store
    store.close()


def line(n: int, text: str | None = None) -> str:
    return json.dumps(
        {
            "id": f"p{n}",
            "author": {"handle": f"user{n % 9}", "followers": n},
            "text": text if text is not None else f"the acme phone number {n} is lovely",
            "created_at": 1_767_000_000 + n,
        }
    )


def write_jsonl(path: Path, count: int) -> Path:
    path.write_text("".join(f"{line(n)}\n" for n in range(count)))
    return path


def stored_ids(store: SqliteStore) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = store.query_posts(PostQuery(limit=500, cursor=cursor))
        ids += [item.post.id for item in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def total_volume(store: SqliteStore) -> int:
    return sum(r.volume for r in store.query_rollups(None, 0, 2e9, "day"))


def test_import_jsonl_counts_every_line(
    tmp_path: Path, store: SqliteStore, model: Enricher
) -> None:
    bad = ["{not json", json.dumps({"id": "x", "text": "acme"}), "[1, 2]"]
    lines = [line(n) for n in range(20)]
    lines += [line(n, text=f"nothing relevant {n}") for n in range(20, 25)]
    lines += [*bad, line(1), line(2)]
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n")

    summary = asyncio.run(import_file(path, store, model, config=CONFIG))

    assert (summary.imported, summary.unmatched, summary.rejected, summary.duplicates) == (
        20,
        5,
        3,
        2,
    )
    assert summary.read == 30
    assert summary.complete
    assert summary.source_name == default_source_name(path)
    assert len(stored_ids(store)) == 20
    assert sorted(r.payload for r in store.list_rejects(source="file")) == sorted(
        b.encode() for b in bad
    )
    item = store.get_post("file:p3")
    assert item.topics == (store.list_topics()[0].id,)
    assert item.enrichment.sentiment.label == "positive"


def test_import_csv_through_a_mapping(tmp_path: Path, store: SqliteStore, model: Enricher) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "ref;writer;message;posted;hearts\n"
        "a1;ann;acme support was quick;2026-01-02T10:00:00Z;4\n"
        "a2;bob;acme never answers;not a date;1\n"
        "a3;cy;unrelated chatter;2026-01-02T10:05:00Z;0\n"
    )
    mapping = parse_mapping(["id=ref", "author=writer", "text=message", "created_at=posted"])

    summary = asyncio.run(import_file(path, store, model, mapping=mapping, config=CONFIG))

    assert (summary.imported, summary.rejected, summary.unmatched) == (1, 1, 1)
    assert summary.mapping.startswith("id←ref, text←message, author←writer, created_at←posted")
    assert "likes←hearts" not in summary.mapping  # "hearts" is not a recognised name
    assert stored_ids(store) == ["file:a1"]
    (reject,) = store.list_rejects()
    assert reject.reason == "created_at: not a date: 'not a date'"
    assert json.loads(reject.payload)["csv"]["row"] == "a2;bob;acme never answers;not a date;1"


def test_import_cancelled_abruptly_then_rerun_loses_and_duplicates_nothing(
    tmp_path: Path, store: SqliteStore, model: Enricher
) -> None:
    path = write_jsonl(tmp_path / "big.jsonl", 2000)

    async def cancel_midway() -> None:
        task: asyncio.Task[ImportSummary] | None = None

        def on_progress(progress: ImportProgress) -> None:
            if progress.imported >= 300 and task is not None:
                task.cancel()

        task = asyncio.create_task(
            import_file(path, store, model, config=CONFIG, on_progress=on_progress)
        )
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_midway())
    first = len(stored_ids(store))
    assert 300 <= first < 2000

    summary = asyncio.run(import_file(path, store, model, config=CONFIG))

    assert summary.resumed_from_line == first  # the checkpoint is exactly what was committed
    assert (summary.imported, summary.duplicates) == (2000 - first, 0)
    assert summary.complete
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)) == 2000
    assert total_volume(store) == 2000


def test_import_stopped_in_order_commits_what_it_read_and_resumes(
    tmp_path: Path, store: SqliteStore, model: Enricher
) -> None:
    path = write_jsonl(tmp_path / "big.jsonl", 1500)

    async def stop_midway() -> ImportSummary:
        stop = asyncio.Event()

        def on_progress(progress: ImportProgress) -> None:
            if progress.imported >= 200:
                stop.set()

        # A short queue, so that the file is not all read (and then drained) at once.
        small = PipelineConfig(queue_size=100, batch_size=50, batch_wait_ms=5)
        return await import_file(
            path, store, model, config=small, on_progress=on_progress, stop=stop
        )

    first = asyncio.run(stop_midway())
    assert not first.complete
    assert "interrupted: run the same command again" in format_summary(first)
    assert first.imported == len(stored_ids(store)) < 1500

    second = asyncio.run(import_file(path, store, model, config=CONFIG))

    assert second.complete
    assert (second.imported, second.duplicates) == (1500 - first.imported, 0)
    assert len(set(stored_ids(store))) == 1500


def test_import_rerun_of_a_finished_file_reads_nothing(
    tmp_path: Path, store: SqliteStore, model: Enricher
) -> None:
    path = write_jsonl(tmp_path / "posts.jsonl", 50)
    asyncio.run(import_file(path, store, model, config=CONFIG))

    again = asyncio.run(import_file(path, store, model, config=CONFIG))

    assert (again.read, again.imported, again.resumed_from_line) == (0, 0, 50)
    assert "nothing new" in format_summary(again)
    restarted = asyncio.run(import_file(path, store, model, config=CONFIG, restart=True))
    assert (restarted.imported, restarted.duplicates) == (0, 50)


def test_import_of_a_changed_file_starts_over(
    tmp_path: Path, store: SqliteStore, model: Enricher
) -> None:
    path = write_jsonl(tmp_path / "posts.jsonl", 100)
    asyncio.run(import_file(path, store, model, config=CONFIG))
    with path.open("a") as handle:
        handle.write("".join(f"{line(n)}\n" for n in range(100, 110)))

    summary = asyncio.run(import_file(path, store, model, config=CONFIG))

    assert summary.started_over
    assert (summary.imported, summary.duplicates) == (10, 100)
    assert "the file changed since the last import" in format_summary(summary)
    assert len(stored_ids(store)) == 110


def test_import_refuses_to_drop_everything_when_there_are_no_topics(
    tmp_path: Path, model: Enricher
) -> None:
    path = write_jsonl(tmp_path / "posts.jsonl", 5)
    store = SqliteStore.open(tmp_path / "empty.db")
    try:
        with pytest.raises(ValidationError, match="no topics"):
            asyncio.run(import_file(path, store, model, config=CONFIG))
        assert store.get_checkpoint(default_source_name(path)) is None

        keep = PipelineConfig(batch_size=50, batch_wait_ms=5, keep_unmatched=True)
        summary = asyncio.run(import_file(path, store, model, config=keep))
        assert (summary.imported, summary.unmatched) == (5, 0)
        assert "stored too" in format_summary(summary)
    finally:
        store.close()


def test_import_of_an_unreadable_file_is_a_source_error(
    tmp_path: Path, store: SqliteStore, model: Enricher
) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        asyncio.run(import_file(tmp_path / "missing.jsonl", store, model))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_run_import_draws_a_bar_on_a_terminal_only(
    tmp_path: Path, store: SqliteStore, model: Enricher
) -> None:
    terminal, log_file = Terminal(), io.StringIO()
    path = write_jsonl(tmp_path / "posts.jsonl", 200)

    summary = run_import(path, store, model, config=CONFIG, progress=terminal)
    run_import(path, store, model, config=CONFIG, progress=log_file, restart=True)

    assert summary.imported == 200
    assert terminal.getvalue().startswith("\r")
    assert "100% [########################] 200 imported" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")
    assert log_file.getvalue() == ""


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["text"], "expected FIELD=COLUMN"),
        (["=body"], "expected FIELD=COLUMN"),
        (["score=stars"], "'score' is not a post field"),
        (["text=a", "text=b"], "mapped twice"),
    ],
)
def test_parse_mapping_refuses_bad_pairs(pairs: list[str], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        parse_mapping(pairs)
    assert caught.value.field == "--map"


def test_parse_mapping_keeps_column_names_with_spaces() -> None:
    assert parse_mapping(["author = User Name", "likes=a=b"]) == {
        "author": "User Name",
        "likes": "a=b",
    }

"""``signalroom import FILE``: run a JSONL or CSV file through the same pipeline as live
posts (normalize → dedupe → match topics → enrich → store), resumably, with a progress bar.

The file is a :class:`~signalroom.sources.file_import.FileSource`; its checkpoint (the offset
after the last committed item) is stored with the posts, so rerunning the same command
continues where an interrupted one stopped, and a file changed since starts over (its posts
already stored count as duplicates). Posts matching no topic are counted as unmatched and,
unless ``pipeline.keep_unmatched``, not stored. Must not parse arguments or choose exit codes
(the CLI does), nor open the store or load the models (the caller hands them in).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

import msgspec

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import Clock, SystemClock
from signalroom.config import PipelineConfig
from signalroom.errors import ValidationError
from signalroom.pipeline.process import EnrichmentModel
from signalroom.pipeline.runner import Pipeline
from signalroom.sources.file_import import (
    POST_FIELDS,
    FileFormat,
    FileImportSettings,
    FileSource,
    default_source_name,
    plan_file,
)
from signalroom.store.base import Store, WriteResult

PROGRESS_EVERY_S: Final = 0.1
BAR_WIDTH: Final = 24


class ImportSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What one run of an import did."""

    path: str
    source_name: str
    format: FileFormat
    resumed_from_line: int
    """Lines already imported by an earlier run (0: read from the start)."""
    started_over: bool
    """A checkpoint was found for another version of the file, so it was read again."""
    read: int
    """Items read in this run."""
    imported: int
    duplicates: int
    unmatched: int
    """Posts that matched no topic; stored only with ``keep_unmatched``."""
    rejected: int
    elapsed_s: float
    posts_per_s: float
    complete: bool
    """The whole file is imported (False when interrupted: rerun to continue)."""
    keep_unmatched: bool
    derived_ids: bool
    """A CSV without an id column: ids were derived from author, time and text."""
    mapping: str
    """CSV: which column fills which post field."""
    problems: tuple[str, ...]
    """CSV rows that could not be read (the first few), each kept as a reject."""


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """Where a running import stands (for the progress bar, or a test)."""

    imported: int
    duplicates: int
    unmatched: int
    rejected: int
    read_bytes: int
    total_bytes: int
    elapsed_s: float
    finished: bool = False
    """The last report of this run."""


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["text=body", "author=user"]`` → ``{"text": "body", "author": "user"}``. Raises
    ValidationError (field ``--map``) for a malformed pair or an unknown post field."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        post_field, sep, column = pair.partition("=")
        post_field, column = post_field.strip(), column.strip()
        if not sep or not post_field or not column:
            raise ValidationError(f"expected FIELD=COLUMN, got {pair!r}", "--map")
        if post_field not in POST_FIELDS:
            raise ValidationError(
                f"{post_field!r} is not a post field (fields: {', '.join(POST_FIELDS)})", "--map"
            )
        if post_field in mapping:
            raise ValidationError(f"{post_field} is mapped twice", "--map")
        mapping[post_field] = column
    return mapping


def run_import(
    path: Path,
    store: Store,
    model: EnrichmentModel,
    *,
    file_format: FileFormat | None = None,
    mapping: Mapping[str, str] | None = None,
    source_name: str | None = None,
    restart: bool = False,
    config: PipelineConfig | None = None,
    clock: Clock | None = None,
    progress: TextIO | None = None,
) -> ImportSummary:
    """Import ``path`` into ``store`` and say what happened. Ctrl+C stops reading, commits
    what was read, and returns (``complete`` False); a second Ctrl+C stops at once.

    ``progress`` (stderr, say) gets a one-line bar when it is a terminal. Raises
    ValidationError for a request that cannot work (format, mapping, no topics) and
    SourceError when the file cannot be read; nothing is stored then.
    """
    bar = _ProgressBar(progress) if progress is not None else None

    async def main() -> ImportSummary:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        with _interrupts(loop, stop):
            return await import_file(
                path,
                store,
                model,
                file_format=file_format,
                mapping=mapping,
                source_name=source_name,
                restart=restart,
                config=config,
                clock=clock,
                on_progress=bar,
                stop=stop,
            )

    try:
        return asyncio.run(main())
    finally:
        if bar is not None:
            bar.close()


async def import_file(
    path: Path,
    store: Store,
    model: EnrichmentModel,
    *,
    file_format: FileFormat | None = None,
    mapping: Mapping[str, str] | None = None,
    source_name: str | None = None,
    restart: bool = False,
    config: PipelineConfig | None = None,
    clock: Clock | None = None,
    on_progress: Callable[[ImportProgress], None] | None = None,
    stop: asyncio.Event | None = None,
) -> ImportSummary:
    """The import itself, on the running loop (see :func:`run_import`). Setting ``stop``
    ends it in order; cancelling it ends it abruptly, and both leave a checkpoint that
    never runs ahead of the committed posts."""
    config = config or PipelineConfig()
    clock = clock or SystemClock()
    settings = FileImportSettings(
        path=str(path), format=file_format, columns=dict(mapping or {}), restart=restart
    )
    plan = await asyncio.to_thread(plan_file, settings)
    if not config.keep_unmatched and not await asyncio.to_thread(store.list_topics):
        raise ValidationError(
            "there are no topics, so every post would be dropped as unmatched: create a "
            "topic first (console, API), or set pipeline.keep_unmatched = true"
        )
    name = source_name or default_source_name(plan.path)
    source = FileSource(name, settings, clock)
    started = time.perf_counter()
    pipeline: Pipeline | None = None

    def on_commit(result: WriteResult, committed_at: float) -> None:
        if on_progress is not None and pipeline is not None:
            on_progress(_progress(pipeline, source, plan.size, started))

    broadcaster = MemoryBroadcaster()
    pipeline = Pipeline(store, broadcaster, model, clock, config, on_commit=on_commit)
    watcher = asyncio.create_task(_watch(stop, pipeline)) if stop is not None else None
    try:
        await pipeline.run([source])
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await broadcaster.close()
    elapsed = time.perf_counter() - started
    if on_progress is not None:
        on_progress(_progress(pipeline, source, plan.size, started, finished=True))
    counters = pipeline.counters
    resume = source.resume
    return ImportSummary(
        path=str(plan.path),
        source_name=name,
        format=plan.format,
        resumed_from_line=resume.from_line if resume is not None else 0,
        started_over=resume.started_over if resume is not None else False,
        read=counters.received,
        imported=counters.stored,
        duplicates=counters.duplicates,
        unmatched=counters.unmatched,
        rejected=counters.rejected,
        elapsed_s=round(elapsed, 3),
        posts_per_s=round(counters.received / elapsed, 1) if elapsed > 0 else 0.0,
        complete=source.finished,
        keep_unmatched=config.keep_unmatched,
        derived_ids=plan.derived_ids,
        mapping=plan.describe_mapping() if plan.format == "csv" else "",
        problems=tuple(source.problems),
    )


def format_summary(summary: ImportSummary) -> str:
    """The summary as the command prints it."""
    lines = [f"{summary.path} ({summary.format})"]
    if summary.mapping:
        lines.append(f"  columns:    {summary.mapping}")
    if summary.derived_ids:
        lines.append("  ids:        no id column: derived from author, time and text")
    if summary.started_over:
        lines.append("  note:       the file changed since the last import: read from the start")
    elif summary.resumed_from_line:
        lines.append(f"  resumed:    after line {summary.resumed_from_line:,}")
    unmatched = (
        "stored too (pipeline.keep_unmatched)"
        if summary.keep_unmatched
        else "not stored (set pipeline.keep_unmatched to keep them)"
    )
    lines += [
        f"  imported:   {summary.imported:,}",
        f"  duplicates: {summary.duplicates:,}",
        f"  unmatched:  {summary.unmatched:,} matched no topic, {unmatched}",
        f"  rejected:   {summary.rejected:,}"
        + (" (see: signalroom rejects list --source file)" if summary.rejected else ""),
        f"  elapsed:    {summary.elapsed_s:.1f} s, {summary.posts_per_s:,.0f} posts/s",
    ]
    lines += [f"  unreadable: {problem}" for problem in summary.problems]
    if not summary.complete:
        lines.append("interrupted: run the same command again to continue where it stopped")
    elif summary.read == 0 and summary.resumed_from_line:
        lines.append("nothing new: this file was already imported (--restart reads it again)")
    return "\n".join(lines)


def _progress(
    pipeline: Pipeline, source: FileSource, size: int, started: float, *, finished: bool = False
) -> ImportProgress:
    counters = pipeline.counters
    return ImportProgress(
        imported=counters.stored,
        duplicates=counters.duplicates,
        unmatched=counters.unmatched,
        rejected=counters.rejected,
        read_bytes=source.offset,
        total_bytes=size,
        elapsed_s=time.perf_counter() - started,
        finished=finished,
    )


async def _watch(stop: asyncio.Event, pipeline: Pipeline) -> None:
    await stop.wait()
    pipeline.stop()


@contextlib.contextmanager
def _interrupts(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> Iterator[None]:
    """First Ctrl+C: stop in order (commit what was read); second: stop at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt() -> None:
        if stop.is_set():
            # Stops the loop where it is; the committed checkpoint says where to resume.
            raise KeyboardInterrupt
        stop.set()

    loop.add_signal_handler(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


class _ProgressBar:
    """A one-line bar on a terminal, redrawn at most ten times a second; silent when the
    stream is not a terminal (a log file wants the summary, not 10 lines a second)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._enabled = _is_terminal(stream)
        self._last = 0.0
        self._open = False

    def __call__(self, progress: ImportProgress) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY_S and not progress.finished:
            return
        self._last = now
        fraction = progress.read_bytes / progress.total_bytes if progress.total_bytes else 1.0
        fraction = min(max(fraction, 0.0), 1.0)
        filled = round(fraction * BAR_WIDTH)
        rate = progress.imported / progress.elapsed_s if progress.elapsed_s > 0 else 0.0
        self._stream.write(
            f"\r{fraction:4.0%} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{progress.imported:,} imported, {progress.duplicates:,} duplicates, "
            f"{progress.rejected:,} rejected, {rate:,.0f} posts/s\x1b[K"
        )
        self._open = True
        if progress.finished:
            self.close()
        self._stream.flush()

    def close(self) -> None:
        """End the bar's line, so what is printed next starts on its own."""
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

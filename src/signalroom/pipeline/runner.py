"""The pipeline's runner: sources → bounded queue → batch processing (off the loop) →
single writer (off the loop) → live bus.

Ordering is what makes restarts safe: batches are committed in the order their items
arrived, and a source's checkpoint is written in the same transaction as the batch that
reached it, so it never runs ahead of committed posts. Queues are bounded, so a slow
store slows the sources instead of filling memory.

Pushed items (webhook ingest) come in through :meth:`Pipeline.submit`: one request's items
travel the same stages as one unit, are committed in one transaction of their own (posts
and rejects together, or nothing), and the caller awaits that commit's outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, Literal

import msgspec

from signalroom.bus.base import LIVE_CHANNEL, Broadcaster
from signalroom.clock import Clock, to_iso
from signalroom.config import PipelineConfig
from signalroom.errors import AuthError
from signalroom.models import RawItem, Reject
from signalroom.pipeline.dedupe import RecentIds
from signalroom.pipeline.neardup import NearDupIndex
from signalroom.pipeline.pool import ModelFactory, WorkerPool, WorkerSetup, worker_model_factory
from signalroom.pipeline.process import (
    EnrichmentModel,
    Job,
    Processed,
    ProcessedBatch,
    ProcessedSubmission,
    Processor,
    Sourced,
    Submission,
    with_dup_groups,
)
from signalroom.pipeline.topics import TopicIndex
from signalroom.sources.base import Source, SourceState
from signalroom.store.base import Store, WriteBatch, WriteResult
from signalroom.wire import post_updated_event, posts_deleted_event, posts_event, rollups_event

log = logging.getLogger(__name__)

_END: Literal["end"] = "end"
_MAX_BACKOFF_S = 60.0
_ISOLATE_AFTER_FAILURES = 3


async def _join(tasks: list[asyncio.Task[None]]) -> None:
    await asyncio.gather(*tasks)


class SourceHealth(msgspec.Struct):
    name: str
    kind: str
    state: SourceState = "starting"
    items: int = 0
    errors: int = 0
    last_item_at: float | None = None
    last_error: str | None = None
    failing_since: float | None = None


class Counters(msgspec.Struct):
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    unmatched: int = 0
    batches: int = 0
    write_failures: int = 0
    last_commit_at: float | None = None


CommitHook = Callable[[WriteResult, float], None]


class SubmitResult(msgspec.Struct, frozen=True):
    """What became of one submission's items, once committed. Every item is counted once:
    ``accepted + duplicates + unmatched + len(rejected)`` is the number submitted (an item
    the store itself refuses, which is kept as a reject, is the one exception)."""

    accepted: int
    """New posts, now stored."""
    duplicates: int
    """Posts already stored (or repeated within the submission): nothing changed."""
    unmatched: int
    """Valid posts that matched no topic and were not stored (``pipeline.keep_unmatched``)."""
    rejected: tuple[tuple[int, str], ...]
    """``(index, reason)`` of each item that could not become a post, by index; each is
    stored as a reject with its raw payload, in the same transaction as the posts."""


class _Submission:
    """Pushed items on their way through the queue, with the future their sender awaits."""

    __slots__ = ("future", "items", "source_name")

    def __init__(
        self, items: tuple[RawItem, ...], source_name: str, future: asyncio.Future[SubmitResult]
    ) -> None:
        self.items = items
        self.source_name = source_name
        self.future = future


class _InFlight:
    """A job on its way to the writer: its result (a future while a worker process
    holds it) and, for a submission, the future its sender awaits."""

    __slots__ = ("result", "sender")

    def __init__(
        self,
        result: asyncio.Future[Processed],
        sender: asyncio.Future[SubmitResult] | None = None,
    ) -> None:
        self.result = result
        self.sender = sender


class Pipeline:
    def __init__(
        self,
        store: Store,
        broadcaster: Broadcaster,
        model: EnrichmentModel,
        clock: Clock,
        config: PipelineConfig,
        on_commit: CommitHook | None = None,
        retry_backoff_s: float = 0.5,
        *,
        max_pending_submissions: int = 8,
        submit_wait_s: float = 5.0,
        commit_wait_s: float = 30.0,
        model_factory: ModelFactory | None = None,
    ) -> None:
        """``max_pending_submissions`` bounds the pushed requests held at once (each up to a
        request's size); ``submit_wait_s`` is how long :meth:`submit` waits for room before
        giving up, ``commit_wait_s`` how long it then waits for the commit.
        ``model_factory`` builds each worker process's model (``config.workers`` > 0); by
        default an :class:`~signalroom.nlp.Enricher` like ``model``."""
        self._store = store
        self._broadcaster = broadcaster
        self._clock = clock
        self._config = config
        self._on_commit = on_commit
        self._retry_backoff_s = retry_backoff_s
        self._model = model
        self._model_factory = model_factory or worker_model_factory(model)
        if config.workers and self._model_factory is None:
            raise ValueError("pipeline.workers > 0 needs a model_factory for this model")
        self._topic_list = tuple(store.list_topics())
        self.topics = TopicIndex(list(self._topic_list))
        self._neardup = (
            NearDupIndex(config.neardup_distance, config.neardup_capacity, config.neardup_window_s)
            if config.neardup_capacity
            else None
        )
        self._processor = Processor(
            model,
            self.topics,
            RecentIds(config.dedupe_cache),
            config.keep_unmatched,
            # With worker processes, batches are grouped in commit order by the writer.
            neardup=None if config.workers else self._neardup,
        )
        self._pool: WorkerPool | None = None
        self.workers_peak_rss_mb = 0.0
        """The sum of the worker processes' peak resident memory in the last run (each
        reports its own as it stops; a worker that died reports nothing)."""
        self.counters = Counters()
        self._sources: dict[str, SourceHealth] = {}
        self._raw: asyncio.Queue[Sourced | _Submission | Literal["end"]] = asyncio.Queue(
            config.queue_size
        )
        # With workers, enough jobs in flight to keep each busy while one is handed over.
        self._processed: asyncio.Queue[_InFlight | Literal["end"]] = asyncio.Queue(
            2 * config.workers + 1 if config.workers else 2
        )
        self._submission_slots = asyncio.Semaphore(max_pending_submissions)
        self._submit_wait_s = submit_wait_s
        self._commit_wait_s = commit_wait_s
        self._submitted: set[asyncio.Future[SubmitResult]] = set()
        self._stop = asyncio.Event()
        self._running = False
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._waiting: list[Source] = []

    def reload_topics(self) -> None:
        """Recompile the topics from the store (called after a topic is saved or deleted);
        worker processes get them before their next job."""
        topics = self._store.list_topics()
        self.topics.replace(topics)
        self._topic_list = tuple(topics)
        pool = self._pool
        if pool is not None:
            pool.set_topics(self._topic_list)

    @property
    def pool(self) -> WorkerPool | None:
        """The worker processes of the current run (``config.workers`` > 0), if running."""
        return self._pool

    def stop(self) -> None:
        """Ask ``run`` to stop its sources, drain what it holds, and return."""
        self._stop.set()

    async def run(self, sources: Sequence[Source], *, until_stopped: bool = False) -> None:
        """Run until every source is exhausted or ``stop()`` is called; everything received
        by then is committed before this returns. With ``until_stopped`` it keeps running
        (taking submissions) after its sources are exhausted, until ``stop()``."""
        names = [s.name for s in [*sources, *self._waiting]]
        if len(set(names)) != len(names):
            raise ValueError(f"source names must be unique, got {names}")
        self._running = True
        if self._config.workers and self._model_factory is not None:
            self._pool = WorkerPool(
                self._config.workers,
                WorkerSetup(
                    self._model_factory,
                    self._topic_list,
                    None,
                    self._config.dedupe_cache,
                    self._config.keep_unmatched,
                ),
                self._model,
                self._processor.run,
            )
            self._pool.start()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._process_loop())
                group.create_task(self._write_loop())
                waiting, self._waiting = self._waiting, []
                pumps = [self._start_pump(source) for source in [*sources, *waiting]]
                stopper = asyncio.create_task(self._wait_for_stop())
                pumps_done = asyncio.create_task(_join(pumps))
                try:
                    await asyncio.wait(
                        {stopper} if until_stopped else {pumps_done, stopper},
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    every = [*self._pumps.values(), stopper, pumps_done]
                    self._pumps.clear()
                    for task in every:
                        task.cancel()
                    for task in every:
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                # Only an orderly stop drains; a cancelled run stops where it is, and
                # the checkpoints in the store say where to resume.
                await self._raw.put(_END)
        finally:
            self._running = False
            pool, self._pool = self._pool, None
            if pool is not None:
                await pool.close()
                self.workers_peak_rss_mb = pool.peak_rss_mb
            for health in self._sources.values():
                health.state = "stopped"
            for future in self._submitted:
                if not future.done():
                    future.set_exception(
                        TimeoutError("the pipeline stopped before committing these items")
                    )

    async def _wait_for_stop(self) -> None:
        await self._stop.wait()

    def _start_pump(self, source: Source) -> asyncio.Task[None]:
        task = asyncio.create_task(self._pump(source), name=f"source {source.name}")
        self._pumps[source.name] = task
        return task

    def add_source(self, source: Source) -> None:
        """Start reading one more source (added from the console), from its stored
        checkpoint: at once while running, else when ``run`` starts. Raises ValueError when
        a source of that name runs already."""
        if not self._running:
            self._waiting.append(source)  # started by run()
            return
        running = self._pumps.get(source.name)
        if running is not None and not running.done():
            raise ValueError(f"a source named {source.name!r} is running already")
        self._start_pump(source)

    async def remove_source(self, name: str) -> None:
        """Stop reading a source (removed or about to be replaced). What it delivered is
        committed in order as usual and its checkpoint stays in the store, so a source
        added again under the same name resumes where this one stopped."""
        task = self._pumps.pop(name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._sources.pop(name, None)

    async def _pump(self, source: Source) -> None:
        health = self._sources.setdefault(source.name, SourceHealth(source.name, source.kind))
        since = await asyncio.to_thread(self._store.get_checkpoint, source.name)
        backoff = 1.0
        while True:
            try:
                async for item in source.stream(since):
                    if health.state != "connected":
                        if health.failing_since is not None:
                            log.info("source %s recovered", source.name)
                        health.state, health.failing_since = "connected", None
                        backoff = 1.0
                    health.items += 1
                    health.last_item_at = item.received_at
                    await self._raw.put(Sourced(source.name, item))
                    if item.checkpoint is not None:
                        since = item.checkpoint
                health.state = "stopped"
                return
            except asyncio.CancelledError:
                raise
            except Exception as err:
                health.errors += 1
                health.last_error = f"{type(err).__name__}: {err}"
                if health.failing_since is None:
                    # Log once when it starts failing and once when it recovers.
                    log.warning("source %s failed, retrying with backoff: %s", source.name, err)
                    health.failing_since = self._clock.now()
                health.state = "auth_failed" if isinstance(err, AuthError) else "failing"
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _restore_neardup(self) -> None:
        """Refill the near-duplicate index from the recently stored posts, so that a
        restart does not split a group; runs once, before the first batch."""
        index = self._neardup
        if index is None or len(index):
            return
        since = self._clock.now() - index.window_s
        index.restore(self._store.recent_fingerprints(since, index.capacity))

    async def _process_loop(self) -> None:
        await asyncio.to_thread(self._restore_neardup)
        loop = asyncio.get_running_loop()
        size, wait_s = self._config.batch_size, self._config.batch_wait_ms / 1000
        finished = False
        held: _Submission | None = None
        while not finished:
            first = held if held is not None else await self._raw.get()
            held = None
            if first == _END:
                break
            if isinstance(first, _Submission):
                # Alone, so that its items share one transaction with nothing else.
                job = Submission(first.items, first.source_name)
                await self._processed.put(await self._start_job(job, first.future))
                continue
            batch = [first]
            deadline = loop.time() + wait_s
            while len(batch) < size:
                try:
                    item = self._raw.get_nowait()
                except asyncio.QueueEmpty:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(self._raw.get(), remaining)
                    except TimeoutError:
                        break
                if item == _END:
                    finished = True
                    break
                if isinstance(item, _Submission):
                    held = item
                    break
                batch.append(item)
            await self._processed.put(await self._start_job(tuple(batch)))
        await self._processed.put(_END)

    async def _start_job(
        self, job: Job, sender: asyncio.Future[SubmitResult] | None = None
    ) -> _InFlight:
        """Hand the job to a worker process, or process it on a thread here and now."""
        if self._pool is not None:
            return _InFlight(self._pool.submit(job), sender)
        result: asyncio.Future[Processed] = asyncio.get_running_loop().create_future()
        result.set_result(await asyncio.to_thread(self._processor.run, job))
        return _InFlight(result, sender)

    async def _write_loop(self) -> None:
        while (entry := await self._processed.get()) != _END:
            assert not isinstance(entry, str)
            processed = await entry.result
            batch = processed.batch if isinstance(processed, ProcessedSubmission) else processed
            if self._pool is not None and self._neardup is not None:
                batch = await asyncio.to_thread(self._group, self._neardup, batch)
            result = await self._commit(batch)
            sender = entry.sender
            if isinstance(processed, ProcessedSubmission) and sender and not sender.done():
                sender.set_result(_outcome(processed, result))

    @staticmethod
    def _group(index: NearDupIndex, batch: ProcessedBatch) -> ProcessedBatch:
        try:
            return with_dup_groups(index, batch)
        except Exception:
            # Grouping is an enrichment: a bug in it must not lose the posts.
            log.exception(
                "near-duplicate grouping failed; %d posts stored ungrouped", len(batch.posts)
            )
            return batch

    async def _commit(self, processed: ProcessedBatch) -> WriteResult | None:
        """Write one processed batch, count it and announce it; None when there was
        nothing to write."""
        self.counters.received += processed.received
        self.counters.duplicates += processed.duplicates
        self.counters.unmatched += processed.unmatched
        if not (
            processed.posts
            or processed.rejects
            or processed.checkpoints
            or processed.revisions
            or processed.deletions
        ):
            return None
        batch = WriteBatch(
            posts=processed.posts,
            rejects=processed.rejects,
            checkpoints=processed.checkpoints,
            revisions=processed.revisions,
            deletions=processed.deletions,
        )
        result = await self._write(batch)
        committed_at = self._clock.now()
        self.counters.stored += len(result.inserted)
        self.counters.duplicates += result.duplicates
        self.counters.rejected += result.rejects
        self.counters.batches += 1
        self.counters.last_commit_at = committed_at
        if self._on_commit is not None:
            self._on_commit(result, committed_at)
        if result.inserted:
            await self._broadcaster.publish(LIVE_CHANNEL, posts_event(result.inserted))
        if result.rollups:
            await self._broadcaster.publish(LIVE_CHANNEL, rollups_event(result.rollups))
        for item in result.revised:
            await self._broadcaster.publish(LIVE_CHANNEL, post_updated_event(item))
        if result.deleted:
            await self._broadcaster.publish(LIVE_CHANNEL, posts_deleted_event(result.deleted))
        return result

    async def _write(self, batch: WriteBatch) -> WriteResult:
        """Commit the batch. Nothing is dropped while the store is unavailable: the write is
        retried with backoff while the bounded queues hold the sources back. A batch the
        store keeps refusing while it accepts other writes holds a post it cannot store;
        that post is isolated and kept as a reject so it cannot block ingestion forever."""
        backoff = self._retry_backoff_s
        failures = 0
        while True:
            try:
                return await asyncio.to_thread(self._store.write_batch, batch)
            except Exception as err:
                failures += 1
                self.counters.write_failures += 1
                if failures == 1:
                    log.error("store write failed, retrying with backoff: %s", err)
                if (
                    failures >= _ISOLATE_AFTER_FAILURES
                    and batch.posts
                    and await self._store_works()
                ):
                    isolated = await self._write_isolating(batch)
                    if isolated is not None:
                        return isolated
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)

    async def _store_works(self) -> bool:
        try:
            await asyncio.to_thread(self._store.write_batch, WriteBatch())
        except Exception:
            return False
        return True

    async def _write_isolating(self, batch: WriteBatch) -> WriteResult | None:
        """Write the batch's posts one by one; those refused become rejects. Returns None
        (retry the whole batch) if even the rejects cannot be written."""
        results: list[WriteResult] = []
        rejects = list(batch.rejects)
        for item in batch.posts:
            try:
                results.append(
                    await asyncio.to_thread(self._store.write_batch, WriteBatch(posts=(item,)))
                )
            except Exception as err:
                log.error("the store refused post %s; kept as a reject: %s", item.post.id, err)
                rejects.append(
                    Reject(
                        source=item.post.source,
                        reason=f"store refused the post: {err}",
                        payload=repr(item.post).encode("utf-8", "backslashreplace"),
                        received_at=item.post.received_at,
                    )
                )
        try:
            last = await asyncio.to_thread(
                self._store.write_batch,
                WriteBatch(
                    rejects=tuple(rejects),
                    checkpoints=batch.checkpoints,
                    revisions=batch.revisions,
                    deletions=batch.deletions,
                ),
            )
        except Exception:
            return None
        rollups = {(r.topic_id, r.bucket_start): r for res in results for r in res.rollups}
        return WriteResult(
            inserted=tuple(i for res in results for i in res.inserted),
            duplicates=sum(res.duplicates for res in results),
            rejects=last.rejects,
            rollups=tuple(rollups.values()),
            revised=last.revised,
            deleted=last.deleted,
        )

    async def submit(self, items: Sequence[RawItem], source_name: str) -> SubmitResult:
        """Push ``items`` through the pipeline as one unit and return once they are
        committed, all in one transaction (posts and rejects), with what became of each.

        Raises TimeoutError when the pipeline cannot take them within ``submit_wait_s``
        (it is busy or not running), or has not committed them within ``commit_wait_s``
        (the store is slow; they may still be committed later: a resend is deduplicated).
        """
        if not self._running or self._stop.is_set():
            raise TimeoutError("the pipeline is not running")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._submit_wait_s
        try:
            await asyncio.wait_for(self._submission_slots.acquire(), self._submit_wait_s)
        except TimeoutError:
            raise TimeoutError("the pipeline is busy") from None
        future: asyncio.Future[SubmitResult] = loop.create_future()
        submission = _Submission(tuple(items), source_name, future)
        # Tracked before it is queued, so that a run ending meanwhile fails it, not strands it.
        self._submitted.add(future)
        try:
            try:
                self._raw.put_nowait(submission)
            except asyncio.QueueFull:
                await asyncio.wait_for(self._raw.put(submission), deadline - loop.time())
        except BaseException as err:
            self._submitted.discard(future)
            self._submission_slots.release()
            if future.done():
                future.exception()
            else:
                future.cancel()
            if isinstance(err, TimeoutError):
                raise TimeoutError("the pipeline is busy") from None
            raise
        future.add_done_callback(self._submission_done)
        try:
            # Shielded: a sender who stops waiting does not cancel the commit.
            return await asyncio.wait_for(asyncio.shield(future), self._commit_wait_s)
        except TimeoutError:
            if future.done():
                raise  # the pipeline stopped before committing them
            raise TimeoutError("the items were not committed in time") from None

    def _submission_done(self, future: asyncio.Future[SubmitResult]) -> None:
        self._submitted.discard(future)
        self._submission_slots.release()
        if not future.cancelled():
            future.exception()  # retrieved: a sender who gave up must not leave it unread

    def health(self) -> dict[str, Any]:
        counters = self.counters
        return {
            "state": "running" if self._running else "stopped",
            "topics": len(self.topics),
            "received": counters.received,
            "stored": counters.stored,
            "duplicates": counters.duplicates,
            "rejected": counters.rejected,
            "unmatched": counters.unmatched,
            "write_failures": counters.write_failures,
            "queue": self._raw.qsize(),
            "queue_size": self._config.queue_size,
            "last_commit_at": to_iso(counters.last_commit_at) if counters.last_commit_at else None,
            # None when batches are processed in this process (pipeline.workers = 0).
            "workers": self._pool.status() if self._pool is not None else None,
            "sources": [
                {
                    "name": h.name,
                    "kind": h.kind,
                    "state": h.state,
                    "items": h.items,
                    "errors": h.errors,
                    "last_item_at": to_iso(h.last_item_at) if h.last_item_at else None,
                    "last_error": h.last_error,
                    "failing_since": to_iso(h.failing_since) if h.failing_since else None,
                }
                for h in self._sources.values()
            ],
        }


def _outcome(processed: ProcessedSubmission, result: WriteResult | None) -> SubmitResult:
    batch = processed.batch
    return SubmitResult(
        accepted=len(result.inserted) if result is not None else 0,
        duplicates=batch.duplicates + (result.duplicates if result is not None else 0),
        unmatched=batch.unmatched,
        rejected=processed.rejected,
    )

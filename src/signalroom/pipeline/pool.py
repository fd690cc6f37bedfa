"""Worker processes for the CPU-bound middle of the pipeline (``pipeline.workers`` > 0).

On a machine with several cores, the batch processing (normalize → dedupe → language →
match topics → enrich) runs in worker processes, so that it does not share one
interpreter lock with the event loop and the store's writer. :class:`WorkerPool` hands
each job to the least busy worker that is ready and returns a future of its result; the
runner queues those futures in arrival order, so batches are still grouped and committed
in order whatever finishes first.

Guarantees:

- **Each worker loads the models once**, at start (a second or two); until one is ready,
  and whenever none is, jobs are processed in this process, as with ``workers = 0``, so
  start-up and restarts never stall ingestion.
- **Topics and moderation rules follow**: a worker is sent the current topics
  (:meth:`WorkerPool.set_topics`) and the model's current rules (``Enricher.rules``,
  compared by identity) before any job sent after they changed.
- **A worker that dies is replaced** and its unfinished jobs are sent again (the one it
  was working on only to another worker, never here: it may be what kills processes). A
  job that was being processed when two workers died is sent again one item per job, and
  an item that kills a worker on its own is kept as a reject with its payload, so one
  poisonous item neither loses its batch nor stalls ingestion in a crash loop.
- **Clean shutdown**: :meth:`WorkerPool.close` stops every worker, joins its process and
  its two threads (one feeds it, one reads its answers), and kills a worker that does not
  stop within the timeout.

Results come back pickled; the reading happens on the worker's reader thread, off the
event loop. This module must not touch the store or the bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import queue
import resource
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Final, Literal

from signalroom.models import ModerationRule, Reject, Topic
from signalroom.nlp.enricher import Enricher
from signalroom.nlp.moderation_rules import RuleSet
from signalroom.pipeline.dedupe import RecentIds
from signalroom.pipeline.process import (
    EnrichmentModel,
    Job,
    Processed,
    ProcessedBatch,
    ProcessedSubmission,
    Processor,
    Submission,
)
from signalroom.pipeline.topics import TopicIndex

log = logging.getLogger(__name__)

MAX_DEATHS: Final = 2
"""A job that was being processed when this many workers died is processed here."""
STOP_TIMEOUT_S: Final = 10.0
_MAX_RESTART_DELAY_S: Final = 60.0
_STOP: Final = "stop"

ModelFactory = Callable[[], EnrichmentModel]
"""Builds a worker's model; must be picklable (a module-level function or a partial)."""


@dataclass(frozen=True, slots=True)
class WorkerSetup:
    """What a worker process starts from (pickled into it)."""

    model_factory: ModelFactory
    topics: tuple[Topic, ...]
    rules: tuple[ModerationRule, ...] | None
    """The moderation rules (compiled in the worker: a compiled set is not sent)."""
    dedupe_cache: int
    keep_unmatched: bool


ToWorker = (
    tuple[Literal["topics"], tuple[Topic, ...]]
    | tuple[Literal["rules"], tuple[ModerationRule, ...]]
    | tuple[Literal["job"], Job]
    | None
)
FromWorker = (
    tuple[Literal["ready"], None] | tuple[Literal["done"], Processed] | tuple[Literal["bye"], float]
)


def serve(jobs: Connection, results: Connection, setup: WorkerSetup) -> None:
    """A worker process's main: load the model, then process jobs in order until told to
    stop (``None``) or its pipe closes."""
    model = setup.model_factory()
    if setup.rules is not None and isinstance(model, Enricher):
        model.set_rules(RuleSet(setup.rules))
    topics = TopicIndex(list(setup.topics))
    processor = Processor(model, topics, RecentIds(setup.dedupe_cache), setup.keep_unmatched)
    results.send(("ready", None))
    while True:
        try:
            message: ToWorker = jobs.recv()
        except (EOFError, OSError):
            return
        if message is None:
            break
        if message[0] == "topics":
            topics.replace(list(message[1]))
        elif message[0] == "rules":
            if isinstance(model, Enricher):
                model.set_rules(RuleSet(message[1]))
        else:
            results.send(("done", processor.run(message[1])))
    results.send(("bye", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


class _Pending:
    __slots__ = ("deaths", "future", "job", "single")

    def __init__(self, job: Job, future: asyncio.Future[Processed], single: bool = False) -> None:
        self.job = job
        self.future = future
        self.deaths = 0
        self.single = single
        """One item of a job that kept killing workers: if it kills one too, it is the
        poisonous item, kept as a reject."""


class _Worker:
    """One worker process, the thread that feeds it and the thread that reads from it."""

    def __init__(self, slot: int, setup: WorkerSetup, pool: WorkerPool) -> None:
        context = multiprocessing.get_context("spawn")
        job_reader, job_writer = context.Pipe(duplex=False)
        result_reader, result_writer = context.Pipe(duplex=False)
        self.slot = slot
        self.process = context.Process(
            target=serve,
            args=(job_reader, result_writer, setup),
            name=f"signalroom-worker-{slot}",
            daemon=True,
        )
        self.process.start()
        # Our copies of the worker's ends are closed, so that its death reads as EOF.
        job_reader.close()
        result_writer.close()
        self.ready = False
        self.in_flight: deque[_Pending] = deque()
        self.topics_version = pool.topics_version
        self.rules = pool.current_rules()
        self._pool = pool
        self._jobs = job_writer
        self._results = result_reader
        self._outbox: queue.SimpleQueue[ToWorker | Literal["stop"]] = queue.SimpleQueue()
        self._feeder = threading.Thread(
            target=self._feed, name=f"signalroom-worker-{slot}-feed", daemon=True
        )
        self._reader = threading.Thread(
            target=self._read, name=f"signalroom-worker-{slot}-read", daemon=True
        )
        self._feeder.start()
        self._reader.start()

    def send(self, message: ToWorker) -> None:
        self._outbox.put(message)

    def stop(self) -> None:
        self._outbox.put(_STOP)

    def join(self, timeout_s: float) -> None:
        """Wait for the process to stop (killing it after ``timeout_s``) and for both
        threads to end. Blocking: call from a thread."""
        self.process.join(timeout_s)
        if self.process.is_alive():
            log.warning("worker process %s did not stop; killing it", self.process.pid)
            self.process.kill()
            self.process.join()
        self._outbox.put(_STOP)
        self._feeder.join()
        self._reader.join()
        self._jobs.close()
        self._results.close()
        self.process.close()

    def _feed(self) -> None:
        # Sends can block while the worker is busy (a batch is bigger than the pipe's
        # buffer), so they happen here rather than on the event loop.
        while (message := self._outbox.get()) != _STOP:
            try:
                self._jobs.send(message)
            except (OSError, ValueError):
                return  # the worker is gone; the reader reports it
        with contextlib.suppress(OSError, ValueError):
            self._jobs.send(None)

    def _read(self) -> None:
        while True:
            try:
                message: FromWorker = self._results.recv()
            except (EOFError, OSError):
                break
            self._pool.notify(self, message)
        self._pool.notify(self, None)


class WorkerPool:
    """``count`` worker processes, replaced when they die; lives for one pipeline run.
    Every method but :meth:`set_topics` and :meth:`notify` is called on the event loop."""

    def __init__(
        self,
        count: int,
        setup: WorkerSetup,
        model: EnrichmentModel,
        local: Callable[[Job], Processed],
    ) -> None:
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        self._count = count
        self._setup = setup
        self._model = model
        self._local = local
        self._local_lock = asyncio.Lock()
        self._local_tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.get_running_loop()
        self._versions = itertools.count(1)
        self._topics: tuple[int, tuple[Topic, ...]] = (0, setup.topics)
        self._workers: list[_Worker | None] = [None] * count
        self._retired: list[_Worker] = []
        self._parked: list[_Pending] = []
        self._restart_delay_s = [0.5] * count
        self._restarts: list[asyncio.TimerHandle] = []
        self._closing = False
        self._ready = asyncio.Event()
        self.restarts = 0
        """How many workers were replaced after dying."""
        self.local_jobs = 0
        """How many jobs were processed in this process (no worker ready, or a job that
        killed workers)."""
        self.peak_rss_mb = 0.0
        """The sum of the stopped workers' peak resident memory (reported as they stop)."""

    @property
    def topics_version(self) -> int:
        return self._topics[0]

    @property
    def ready(self) -> int:
        """How many workers are ready for jobs."""
        return sum(1 for worker in self._workers if worker is not None and worker.ready)

    async def wait_ready(self) -> None:
        """Wait until a worker is ready (for tests and benchmarks)."""
        await self._ready.wait()

    def status(self) -> dict[str, int | float]:
        """What ``/api/health`` shows of the pool: how many workers are wanted, ready and
        alive, how many were replaced after dying, and how many jobs ran in this process."""
        return {
            "wanted": self._count,
            "ready": self.ready,
            "alive": sum(1 for w in self._workers if w is not None and w.process.is_alive()),
            "restarts": self.restarts,
            "local_jobs": self.local_jobs,
        }

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w is not None and w.process.pid]

    def start(self) -> None:
        for slot in range(self._count):
            self._start(slot)

    def set_topics(self, topics: tuple[Topic, ...]) -> None:
        """Use ``topics`` for every job submitted from now on (one reference swap: safe
        from any thread)."""
        self._topics = (next(self._versions), topics)

    def submit(self, job: Job) -> asyncio.Future[Processed]:
        future: asyncio.Future[Processed] = self._loop.create_future()
        self._dispatch(_Pending(job, future))
        return future

    def notify(self, worker: _Worker, message: FromWorker | None) -> None:
        """Called by a worker's reader thread: a message, or ``None`` when it exited."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            self._loop.call_soon_threadsafe(self._handle, worker, message)

    async def close(self) -> None:
        """Stop the workers and wait for them; unfinished jobs are cancelled."""
        self._closing = True
        for handle in self._restarts:
            handle.cancel()
        workers = [w for w in self._workers if w is not None] + self._retired
        for worker in workers:
            worker.stop()
            if (not worker.ready or worker.in_flight) and worker.process.is_alive():
                # Still loading its models (it would only read the stop once loaded), or
                # busy with jobs nobody will wait for (a cancelled run).
                worker.process.terminate()
        for task in list(self._local_tasks):
            task.cancel()
        for task in list(self._local_tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await asyncio.to_thread(_join_all, workers)
        finally:
            for worker in workers:
                for pending in worker.in_flight:
                    pending.future.cancel()
                worker.in_flight.clear()
            for pending in self._parked:
                pending.future.cancel()
            self._parked.clear()

    # -- internals -----------------------------------------------------------------------
    def _start(self, slot: int) -> None:
        if self._closing:
            return
        setup = self._setup
        rules = self.current_rules()
        setup = WorkerSetup(
            setup.model_factory,
            self._topics[1],
            rules.rules if rules is not None else None,
            setup.dedupe_cache,
            setup.keep_unmatched,
        )
        self._workers[slot] = _Worker(slot, setup, self)

    def current_rules(self) -> RuleSet | None:
        """The model's moderation rules, which the workers follow."""
        return self._model.rules if isinstance(self._model, Enricher) else None

    def _dispatch(self, pending: _Pending) -> None:
        if pending.deaths >= (1 if pending.single else MAX_DEATHS):
            self._isolate(pending)
            return
        ready = [w for w in self._workers if w is not None and w.ready]
        if not ready or self._closing:
            if pending.deaths or pending.single:
                # It may be what kills workers: only another worker may try it.
                self._parked.append(pending)
            else:
                self._spawn_task(self._run_locally(pending))
            return
        worker = min(ready, key=lambda w: len(w.in_flight))
        version, topics = self._topics
        if worker.topics_version != version:
            worker.send(("topics", topics))
            worker.topics_version = version
        rules = self.current_rules()
        if rules is not None and worker.rules is not rules:
            worker.send(("rules", rules.rules))
            worker.rules = rules
        worker.in_flight.append(pending)
        worker.send(("job", pending.job))

    def _spawn_task(self, work: Coroutine[None, None, None]) -> None:
        task = asyncio.create_task(work)
        self._local_tasks.add(task)
        task.add_done_callback(self._local_tasks.discard)

    def _isolate(self, pending: _Pending) -> None:
        """A job that killed workers: a single item becomes a reject; a bigger job is
        processed again one item per job, and the results put back together."""
        parts = split_job(pending.job)
        if pending.single or len(parts) == 1:
            log.error("an item killed worker processes; kept as a reject")
            pending.future.set_result(killed_result(pending.job))
            return
        singles = [_Pending(part, self._loop.create_future(), single=True) for part in parts]
        for single in singles:
            self._dispatch(single)
        self._spawn_task(self._join_parts(pending, singles))

    async def _join_parts(self, pending: _Pending, singles: list[_Pending]) -> None:
        try:
            results = [await single.future for single in singles]
        except asyncio.CancelledError:
            pending.future.cancel()
            raise
        if not pending.future.done():
            pending.future.set_result(join_results(pending.job, results))

    async def _run_locally(self, pending: _Pending) -> None:
        async with self._local_lock:
            if pending.future.done():
                return
            self.local_jobs += 1
            try:
                result = await asyncio.to_thread(self._local, pending.job)
            except asyncio.CancelledError:
                pending.future.cancel()
                raise
            except Exception as err:
                pending.future.set_exception(err)
                return
            if not pending.future.done():
                pending.future.set_result(result)

    def _handle(self, worker: _Worker, message: FromWorker | None) -> None:
        if message is None:
            self._exited(worker)
        elif message[0] == "ready":
            worker.ready = True
            self._ready.set()
            self._restart_delay_s[worker.slot] = 0.5
            parked, self._parked = self._parked, []
            for pending in parked:
                self._dispatch(pending)
            log.debug("worker process %s is ready", worker.process.pid)
        elif message[0] == "done":
            pending = worker.in_flight.popleft()
            if not pending.future.done():
                pending.future.set_result(message[1])
        else:
            self.peak_rss_mb += message[1]

    def _exited(self, worker: _Worker) -> None:
        if self._closing or self._workers[worker.slot] is not worker:
            return
        self._workers[worker.slot] = None
        self._retired.append(worker)
        unfinished = list(worker.in_flight)
        worker.in_flight.clear()
        worker.stop()
        self.restarts += 1
        log.warning(
            "worker process %s died; restarting it and processing its %d unfinished jobs again",
            worker.process.pid,
            len(unfinished),
        )
        if unfinished:
            # The job it was working on is the one that may have killed it.
            unfinished[0].deaths += 1
        delay = 0.0 if worker.ready else self._restart_delay_s[worker.slot]
        if not worker.ready:
            # It died while loading: do not spin; jobs are processed here meanwhile.
            self._restart_delay_s[worker.slot] = min(delay * 2, _MAX_RESTART_DELAY_S)
        self._restarts.append(self._loop.call_later(delay, self._start, worker.slot))
        for pending in unfinished:
            if not pending.future.done():
                self._dispatch(pending)


KILLED_REASON: Final = "internal error: the worker process died processing this item"


def split_job(job: Job) -> list[Job]:
    """The job, one item per job."""
    if isinstance(job, Submission):
        return [Submission((item,), job.source_name) for item in job.items]
    return [(sourced,) for sourced in job]


def killed_result(job: Job) -> Processed:
    """What becomes of a one-item job that kills workers: a reject, payload kept."""
    items = job.items if isinstance(job, Submission) else tuple(s.item for s in job)
    rejects = tuple(Reject(i.source, KILLED_REASON, i.payload, i.received_at) for i in items)
    checkpoints: dict[str, str] = {}
    if not isinstance(job, Submission):
        for sourced in job:
            if sourced.item.checkpoint is not None:
                checkpoints[sourced.source_name] = sourced.item.checkpoint
    batch = ProcessedBatch((), rejects, tuple(checkpoints.items()), 0, 0, len(items))
    if isinstance(job, Submission):
        return ProcessedSubmission(batch, tuple((i, KILLED_REASON) for i in range(len(items))))
    return batch


def join_results(job: Job, parts: list[Processed]) -> Processed:
    """The result of ``job`` from the results of :func:`split_job`'s parts, in order."""
    batches = [p.batch if isinstance(p, ProcessedSubmission) else p for p in parts]
    checkpoints: dict[str, str] = {}
    for batch in batches:
        checkpoints.update(batch.checkpoints)
    joined = ProcessedBatch(
        posts=tuple(post for batch in batches for post in batch.posts),
        rejects=tuple(reject for batch in batches for reject in batch.rejects),
        checkpoints=tuple(checkpoints.items()),
        duplicates=sum(batch.duplicates for batch in batches),
        unmatched=sum(batch.unmatched for batch in batches),
        received=sum(batch.received for batch in batches),
        revisions=tuple(item for batch in batches for item in batch.revisions),
        deletions=tuple(key for batch in batches for key in batch.deletions),
    )
    if not isinstance(job, Submission):
        return joined
    rejected = tuple(
        (index, reason)
        for index, part in enumerate(parts)
        if isinstance(part, ProcessedSubmission)
        for _, reason in part.rejected
    )
    return ProcessedSubmission(joined, rejected)


def _join_all(workers: list[_Worker]) -> None:
    for worker in workers:
        worker.join(STOP_TIMEOUT_S)


def worker_model_factory(model: EnrichmentModel) -> ModelFactory | None:
    """How a worker builds the same model as ``model``, if it is one we know how to."""
    if isinstance(model, Enricher):
        return _EnricherFactory(tuple(sorted(model.expected_languages)))
    return None


@dataclass(frozen=True, slots=True)
class _EnricherFactory:
    expected_languages: tuple[str, ...]

    def __call__(self) -> EnrichmentModel:
        return Enricher.load(self.expected_languages)

"""The CPU-bound middle of the pipeline, run on a batch off the event loop:
normalize → dedupe → language → match topics → enrich → near-duplicate groups.

Never raises for bad input: an item that cannot become a post is a Reject; an item that
makes a stage fail unexpectedly is retried alone and, if it still fails, kept as a Reject
with its raw payload, so one poisonous item never loses a batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import msgspec

from signalroom.models import EnrichedPost, Enrichment, Post, RawItem, Reject
from signalroom.pipeline.dedupe import RecentIds
from signalroom.pipeline.neardup import Fingerprinted, NearDupIndex
from signalroom.pipeline.normalize import normalize
from signalroom.pipeline.topics import TopicIndex

log = logging.getLogger(__name__)


class EnrichmentModel(Protocol):
    """What the pipeline asks of the NLP layer."""

    @property
    def model_version(self) -> str: ...

    def detect_languages(self, posts: Sequence[Post]) -> list[tuple[str, float]]:
        """Language (ISO 639-1 or ``und``) and confidence per post, batched."""
        ...

    def enrich_batch(
        self, posts: Sequence[Post], languages: Sequence[tuple[str, float]]
    ) -> list[Enrichment]:
        """Everything else, given the languages already detected."""
        ...


class Sourced(msgspec.Struct, frozen=True):
    """A raw item and the name of the source instance it came from."""

    source_name: str
    item: RawItem


class ProcessedBatch(msgspec.Struct, frozen=True):
    posts: tuple[EnrichedPost, ...]
    rejects: tuple[Reject, ...]
    checkpoints: tuple[tuple[str, str], ...]
    duplicates: int
    unmatched: int
    received: int


class Submission(msgspec.Struct, frozen=True):
    """Pushed items that travel as one unit (one request's, see ``Pipeline.submit``)."""

    items: tuple[RawItem, ...]
    source_name: str


class ProcessedSubmission(msgspec.Struct, frozen=True):
    batch: ProcessedBatch
    rejected: tuple[tuple[int, str], ...]
    """``(index, reason)`` of each item that could not become a post, by index."""


Job = tuple[Sourced, ...] | Submission
"""What one call of :meth:`Processor.run` takes: a batch from the sources, or a submission."""
Processed = ProcessedBatch | ProcessedSubmission


class Processor:
    def __init__(
        self,
        model: EnrichmentModel,
        topics: TopicIndex,
        recent: RecentIds,
        keep_unmatched: bool,
        neardup: NearDupIndex | None = None,
    ) -> None:
        self._model = model
        self._topics = topics
        self._recent = recent
        self._keep_unmatched = keep_unmatched
        self._neardup = neardup

    def run(self, job: Job) -> Processed:
        """Process a batch or a submission (what a worker process is sent)."""
        if isinstance(job, Submission):
            return self.process_submission(job)
        return self.process(job)

    def process_submission(self, submission: Submission) -> ProcessedSubmission:
        """Normalize every item to know which ones are rejected (by index), then run the
        valid ones through :meth:`process`."""
        rejected: list[tuple[int, str]] = []
        rejects: list[Reject] = []
        valid: list[Sourced] = []
        index_of: dict[int, int] = {}
        for index, item in enumerate(submission.items):
            outcome = normalize(item)
            if isinstance(outcome, Reject):
                rejected.append((index, outcome.reason))
                rejects.append(outcome)
            else:
                index_of[id(item.payload)] = index
                valid.append(Sourced(submission.source_name, item))
        processed = self.process(valid)
        # Only an item that broke a stage unexpectedly is rejected by the processor.
        rejected += [(index_of.get(id(r.payload), -1), r.reason) for r in processed.rejects]
        rejected.sort()
        return ProcessedSubmission(
            batch=ProcessedBatch(
                posts=processed.posts,
                rejects=(*rejects, *processed.rejects),
                checkpoints=(),
                duplicates=processed.duplicates,
                unmatched=processed.unmatched,
                received=len(submission.items),
            ),
            rejected=tuple(rejected),
        )

    def process(self, batch: Sequence[Sourced]) -> ProcessedBatch:
        checkpoints: dict[str, str] = {}
        for sourced in batch:
            if sourced.item.checkpoint is not None:
                checkpoints[sourced.source_name] = sourced.item.checkpoint
        try:
            posts, rejects, duplicates, unmatched = self._run(batch, dedupe=True)
        except Exception:
            log.exception("a batch of %d items failed; retrying its items one by one", len(batch))
            posts, rejects, duplicates, unmatched = [], [], 0, 0
            for sourced in batch:
                try:
                    # The failed run already marked these ids as seen: skip the shortcut
                    # (the store still stores each post once).
                    p, r, d, u = self._run([sourced], dedupe=False)
                except Exception as err:
                    log.exception("an item failed alone; kept as a reject")
                    item = sourced.item
                    r = [
                        Reject(
                            item.source, f"internal error: {err!r}", item.payload, item.received_at
                        )
                    ]
                    p, d, u = [], 0, 0
                posts += p
                rejects += r
                duplicates += d
                unmatched += u
        return ProcessedBatch(
            posts=tuple(posts),
            rejects=tuple(rejects),
            checkpoints=tuple(checkpoints.items()),
            duplicates=duplicates,
            unmatched=unmatched,
            received=len(batch),
        )

    def _run(
        self, batch: Sequence[Sourced], dedupe: bool
    ) -> tuple[list[EnrichedPost], list[Reject], int, int]:
        rejects: list[Reject] = []
        fresh: list[Post] = []
        duplicates = 0
        for sourced in batch:
            outcome = normalize(sourced.item)
            if isinstance(outcome, Reject):
                rejects.append(outcome)
            elif dedupe and self._recent.seen(outcome.id):
                duplicates += 1
            else:
                fresh.append(outcome)
        if not fresh:
            return [], rejects, duplicates, 0
        languages = self._model.detect_languages(fresh)
        kept: list[Post] = []
        kept_languages: list[tuple[str, float]] = []
        kept_topics: list[tuple[int, ...]] = []
        unmatched = 0
        for post, language in zip(fresh, languages, strict=True):
            topics = self._topics.match(post, language[0])
            if topics or self._keep_unmatched:
                kept.append(post)
                kept_languages.append(language)
                kept_topics.append(topics)
            else:
                unmatched += 1
        enrichments = self._model.enrich_batch(kept, kept_languages) if kept else []
        groups = self._dup_groups(kept, enrichments)
        posts = [
            EnrichedPost(post=post, enrichment=enrichment, topics=topics, dup_group=group)
            for post, enrichment, topics, group in zip(
                kept, enrichments, kept_topics, groups, strict=True
            )
        ]
        return posts, rejects, duplicates, unmatched

    def _dup_groups(
        self, posts: Sequence[Post], enrichments: Sequence[Enrichment]
    ) -> list[str | None]:
        if self._neardup is None:
            return [None] * len(posts)
        return dup_groups(self._neardup, posts, enrichments)


def dup_groups(
    index: NearDupIndex, posts: Sequence[Post], enrichments: Sequence[Enrichment]
) -> list[str | None]:
    """Each post's near-duplicate group; only posts that will be stored join the index,
    so that it can be rebuilt from the store after a restart."""
    if not posts:
        return []
    return index.assign(
        [
            Fingerprinted(post.id, enrichment.simhash, post.created_at)
            for post, enrichment in zip(posts, enrichments, strict=True)
        ]
    )


def with_dup_groups(index: NearDupIndex, batch: ProcessedBatch) -> ProcessedBatch:
    """``batch`` with its posts' near-duplicate groups, for batches processed elsewhere
    (a worker process) and grouped here, in commit order."""
    if not batch.posts:
        return batch
    groups = dup_groups(
        index, [item.post for item in batch.posts], [item.enrichment for item in batch.posts]
    )
    posts = tuple(
        msgspec.structs.replace(item, dup_group=group)
        for item, group in zip(batch.posts, groups, strict=True)
    )
    return msgspec.structs.replace(batch, posts=posts)

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
from signalroom.pipeline.normalizers.change import Revision, Tombstone
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
    revisions: tuple[EnrichedPost, ...] = ()
    """Posts a source says were edited, enriched again (see ``WriteBatch.revisions``)."""
    deletions: tuple[str, ...] = ()
    """Ids of posts a source says were deleted."""


class _Ran:
    """What one pass over some items gave (accumulated across a one-by-one retry)."""

    def __init__(self) -> None:
        self.posts: list[EnrichedPost] = []
        self.rejects: list[Reject] = []
        self.duplicates = 0
        self.unmatched = 0
        self.revisions: list[EnrichedPost] = []
        self.deletions: list[str] = []

    def add(self, other: _Ran) -> None:
        self.posts += other.posts
        self.rejects += other.rejects
        self.duplicates += other.duplicates
        self.unmatched += other.unmatched
        self.revisions += other.revisions
        self.deletions += other.deletions


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
                revisions=processed.revisions,
                deletions=processed.deletions,
            ),
            rejected=tuple(rejected),
        )

    def process(self, batch: Sequence[Sourced]) -> ProcessedBatch:
        checkpoints: dict[str, str] = {}
        for sourced in batch:
            if sourced.item.checkpoint is not None:
                checkpoints[sourced.source_name] = sourced.item.checkpoint
        try:
            ran = self._run(batch, dedupe=True)
        except Exception:
            log.exception("a batch of %d items failed; retrying its items one by one", len(batch))
            ran = _Ran()
            for sourced in batch:
                try:
                    # The failed run already marked these ids as seen: skip the shortcut
                    # (the store still stores each post once).
                    ran.add(self._run([sourced], dedupe=False))
                except Exception as err:
                    log.exception("an item failed alone; kept as a reject")
                    item = sourced.item
                    ran.rejects.append(
                        Reject(
                            item.source, f"internal error: {err!r}", item.payload, item.received_at
                        )
                    )
        return ProcessedBatch(
            posts=tuple(ran.posts),
            rejects=tuple(ran.rejects),
            checkpoints=tuple(checkpoints.items()),
            duplicates=ran.duplicates,
            unmatched=ran.unmatched,
            received=len(batch),
            revisions=tuple(ran.revisions),
            deletions=tuple(ran.deletions),
        )

    def _run(self, batch: Sequence[Sourced], dedupe: bool) -> _Ran:
        ran = _Ran()
        fresh: list[Post] = []
        edited: list[Post] = []
        for sourced in batch:
            outcome = normalize(sourced.item)
            if isinstance(outcome, Reject):
                ran.rejects.append(outcome)
            elif isinstance(outcome, Tombstone):
                ran.deletions.append(outcome.id)
            elif isinstance(outcome, Revision):
                # An edit is news about a post already seen: never skipped as a repeat.
                edited.append(outcome.post)
            elif dedupe and self._recent.seen(outcome.id):
                ran.duplicates += 1
            else:
                fresh.append(outcome)
        if fresh:
            ran.posts, ran.unmatched = self._enrich(fresh, keep_unmatched=self._keep_unmatched)
            ran.posts = self._grouped(ran.posts)
        if edited:
            # Enriched like any post; one that matches no topic still revises a stored copy.
            ran.revisions, _ = self._enrich(edited, keep_unmatched=True)
        return ran

    def _enrich(self, posts: list[Post], *, keep_unmatched: bool) -> tuple[list[EnrichedPost], int]:
        languages = self._model.detect_languages(posts)
        kept: list[Post] = []
        kept_languages: list[tuple[str, float]] = []
        kept_topics: list[tuple[int, ...]] = []
        unmatched = 0
        for post, language in zip(posts, languages, strict=True):
            topics = self._topics.match(post, language[0])
            if topics or keep_unmatched:
                kept.append(post)
                kept_languages.append(language)
                kept_topics.append(topics)
            else:
                unmatched += 1
        enrichments = self._model.enrich_batch(kept, kept_languages) if kept else []
        enriched = [
            EnrichedPost(post=post, enrichment=enrichment, topics=topics)
            for post, enrichment, topics in zip(kept, enrichments, kept_topics, strict=True)
        ]
        return enriched, unmatched

    def _grouped(self, posts: list[EnrichedPost]) -> list[EnrichedPost]:
        groups = self._dup_groups([i.post for i in posts], [i.enrichment for i in posts])
        return [
            msgspec.structs.replace(item, dup_group=group) if group is not None else item
            for item, group in zip(posts, groups, strict=True)
        ]

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

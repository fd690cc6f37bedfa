"""The Store contract: what every backend (SQLite by default, PostgreSQL later) must do.

Callers depend on this protocol only; ``service.py`` picks the backend. Methods are
synchronous and thread-safe: the pipeline's single writer thread calls ``write_batch``;
web handlers and commands read from their own threads. Must not import a backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

from signalroom.models import (
    Bucket,
    EnrichedPost,
    Moderation,
    ModerationRule,
    ModerationRuleDraft,
    ModerationVerdict,
    Reject,
    Rollup,
    SentimentCorrection,
    SentimentLabel,
    Topic,
    TopicDraft,
)


class WriteBatch(msgspec.Struct, frozen=True):
    """One transaction's worth of pipeline output.

    ``checkpoints`` maps a source name to the resume point reached once everything in this
    batch (and every batch before it) is committed.
    """

    posts: tuple[EnrichedPost, ...] = ()
    rejects: tuple[Reject, ...] = ()
    checkpoints: tuple[tuple[str, str], ...] = ()
    revisions: tuple[EnrichedPost, ...] = ()
    """Posts their authors edited, as they now read (enriched again). A stored post takes
    the new text and enrichment (a person's sentiment or moderation decision stays); one not
    stored is inserted like any post. Topic matches and rollups stay as first counted."""
    deletions: tuple[str, ...] = ()
    """Ids of posts their authors or servers deleted: the rows go (with their matches,
    corrections and decisions); rollups keep what was counted."""


class WriteResult(msgspec.Struct, frozen=True):
    """What a committed batch changed.

    ``inserted`` holds the posts that were new (duplicates of stored posts are left out);
    ``rollups`` holds the current totals of every minute rollup row the batch touched.
    """

    inserted: tuple[EnrichedPost, ...]
    duplicates: int
    rejects: int
    """Rejects recorded; one the same source sent with the same bytes in the last day (a
    replay after a restart) is already kept and not recorded again."""
    rollups: tuple[Rollup, ...]
    revised: tuple[EnrichedPost, ...] = ()
    """Stored posts the batch's revisions changed, as they now read."""
    deleted: tuple[str, ...] = ()
    """Ids of the stored posts the batch deleted."""


class PostQuery(msgspec.Struct, frozen=True):
    """Filters for listing posts, newest first (by ``created_at``, then id)."""

    topic_id: int | None = None
    since: float | None = None
    until: float | None = None
    sentiment: SentimentLabel | None = None
    lang: str | None = None
    source: str | None = None
    moderation: ModerationVerdict | None = None
    """Only posts with this verdict (public screens ask for ``safe``)."""
    complaint: bool | None = None
    dup_group: str | None = None
    """Only the posts of this near-duplicate group (the id of its first post): the first
    post and its copies."""
    limit: int = 50
    cursor: str | None = None
    """Opaque: the ``next_cursor`` of the previous page."""


class PostPage(msgspec.Struct, frozen=True):
    items: tuple[EnrichedPost, ...]
    next_cursor: str | None


class StoredReject(msgspec.Struct, frozen=True):
    id: int
    source: str
    reason: str
    payload: bytes
    received_at: float


class CorrectionResult(msgspec.Struct, frozen=True):
    """A committed sentiment correction: the post as it now reads, and the current totals
    of every minute rollup row the correction changed."""

    post: EnrichedPost
    rollups: tuple[Rollup, ...]


class PostFingerprint(msgspec.Struct, frozen=True):
    """What the pipeline's near-duplicate index keeps of a stored post."""

    post_id: str
    simhash: int
    """Signed 64-bit SimHash (never 0 here: posts without one are left out)."""
    created_at: float
    dup_group: str | None


class StoredSourceTable(msgspec.Struct, frozen=True):
    """A source added from the console or the API: its ``[[sources]]`` table, as given."""

    name: str
    table: dict[str, Any]
    created_at: float
    updated_at: float


class StoreStats(msgspec.Struct, frozen=True):
    posts: int
    rejects: int
    topics: int
    newest_post_at: float | None


class Store(Protocol):
    """Everything Signalroom keeps. Idempotent on ``(source, native_id)``."""

    def close(self) -> None:
        """Release connections. Further calls are errors."""
        ...

    # -- pipeline writes -------------------------------------------------------------
    def write_batch(self, batch: WriteBatch) -> WriteResult:
        """Store posts (ignoring ones already stored), their topic matches, rejects,
        minute rollups of the new posts, and checkpoints: all in one transaction. A new
        post's ``dup_group`` also marks the stored first post of that group as a member
        (its ``dup_group`` becomes its own id) when it had none."""
        ...

    def recent_fingerprints(self, since: float, limit: int) -> list[PostFingerprint]:
        """The fingerprints of the ``limit`` most recently stored posts created at or
        after ``since`` that have one, oldest stored first: what rebuilds the pipeline's
        near-duplicate index after a restart. Raises ValidationError for a bad argument."""
        ...

    def get_checkpoint(self, source: str) -> str | None: ...

    def purge_posts_before(self, instant: float) -> int:
        """Delete raw posts created before ``instant`` (rollups stay); return how many."""
        ...

    # -- topics ------------------------------------------------------------------------
    def list_topics(self) -> list[Topic]: ...

    def get_topic(self, topic_id: int) -> Topic:
        """Raises NotFoundError."""
        ...

    def create_topic(self, draft: TopicDraft, now: float) -> Topic:
        """Raises ConflictError when the name is taken."""
        ...

    def update_topic(self, topic_id: int, draft: TopicDraft, now: float) -> Topic:
        """Raises NotFoundError or ConflictError."""
        ...

    def delete_topic(self, topic_id: int) -> None:
        """Raises NotFoundError."""
        ...

    # -- sources added at run time -------------------------------------------------------
    def list_source_tables(self) -> list[StoredSourceTable]:
        """The sources added from the console or the API, by name."""
        ...

    def put_source_table(
        self, name: str, table: Mapping[str, Any], now: float
    ) -> StoredSourceTable:
        """Add or replace a source's table (the caller has checked it)."""
        ...

    def delete_source_table(self, name: str) -> None:
        """Raises NotFoundError."""
        ...

    # -- reads ---------------------------------------------------------------------------
    def query_posts(self, query: PostQuery) -> PostPage:
        """Raises ValidationError for a malformed cursor."""
        ...

    def get_post(self, post_id: str) -> EnrichedPost:
        """Raises NotFoundError."""
        ...

    def query_rollups(
        self,
        topic_ids: tuple[int, ...] | None,
        since: float,
        until: float,
        bucket: Bucket,
    ) -> list[Rollup]:
        """Rollups with ``since <= bucket_start < until``, summed into ``bucket``-sized
        buckets, ordered by topic then time. ``None`` means every topic. Empty buckets
        are absent."""
        ...

    def correct_sentiment(
        self, post_id: str, label: SentimentLabel, by: str, now: float
    ) -> CorrectionResult:
        """Record a person's sentiment label for a post, in one transaction: the post reads
        with the corrected label (score from CORRECTED_SCORES), its minute rollups move the
        post from its old label to the new one, and the model's first verdict is kept. A
        second correction replaces the first. Raises NotFoundError, ValidationError (empty
        ``by``)."""
        ...

    def list_corrections(
        self, limit: int = 1000, since: float | None = None
    ) -> list[tuple[SentimentCorrection, EnrichedPost]]:
        """Corrections, oldest first (``corrected_at >= since``), with their posts: what
        ``signalroom corrections export`` turns into training data."""
        ...

    def list_rejects(self, limit: int = 100, source: str | None = None) -> list[StoredReject]:
        """Newest first."""
        ...

    # -- moderation --------------------------------------------------------------------
    def list_moderation_rules(self) -> list[ModerationRule]:
        """The deployment's block and allow rules, by kind, action and value."""
        ...

    def add_moderation_rule(self, draft: ModerationRuleDraft, now: float) -> ModerationRule:
        """Store a rule with its value normalised. Raises ValidationError (a value that
        cannot be a rule of its kind), ConflictError (the same rule exists)."""
        ...

    def delete_moderation_rule(self, rule_id: int) -> None:
        """Raises NotFoundError."""
        ...

    def set_moderation(
        self,
        post_id: str,
        verdict: ModerationVerdict | None,
        by: str,
        now: float,
        note: str = "",
    ) -> EnrichedPost:
        """A person's verdict on one post, which wins over the model and the rules and is
        kept through re-checks; ``None`` gives the post back the pipeline's verdict.
        Returns the post as it now reads. Raises NotFoundError, ValidationError."""
        ...

    def update_moderations(self, changes: Sequence[tuple[str, Moderation]]) -> list[str]:
        """Store re-checked verdicts (after the rules changed) in one transaction, except
        on posts a person decided; returns the ids whose verdict or reasons changed."""
        ...

    def stats(self) -> StoreStats: ...

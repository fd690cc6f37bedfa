"""The default Store: one SQLite file in WAL mode.

One writer connection, guarded by a lock, takes every write (the pipeline's batches and
the console's topic edits), each in a ``BEGIN IMMEDIATE`` transaction. Every reading
thread gets its own query-only connection, so web reads never wait for the writer; a
reader connection is closed when its thread ends, and ``close`` closes them all.

Semantics beyond the ``Store`` protocol:

- A post is identified by ``source:native_id``; a post already stored (or repeated inside
  the batch) counts as a duplicate and changes nothing, not even its engagement.
- A new post with ``repost_of`` set adds one to the stored original's ``reposts`` count
  (also when the original arrives earlier in the same batch; the copy of that original in
  ``WriteResult.inserted`` still shows the count it arrived with). A repost whose original
  is not stored counts nothing, and nothing is counted later when the original arrives.
- A new post with ``dup_group`` set marks the stored first post of its group with its own
  id (once; a first post that is not stored, or already marked, is left alone). The copy of
  that first post in ``WriteResult.inserted`` still shows ``dup_group`` as it arrived.
- Topic matches naming a topic that no longer exists (deleted while the batch was in
  flight) are dropped rather than failing the batch.
- ``purge_posts_before`` also deletes rejects received before the instant, so that a
  noisy source cannot grow the file without bound.
- ``stats`` reads row counts the writer keeps in a ``tallies`` table within the same
  transactions, instead of counting millions of rows on every health check.

This module must not decide what a post means (the pipeline does) nor cache rows: the
file is the only state.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import math
import sqlite3
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import msgspec

from signalroom.clock import Clock, SystemClock
from signalroom.errors import ConflictError, NotFoundError, StoreError, ValidationError
from signalroom.models import (
    BUCKET_SECONDS,
    CORRECTED_SCORES,
    SENTIMENT_LABELS,
    TOPIC_KINDS,
    Author,
    Bucket,
    Engagement,
    EnrichedPost,
    Enrichment,
    Moderation,
    ModerationRule,
    ModerationRuleDraft,
    ModerationVerdict,
    Post,
    Rollup,
    Sentiment,
    SentimentCorrection,
    SentimentLabel,
    Topic,
    TopicDraft,
)
from signalroom.store import sqlite_moderation as moderation
from signalroom.store.base import (
    CorrectionResult,
    PostFingerprint,
    PostPage,
    PostQuery,
    StoredReject,
    StoredSourceTable,
    StoreStats,
    WriteBatch,
    WriteResult,
)
from signalroom.store.migrate import load_migrations, migrate

_table_decoder: Final = msgspec.json.Decoder(dict[str, Any])

BUSY_TIMEOUT_S: Final = 30.0
MAX_PAGE: Final = 500
MAX_REJECTS: Final = 1000
MAX_CORRECTOR: Final = 80
PURGE_CHUNK: Final = 2000
MIN_SQLITE: Final = (3, 37, 0)  # STRICT tables; RETURNING and UPSERT are older
_WRITER_CACHE_KIB: Final = 16384
_READER_CACHE_KIB: Final = 8192
_WAL_LIMIT_BYTES: Final = 64 * 1024 * 1024

_T = TypeVar("_T")

_POST_COLUMNS: Final = (
    "id, source, native_id, url, author_handle, author_name, author_followers, text, title, "
    "created_at, received_at, likes, reposts, replies, quotes, reply_to, quote_of, "
    "repost_of, media, lang_hint, lang, lang_confidence, sentiment_label, sentiment_score, "
    "hashtags, mentions, links, reach, model_version, complaint, complaint_score, "
    "moderation_verdict, moderation_reasons, moderation_score, keywords, simhash, dup_group"
)
_POST_PLACES: Final = ", ".join("?" * len(_POST_COLUMNS.split(", ")))
_INSERT_POST: Final = f"INSERT INTO posts ({_POST_COLUMNS}) VALUES ({_POST_PLACES})"  # noqa: S608
_SELECT_POST: Final = ", ".join(f"p.{column}" for column in _POST_COLUMNS.split(", "))
_INSERT_POST_TOPIC: Final = (
    "INSERT INTO post_topics (post_id, topic_id, created_at) VALUES (?, ?, ?)"
)
_COUNT_REPOST: Final = "UPDATE posts SET reposts = reposts + ? WHERE id = ?"
_MARK_GROUP_FIRST: Final = "UPDATE posts SET dup_group = id WHERE id = ? AND dup_group IS NULL"
# NOT INDEXED: walking the table newest-stored first stops after ``limit`` rows, where the
# created_at index would have to visit (and then sort) every post of the window.
_SELECT_FINGERPRINTS: Final = """
    SELECT id, simhash, created_at, dup_group FROM posts NOT INDEXED
    WHERE simhash != 0 AND created_at >= ? ORDER BY rowid DESC LIMIT ?
"""
_UPSERT_ROLLUP: Final = """
    INSERT INTO rollups (topic_id, bucket_start, volume, negative, neutral, positive,
                         sentiment_sum, reach)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (topic_id, bucket_start) DO UPDATE SET
        volume = volume + excluded.volume,
        negative = negative + excluded.negative,
        neutral = neutral + excluded.neutral,
        positive = positive + excluded.positive,
        sentiment_sum = sentiment_sum + excluded.sentiment_sum,
        reach = reach + excluded.reach
    RETURNING topic_id, bucket_start, volume, negative, neutral, positive, sentiment_sum, reach
"""
_UPSERT_CORRECTION: Final = """
    INSERT INTO sentiment_corrections
        (post_id, label, corrected_by, corrected_at, model_label, model_score)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (post_id) DO UPDATE SET
        label = excluded.label,
        corrected_by = excluded.corrected_by,
        corrected_at = excluded.corrected_at
"""
_MOVE_SENTIMENT: Final = """
    UPDATE rollups SET negative = negative + ?, neutral = neutral + ?, positive = positive + ?,
                       sentiment_sum = sentiment_sum + ?
    WHERE topic_id = ? AND bucket_start = ?
    RETURNING topic_id, bucket_start, volume, negative, neutral, positive, sentiment_sum, reach
"""
# A source that replays after a restart (a cursor rewound a few seconds, an overlap)
# re-sends the malformed items too: the same bytes from the same source within a day are
# one reject, not two. The (source, received_at) index bounds the look.
_INSERT_REJECT: Final = """
    INSERT INTO rejects (source, reason, payload, received_at)
    SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (
        SELECT 1 FROM rejects
        WHERE source = ?1 AND received_at >= ?4 - 86400.0
              AND length(payload) = length(?3) AND payload = ?3
    )
"""
_UPSERT_CHECKPOINT: Final = """
    INSERT INTO checkpoints (source, value, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
"""
# bucket_start floored to :size even before 1970 (SQLite's % keeps the dividend's sign).
# The topic IN-list lets the (topic_id, bucket_start) key serve each topic's range.
_SELECT_ROLLUPS: Final = """
    SELECT topic_id, bucket_start - ((bucket_start % :size) + :size) % :size AS start,
           sum(volume), sum(negative), sum(neutral), sum(positive), sum(sentiment_sum), sum(reach)
    FROM rollups
    WHERE topic_id IN ({topics}) AND bucket_start >= :first AND bucket_start < :end
    GROUP BY topic_id, start
    ORDER BY topic_id, start
"""
_SELECT_ROLLUPS_OF: Final = _SELECT_ROLLUPS.format(topics="SELECT value FROM json_each(:topics)")
_SELECT_ROLLUPS_ALL: Final = _SELECT_ROLLUPS.format(topics="SELECT id FROM topics")
_SELECT_REJECTS: Final = """
    SELECT id, source, reason, payload, received_at FROM rejects
    ORDER BY received_at DESC, id DESC LIMIT :limit
"""
_SELECT_REJECTS_OF: Final = """
    SELECT id, source, reason, payload, received_at FROM rejects WHERE source = :source
    ORDER BY received_at DESC, id DESC LIMIT :limit
"""
_PURGE_POSTS: Final = """
    DELETE FROM posts WHERE rowid IN
        (SELECT rowid FROM posts WHERE created_at < ? ORDER BY created_at LIMIT ?)
"""
_PURGE_REJECTS: Final = """
    DELETE FROM rejects WHERE id IN
        (SELECT id FROM rejects WHERE received_at < ? ORDER BY received_at LIMIT ?)
"""
_SELECT_TOPICS: Final = "SELECT id, name, query, kind, color, created_at, updated_at FROM topics"
_INSERT_TOPIC: Final = """
    INSERT INTO topics (name, query, kind, color, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?)
    RETURNING id, name, query, kind, color, created_at, updated_at
"""
_UPDATE_TOPIC: Final = """
    UPDATE topics SET name = ?, query = ?, kind = ?, color = ?, updated_at = ? WHERE id = ?
    RETURNING id, name, query, kind, color, created_at, updated_at
"""
_SENTIMENT_INDEX: Final = {"negative": 3, "neutral": 4, "positive": 5}

_strings = msgspec.json.Decoder(tuple[str, ...])
_cursor_decoder = msgspec.json.Decoder(tuple[float, str])
_json = msgspec.json.Encoder()

# What binding bad values to a statement can raise besides sqlite3.Error: a string with
# lone surrogates (UnicodeEncodeError is a ValueError), an int beyond 64 bits.
_WRITE_ERRORS: Final = (sqlite3.Error, ValueError, OverflowError, msgspec.MsgspecError)


@contextmanager
def write_transaction(conn: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """``conn`` inside one ``BEGIN IMMEDIATE`` transaction: committed at the end, rolled
    back on any error, storage errors raised as StoreError. The caller holds the writer."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    except BaseException as err:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(err, _WRITE_ERRORS):
            raise StoreError(f"write to {path} failed: {err}") from err
        raise


def read_transaction(
    conn: sqlite3.Connection, path: Path, work: Callable[[sqlite3.Connection], _T]
) -> _T:
    """``work`` on ``conn`` inside one read transaction, so its queries see one snapshot."""
    try:
        conn.execute("BEGIN")
        try:
            return work(conn)
        finally:
            conn.execute("COMMIT")
    except sqlite3.Error as err:
        raise StoreError(f"read from {path} failed: {err}") from err


class SqliteStore:
    """The Store on one SQLite file. Build it with :meth:`open`."""

    def __init__(self, path: Path, writer: sqlite3.Connection, clock: Clock) -> None:
        self._path = path
        self._writer = writer
        self._clock = clock
        self._write_lock = threading.Lock()
        self._readers = _Readers(
            lambda: connect(path, cache_kib=_READER_CACHE_KIB, query_only=True)
        )
        self._closed = False

    @classmethod
    def open(cls, path: Path, *, clock: Clock | None = None) -> SqliteStore:
        """Open (creating it and its directory if needed) and migrate the database at
        ``path``. Raises StoreError when it cannot be opened or its schema is newer than
        this code."""
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(
                f"SQLite {sqlite3.sqlite_version} is too old: Signalroom needs "
                f"{'.'.join(map(str, MIN_SQLITE))} or newer"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create the data directory {path.parent}: {err}") from err
        try:
            writer = connect(path, cache_kib=_WRITER_CACHE_KIB, query_only=False)
        except sqlite3.Error as err:
            raise StoreError(f"cannot open database {path}: {err}") from err
        try:
            mode = writer.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            # Checkpoints truncate the WAL file back to this size, so it stays bounded.
            writer.execute(f"PRAGMA journal_size_limit = {_WAL_LIMIT_BYTES}")
            if mode != "wal":
                raise StoreError(
                    f"database {path} cannot use WAL mode (got {mode!r}); put the data "
                    "directory on a local file system"
                )
            migrate(writer, str(path), load_migrations())
        except sqlite3.Error as err:
            writer.close()
            raise StoreError(f"cannot open database {path}: {err}") from err
        except BaseException:
            writer.close()
            raise
        return cls(path, writer, clock or SystemClock())

    @property
    def path(self) -> Path:
        return self._path

    @property
    def reader_connections(self) -> int:
        """Reader connections open now: one per live thread that has read."""
        return len(self._readers)

    def close(self) -> None:
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
            self._readers.close_all()
            self._writer.close()

    # -- connections and transactions ----------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """The writer connection inside one ``BEGIN IMMEDIATE`` transaction; any error
        rolls it back, and storage errors become StoreError."""
        with self._write_lock:
            self._check_open()
            with write_transaction(self._writer, self._path) as conn:
                yield conn

    def _read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` on this thread's reader connection, inside one read transaction
        so that its queries see one snapshot."""
        self._check_open()
        return read_transaction(self._readers.get(), self._path, work)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self._path} is closed")

    # -- pipeline writes -----------------------------------------------------------------
    def write_batch(self, batch: WriteBatch) -> WriteResult:
        unique: dict[str, EnrichedPost] = {}
        for item in batch.posts:
            unique.setdefault(item.post.id, item)
        now = self._clock.now()
        with self._write() as conn:
            stored = {
                row[0]
                for row in conn.execute(
                    "SELECT id FROM posts WHERE id IN (SELECT value FROM json_each(?))",
                    (_json.encode(list(unique)),),
                )
            }
            known_topics = {row[0] for row in conn.execute("SELECT id FROM topics")}
            inserted = [
                _known_topics_only(item, known_topics)
                for post_id, item in unique.items()
                if post_id not in stored
            ]
            conn.executemany(_INSERT_POST, map(_post_row, inserted))
            conn.executemany(
                _INSERT_POST_TOPIC,
                (
                    (item.post.id, topic_id, item.post.created_at)
                    for item in inserted
                    for topic_id in item.topics
                ),
            )
            reposts = Counter(item.post.repost_of for item in inserted if item.post.repost_of)
            if reposts:
                conn.executemany(_COUNT_REPOST, ((n, orig) for orig, n in reposts.items()))
            groups = {item.dup_group for item in inserted if item.dup_group is not None}
            if groups:
                conn.executemany(_MARK_GROUP_FIRST, ((group,) for group in groups))
            rollups = [
                _rollup(conn.execute(_UPSERT_ROLLUP, delta).fetchone())
                for delta in _rollup_deltas(inserted)
            ]
            revised = _revise(conn, batch.revisions, set(unique), known_topics)
            inserted.extend(revised.inserted)
            rollups.extend(
                _rollup(conn.execute(_UPSERT_ROLLUP, delta).fetchone())
                for delta in _rollup_deltas(revised.inserted)
            )
            deleted = _delete(conn, batch.deletions)
            rejected = sum(
                conn.execute(
                    _INSERT_REJECT, (r.source, r.reason, r.payload, r.received_at)
                ).rowcount
                for r in batch.rejects
            )
            conn.executemany(
                _UPSERT_CHECKPOINT,
                ((source, value, now) for source, value in batch.checkpoints),
            )
            _tally(conn, posts=len(inserted) - len(deleted), rejects=rejected)
            changed = _with_topics(conn, _rows_of(conn, revised.updated)) if revised.updated else []
        rollups.sort(key=lambda rollup: (rollup.topic_id, rollup.bucket_start))
        return WriteResult(
            inserted=tuple(inserted),
            duplicates=len(batch.posts) - (len(inserted) - len(revised.inserted)),
            rejects=rejected,
            rollups=tuple(rollups),
            revised=tuple(changed),
            deleted=tuple(deleted),
        )

    def recent_fingerprints(self, since: float, limit: int) -> list[PostFingerprint]:
        """In rowid order, which is the order posts were stored in."""
        _require_finite(since, "since")
        if limit < 1:
            raise ValidationError("must be at least 1", field="limit")
        rows = self._read(
            lambda conn: conn.execute(_SELECT_FINGERPRINTS, (since, limit)).fetchall()
        )
        return [PostFingerprint(*row) for row in reversed(rows)]

    def get_checkpoint(self, source: str) -> str | None:
        row = self._read(
            lambda conn: conn.execute(
                "SELECT value FROM checkpoints WHERE source = ?", (source,)
            ).fetchone()
        )
        return None if row is None else str(row[0])

    def purge_posts_before(self, instant: float) -> int:
        """Delete posts created before ``instant`` and their topic matches, and rejects
        received before it, in chunks so the pipeline's writes interleave; rollups stay."""
        _require_finite(instant, "instant")
        deleted: dict[str, int] = {"posts": 0, "rejects": 0}
        for tally, statement in (("posts", _PURGE_POSTS), ("rejects", _PURGE_REJECTS)):
            while True:
                with self._write() as conn:
                    count = conn.execute(statement, (instant, PURGE_CHUNK)).rowcount
                    _tally(conn, **{tally: -count})
                deleted[tally] += count
                if count < PURGE_CHUNK:
                    break
        return deleted["posts"]

    # -- sources added at run time ---------------------------------------------------------
    def list_source_tables(self) -> list[StoredSourceTable]:
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT name, body, created_at, updated_at FROM source_tables ORDER BY name"
            ).fetchall()
        )
        return [
            StoredSourceTable(name, _table_decoder.decode(body), created, updated)
            for name, body, created, updated in rows
        ]

    def put_source_table(
        self, name: str, table: Mapping[str, Any], now: float
    ) -> StoredSourceTable:
        _require_finite(now, "now")
        body = msgspec.json.encode(dict(table)).decode()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO source_tables (name, body, created_at, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "body = excluded.body, updated_at = excluded.updated_at",
                (name, body, now, now),
            )
            created = conn.execute(
                "SELECT created_at FROM source_tables WHERE name = ?", (name,)
            ).fetchone()[0]
        return StoredSourceTable(name, _table_decoder.decode(body), created, now)

    def delete_source_table(self, name: str) -> None:
        with self._write() as conn:
            if conn.execute("DELETE FROM source_tables WHERE name = ?", (name,)).rowcount == 0:
                raise NotFoundError(f"no source named {name!r} was added here")

    # -- topics --------------------------------------------------------------------------
    def list_topics(self) -> list[Topic]:
        rows = self._read(lambda conn: conn.execute(_SELECT_TOPICS + " ORDER BY id").fetchall())
        return [_topic(row) for row in rows]

    def get_topic(self, topic_id: int) -> Topic:
        row = self._read(
            lambda conn: conn.execute(
                _SELECT_TOPICS + " WHERE id = ?",
                (topic_id,),
            ).fetchone()
        )
        if row is None:
            raise NotFoundError(f"no topic with id {topic_id}")
        return _topic(row)

    def create_topic(self, draft: TopicDraft, now: float) -> Topic:
        _validate_draft(draft)
        with _unique_topic_name(draft), self._write() as conn:
            row = conn.execute(
                _INSERT_TOPIC,
                (draft.name, draft.query, draft.kind, draft.color, now, now),
            ).fetchone()
        return _topic(row)

    def update_topic(self, topic_id: int, draft: TopicDraft, now: float) -> Topic:
        _validate_draft(draft)
        with _unique_topic_name(draft), self._write() as conn:
            row = conn.execute(
                _UPDATE_TOPIC,
                (draft.name, draft.query, draft.kind, draft.color, now, topic_id),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no topic with id {topic_id}")
        return _topic(row)

    def delete_topic(self, topic_id: int) -> None:
        """Delete the topic with its matches and rollups (foreign keys cascade); the posts
        themselves stay."""
        with self._write() as conn:
            count = conn.execute("DELETE FROM topics WHERE id = ?", (topic_id,)).rowcount
        if count == 0:
            raise NotFoundError(f"no topic with id {topic_id}")

    # -- reads ---------------------------------------------------------------------------
    def query_posts(self, query: PostQuery) -> PostPage:
        if query.limit < 1:
            raise ValidationError("must be at least 1", field="limit")
        limit = min(query.limit, MAX_PAGE)
        after = None if query.cursor is None else decode_cursor(query.cursor)
        for name in ("since", "until"):
            value = getattr(query, name)
            if value is not None:
                _require_finite(value, name)
        sql, params = _posts_sql(query, after, limit + 1)

        def work(conn: sqlite3.Connection) -> list[EnrichedPost]:
            rows = conn.execute(sql, params).fetchall()
            return _with_topics(conn, rows)

        items = self._read(work)
        if len(items) <= limit:
            return PostPage(items=tuple(items), next_cursor=None)
        last = items[limit - 1].post
        return PostPage(
            items=tuple(items[:limit]),
            next_cursor=encode_cursor(last.created_at, last.id),
        )

    def get_post(self, post_id: str) -> EnrichedPost:
        def work(conn: sqlite3.Connection) -> list[EnrichedPost]:
            rows = conn.execute(
                f"SELECT {_SELECT_POST} FROM posts p WHERE p.id = ?",  # noqa: S608
                (post_id,),
            ).fetchall()
            return _with_topics(conn, rows)

        found = self._read(work)
        if not found:
            raise NotFoundError(f"no post with id {post_id!r}")
        return found[0]

    def query_rollups(
        self,
        topic_ids: tuple[int, ...] | None,
        since: float,
        until: float,
        bucket: Bucket,
    ) -> list[Rollup]:
        """Whole buckets only: a bucket is returned with all its minutes when its start
        is in ``[since, until)``."""
        _require_finite(since, "since")
        _require_finite(until, "until")
        if bucket not in BUCKET_SECONDS:
            raise ValidationError(f"unknown bucket {bucket!r}", field="bucket")
        size = BUCKET_SECONDS[bucket]
        # A bucket starting in [since, until) holds exactly the minutes in this range.
        first, end = _ceil_to(since, size), _ceil_to(until, size)
        params: dict[str, Any] = {"size": size, "first": first, "end": end}
        sql = _SELECT_ROLLUPS_ALL
        if topic_ids is not None:
            sql, params["topics"] = _SELECT_ROLLUPS_OF, _json.encode(list(topic_ids)).decode()
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        return [_rollup(row) for row in rows]

    def correct_sentiment(
        self, post_id: str, label: SentimentLabel, by: str, now: float
    ) -> CorrectionResult:
        person = by.strip() if isinstance(by, str) else ""
        if not 1 <= len(person) <= MAX_CORRECTOR:
            raise ValidationError(f"must be 1..{MAX_CORRECTOR} characters", field="by")
        if label not in SENTIMENT_LABELS:
            raise ValidationError(f"must be one of {', '.join(SENTIMENT_LABELS)}", field="label")
        _require_finite(now, "now")
        score = CORRECTED_SCORES[label]
        with self._write() as conn:
            row = conn.execute(
                "SELECT created_at, sentiment_label, sentiment_score FROM posts WHERE id = ?",
                (post_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no post with id {post_id!r}")
            created_at, old_label, old_score = row
            conn.execute(_UPSERT_CORRECTION, (post_id, label, person, now, old_label, old_score))
            conn.execute(
                "UPDATE posts SET sentiment_label = ?, sentiment_score = ? WHERE id = ?",
                (label, score, post_id),
            )
            # Move the post from its old label to the new one in every minute it counts in.
            counts = [0, 0, 0]
            counts[SENTIMENT_LABELS.index(old_label)] -= 1
            counts[SENTIMENT_LABELS.index(label)] += 1
            minute = math.floor(created_at) // 60 * 60
            rollups = tuple(
                _rollup(r)
                for (topic_id,) in conn.execute(
                    "SELECT topic_id FROM post_topics WHERE post_id = ? ORDER BY topic_id",
                    (post_id,),
                ).fetchall()
                for r in conn.execute(
                    _MOVE_SENTIMENT, (*counts, score - old_score, topic_id, minute)
                ).fetchall()
            )
        return CorrectionResult(post=self.get_post(post_id), rollups=rollups)

    def list_corrections(
        self, limit: int = 1000, since: float | None = None
    ) -> list[tuple[SentimentCorrection, EnrichedPost]]:
        if limit < 1:
            raise ValidationError("must be at least 1", field="limit")
        if since is not None:
            _require_finite(since, "since")

        def work(conn: sqlite3.Connection) -> list[EnrichedPost]:
            rows = conn.execute(
                f"SELECT {_SELECT_POST} FROM sentiment_corrections c "  # noqa: S608
                "JOIN posts p ON p.id = c.post_id WHERE c.corrected_at >= ? "
                "ORDER BY c.corrected_at, c.post_id LIMIT ?",
                (-math.inf if since is None else since, limit),
            ).fetchall()
            return _with_topics(conn, rows)

        items = self._read(work)
        return [(item.correction, item) for item in items if item.correction is not None]

    def list_rejects(self, limit: int = 100, source: str | None = None) -> list[StoredReject]:
        if limit < 1:
            raise ValidationError("must be at least 1", field="limit")
        limit = min(limit, MAX_REJECTS)
        rows = self._read(
            lambda conn: conn.execute(
                _SELECT_REJECTS if source is None else _SELECT_REJECTS_OF,
                {"source": source, "limit": limit},
            ).fetchall()
        )
        return [StoredReject(row[0], row[1], row[2], bytes(row[3]), row[4]) for row in rows]

    # -- moderation ------------------------------------------------------------------------
    def list_moderation_rules(self) -> list[ModerationRule]:
        return self._read(moderation.list_rules)

    def add_moderation_rule(self, draft: ModerationRuleDraft, now: float) -> ModerationRule:
        _require_finite(now, "now")
        with self._write() as conn:
            return moderation.add_rule(conn, draft, now)

    def delete_moderation_rule(self, rule_id: int) -> None:
        with self._write() as conn:
            moderation.delete_rule(conn, rule_id)

    def set_moderation(
        self,
        post_id: str,
        verdict: ModerationVerdict | None,
        by: str,
        now: float,
        note: str = "",
    ) -> EnrichedPost:
        _require_finite(now, "now")
        with self._write() as conn:
            if verdict is None:
                moderation.clear_override(conn, post_id)
            else:
                moderation.set_override(conn, post_id, verdict, by, now, note)
        return self.get_post(post_id)

    def update_moderations(self, changes: Sequence[tuple[str, Moderation]]) -> list[str]:
        if not changes:
            return []
        with self._write() as conn:
            return moderation.update_verdicts(conn, changes)

    def stats(self) -> StoreStats:
        def work(conn: sqlite3.Connection) -> StoreStats:
            tallies = dict(conn.execute("SELECT name, value FROM tallies").fetchall())
            newest = conn.execute("SELECT max(created_at) FROM posts").fetchone()[0]
            topics = conn.execute("SELECT count(*) FROM topics").fetchone()[0]
            posts, rejects = tallies["posts"], tallies["rejects"]
            return StoreStats(posts=posts, rejects=rejects, topics=topics, newest_post_at=newest)

        return self._read(work)


# -- reader connections ----------------------------------------------------------------------
class _Slot:
    """Holds one thread's reader connection; when the thread ends, so does the slot."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class _Readers:
    """Per-thread reader connections, closed when their thread ends or on ``close_all``:
    as many connections as live reading threads, never more."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: dict[int, sqlite3.Connection] = {}
        self._keys = itertools.count()
        self._closed = False

    def get(self) -> sqlite3.Connection:
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is not None:
            return slot.conn
        conn = self._connect()
        with self._lock:
            if self._closed:
                conn.close()
                raise StoreError("store is closed")
            key = next(self._keys)
            self._open[key] = conn
        slot = _Slot(conn)
        weakref.finalize(slot, self._discard, key)
        self._local.slot = slot
        return conn

    def _discard(self, key: int) -> None:
        with self._lock:
            conn = self._open.pop(key, None)
        if conn is not None:
            conn.close()

    def close_all(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._open = list(self._open.values()), {}
        for conn in conns:
            conn.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)


def connect(path: Path, *, cache_kib: int, query_only: bool) -> sqlite3.Connection:
    """A connection with the pragmas every store on this file must agree on (the alert
    store opens its own with this too)."""
    # check_same_thread=False: a reader is closed by whichever thread drops its slot.
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=256,
    )
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA query_only = {'ON' if query_only else 'OFF'}")
    except BaseException:
        conn.close()
        raise
    return conn


# -- rows --------------------------------------------------------------------------------------
def _strings_json(values: tuple[str, ...]) -> str:
    return _json.encode(values).decode() if values else "[]"


def _post_row(item: EnrichedPost) -> tuple[Any, ...]:
    post, enrichment = item.post, item.enrichment
    author, engagement = post.author, post.engagement
    return (
        post.id,
        post.source,
        post.native_id,
        post.url,
        author.handle,
        author.name,
        author.followers,
        post.text,
        post.title,
        post.created_at,
        post.received_at,
        engagement.likes,
        engagement.reposts,
        engagement.replies,
        engagement.quotes,
        post.reply_to,
        post.quote_of,
        post.repost_of,
        _strings_json(post.media),
        post.lang_hint,
        enrichment.lang,
        enrichment.lang_confidence,
        enrichment.sentiment.label,
        enrichment.sentiment.score,
        _strings_json(enrichment.hashtags),
        _strings_json(enrichment.mentions),
        _strings_json(enrichment.links),
        enrichment.reach,
        enrichment.model_version,
        int(enrichment.complaint),
        enrichment.complaint_score,
        enrichment.moderation.verdict,
        _strings_json(enrichment.moderation.reasons),
        enrichment.moderation.score,
        _strings_json(enrichment.keywords),
        enrichment.simhash,
        item.dup_group,
    )


def _post_from_row(
    row: tuple[Any, ...],
    topics: tuple[int, ...],
    correction: SentimentCorrection | None = None,
) -> EnrichedPost:
    return EnrichedPost(
        post=Post(
            source=row[1],
            native_id=row[2],
            url=row[3],
            author=Author(handle=row[4], name=row[5], followers=row[6]),
            text=row[7],
            title=row[8],
            created_at=row[9],
            received_at=row[10],
            engagement=Engagement(likes=row[11], reposts=row[12], replies=row[13], quotes=row[14]),
            reply_to=row[15],
            quote_of=row[16],
            repost_of=row[17],
            media=_strings.decode(row[18]),
            lang_hint=row[19],
        ),
        enrichment=Enrichment(
            lang=row[20],
            lang_confidence=row[21],
            sentiment=Sentiment(label=row[22], score=row[23]),
            hashtags=_strings.decode(row[24]),
            mentions=_strings.decode(row[25]),
            links=_strings.decode(row[26]),
            reach=row[27],
            model_version=row[28],
            complaint=bool(row[29]),
            complaint_score=row[30],
            moderation=Moderation(verdict=row[31], reasons=_strings.decode(row[32]), score=row[33]),
            keywords=_strings.decode(row[34]),
            simhash=row[35],
        ),
        topics=topics,
        correction=correction,
        dup_group=row[36],
    )


def _with_topics(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[EnrichedPost]:
    if not rows:
        return []
    ids = _json.encode([row[0] for row in rows])
    matches: dict[str, list[int]] = {}
    for post_id, topic_id in conn.execute(
        "SELECT post_id, topic_id FROM post_topics "
        "WHERE post_id IN (SELECT value FROM json_each(?)) ORDER BY post_id, topic_id",
        (ids,),
    ):
        matches.setdefault(post_id, []).append(topic_id)
    corrections = {
        row[0]: SentimentCorrection(*row)
        for row in conn.execute(
            "SELECT post_id, label, corrected_by, corrected_at, model_label, model_score "
            "FROM sentiment_corrections WHERE post_id IN (SELECT value FROM json_each(?))",
            (ids,),
        )
    }
    items = [
        _post_from_row(row, tuple(matches.get(row[0], ())), corrections.get(row[0])) for row in rows
    ]
    return moderation.attach_overrides(conn, items, ids)


_REVISED_COLUMNS: Final = (
    "url, author_name, author_followers, text, title, likes, reposts, replies, quotes, media, "
    "lang, lang_confidence, hashtags, mentions, links, reach, model_version, complaint, "
    "complaint_score, keywords, simhash"
)
_REVISE_POST: Final = (
    f"UPDATE posts SET ({_REVISED_COLUMNS}) = "  # noqa: S608
    f"({', '.join('?' * len(_REVISED_COLUMNS.split(', ')))}) WHERE id = ?"
)
# A person's verdicts outlive an edit: sentiment and moderation change only where nobody
# decided them.
_REVISE_SENTIMENT: Final = (
    "UPDATE posts SET sentiment_label = ?, sentiment_score = ? WHERE id = ? "
    "AND id NOT IN (SELECT post_id FROM sentiment_corrections)"
)
_REVISE_MODERATION: Final = (
    "UPDATE posts SET moderation_verdict = ?, moderation_reasons = ?, moderation_score = ? "
    "WHERE id = ? AND id NOT IN (SELECT post_id FROM moderation_overrides)"
)


@dataclass(frozen=True, slots=True)
class _Revised:
    inserted: list[EnrichedPost]
    updated: list[str]


def _revise(
    conn: sqlite3.Connection,
    revisions: Iterable[EnrichedPost],
    in_batch: set[str],
    known_topics: set[int],
) -> _Revised:
    latest = {item.post.id: item for item in revisions if item.post.id not in in_batch}
    if not latest:
        return _Revised([], [])
    stored = {
        row[0]
        for row in conn.execute(
            "SELECT id FROM posts WHERE id IN (SELECT value FROM json_each(?))",
            (_json.encode(list(latest)),),
        )
    }
    # An edit of a post never stored is stored as new only if it matched a topic.
    fresh = [
        _known_topics_only(i, known_topics)
        for key, i in latest.items()
        if key not in stored and i.topics
    ]
    conn.executemany(_INSERT_POST, map(_post_row, fresh))
    conn.executemany(
        _INSERT_POST_TOPIC,
        ((i.post.id, topic_id, i.post.created_at) for i in fresh for topic_id in i.topics),
    )
    for key in sorted(stored):
        item = latest[key]
        row = dict(zip(_POST_COLUMNS.split(", "), _post_row(item), strict=True))
        conn.execute(_REVISE_POST, (*(row[c] for c in _REVISED_COLUMNS.split(", ")), key))
        sentiment = item.enrichment.sentiment
        conn.execute(_REVISE_SENTIMENT, (sentiment.label, sentiment.score, key))
        moderation = item.enrichment.moderation
        conn.execute(
            _REVISE_MODERATION,
            (moderation.verdict, _strings_json(moderation.reasons), moderation.score, key),
        )
    return _Revised(fresh, sorted(stored))


def _delete(conn: sqlite3.Connection, ids: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    gone = [
        row[0]
        for row in conn.execute(
            "DELETE FROM posts WHERE id IN (SELECT value FROM json_each(?)) RETURNING id",
            (_json.encode(wanted),),
        )
    ]
    return sorted(gone)


def _rows_of(conn: sqlite3.Connection, ids: list[str]) -> list[tuple[Any, ...]]:
    return conn.execute(
        f"SELECT {_SELECT_POST} FROM posts p WHERE p.id IN "  # noqa: S608
        "(SELECT value FROM json_each(?)) ORDER BY p.id",
        (_json.encode(ids),),
    ).fetchall()


def _known_topics_only(item: EnrichedPost, known: set[int]) -> EnrichedPost:
    topics = tuple(dict.fromkeys(topic for topic in item.topics if topic in known))
    return item if topics == item.topics else msgspec.structs.replace(item, topics=topics)


def _rollup_deltas(items: Iterable[EnrichedPost]) -> list[list[Any]]:
    """Per (topic, minute): the volume, sentiment counts, score sum and reach to add."""
    deltas: dict[tuple[int, int], list[Any]] = {}
    for item in items:
        if not item.topics:
            continue
        minute = math.floor(item.post.created_at) // 60 * 60
        sentiment = item.enrichment.sentiment
        for topic_id in item.topics:
            delta = deltas.get((topic_id, minute))
            if delta is None:
                delta = deltas[topic_id, minute] = [topic_id, minute, 0, 0, 0, 0, 0.0, 0]
            delta[2] += 1
            delta[_SENTIMENT_INDEX[sentiment.label]] += 1
            delta[6] += sentiment.score
            delta[7] += item.enrichment.reach
    return list(deltas.values())


def _tally(conn: sqlite3.Connection, **changes: int) -> None:
    """Keep the ``tallies`` row counts in step, inside the caller's transaction."""
    conn.executemany(
        "UPDATE tallies SET value = value + ? WHERE name = ?",
        ((change, name) for name, change in changes.items() if change),
    )


def _rollup(row: tuple[Any, ...]) -> Rollup:
    return Rollup(
        topic_id=row[0],
        bucket_start=float(row[1]),
        volume=row[2],
        negative=row[3],
        neutral=row[4],
        positive=row[5],
        sentiment_sum=float(row[6]),
        reach=row[7],
    )


def _topic(row: tuple[Any, ...]) -> Topic:
    return Topic(
        id=row[0],
        name=row[1],
        query=row[2],
        kind=row[3],
        color=row[4],
        created_at=row[5],
        updated_at=row[6],
    )


def _validate_draft(draft: TopicDraft) -> None:
    if not draft.name.strip():
        raise ValidationError("must not be empty", field="name")
    if draft.kind not in TOPIC_KINDS:
        raise ValidationError(f"must be one of {', '.join(TOPIC_KINDS)}", field="kind")


@contextmanager
def _unique_topic_name(draft: TopicDraft) -> Iterator[None]:
    """Turn the store's unique-name violation into the ConflictError callers expect."""
    try:
        yield
    except StoreError as err:
        if _is_unique_violation(err.__cause__):
            raise ConflictError(f"a topic named {draft.name!r} already exists") from err
        raise


def _is_unique_violation(err: BaseException | None) -> bool:
    return (
        isinstance(err, sqlite3.IntegrityError)
        and getattr(err, "sqlite_errorname", "") == "SQLITE_CONSTRAINT_UNIQUE"
    )


# -- queries -----------------------------------------------------------------------------------
def _posts_sql(
    query: PostQuery, after: tuple[float, str] | None, limit: int
) -> tuple[str, list[Any]]:
    """The page query. With a topic, the walk starts from that topic's matches, newest
    first (CROSS JOIN pins that loop order); otherwise from the posts."""
    if query.topic_id is not None:
        created, key = "t.created_at", "t.post_id"
        source = "post_topics t CROSS JOIN posts p ON p.id = t.post_id"
        where: list[str] = ["t.topic_id = ?"]
        params: list[Any] = [query.topic_id]
    else:
        created, key = "p.created_at", "p.id"
        source = "posts p"
        where, params = [], []
    until = query.until
    if after is not None and until is not None and after[0] < until:
        # The cursor bounds the range more tightly; leaving ``until`` out lets the index
        # seek straight to the cursor instead of walking down to it from ``until``.
        until = None
    for clause, value in (
        (f"{created} >= ?", query.since),
        (f"{created} < ?", until),
        ("p.sentiment_label = ?", query.sentiment),
        ("p.lang = ?", query.lang),
        ("p.source = ?", query.source),
        ("p.moderation_verdict = ?", query.moderation),
        ("p.complaint = ?", None if query.complaint is None else int(query.complaint)),
        ("p.dup_group = ?", query.dup_group),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    if after is not None:
        where.append(f"({created}, {key}) < (?, ?)")
        params.extend(after)
    sql = (
        f"SELECT {_SELECT_POST} FROM {source} "  # noqa: S608
        + (f"WHERE {' AND '.join(where)} " if where else "")
        + f"ORDER BY {created} DESC, {key} DESC LIMIT ?"
    )
    params.append(limit)
    return sql, params


def encode_cursor(created_at: float, post_id: str) -> str:
    """The opaque, URL-safe position after a post in newest-first order."""
    return base64.urlsafe_b64encode(_json.encode((created_at, post_id))).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """Raises ValidationError("malformed cursor", field="cursor") for anything but a cursor
    this store made."""
    try:
        raw = base64.b64decode(
            cursor.encode("ascii") + b"=" * (-len(cursor) % 4), altchars=b"-_", validate=True
        )
        created_at, post_id = _cursor_decoder.decode(raw)
    except (UnicodeEncodeError, binascii.Error, msgspec.DecodeError) as err:
        raise ValidationError("malformed cursor", field="cursor") from err
    if not math.isfinite(created_at):
        raise ValidationError("malformed cursor", field="cursor")
    return created_at, post_id


def _ceil_to(instant: float, size: int) -> int:
    """The first multiple of ``size`` at or after ``instant``, exact despite float division."""
    start = math.ceil(instant / size) * size
    if start < instant:
        start += size
    elif start - size >= instant:
        start -= size
    return start


def _require_finite(value: float, field: str) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError("must be a finite number of epoch seconds", field=field)

"""The AlertStore on the same SQLite file as the SqliteStore, through its own connections.

Alerting writes little and rarely (a finding, an acknowledgement, an escalation step), so
one writer connection under a lock takes every write in a ``BEGIN IMMEDIATE``
transaction, and one query-only reader connection under its own lock serves reads: web
reads never wait for the writer. Both use the pragmas of :mod:`signalroom.store.sqlite`
(WAL, a busy timeout that waits for the pipeline's writer instead of failing).
``open`` applies pending migrations too, so this store works whether or not the
SqliteStore opened the file first.

Structured values are stored whole as msgspec JSON. The guards of :meth:`apply` compare
the stored JSON with the encoding of what the caller read: byte equality, so even a NaN
score compares equal to itself.

This module must not decide anything about alerts, nor cache rows: the file is the state.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

import msgspec

from signalroom.alerting.escalation import EscalationPolicy, EscalationState
from signalroom.alerting.model import Alert, AlertState, AuditEntry
from signalroom.alerting.outbox import OutboxDraft, OutboxMessage, OutboxState
from signalroom.alerting.routing import RoutingTable
from signalroom.alerting.silence import Silence
from signalroom.alerting.teams import Team
from signalroom.detectors.base import DetectorName
from signalroom.errors import ConflictError, NotFoundError, StoreError, ValidationError
from signalroom.store.alerts import (
    AlertEvidence,
    AlertRecord,
    AlertWrite,
    DetectorOverride,
    SettingValue,
)
from signalroom.store.migrate import load_migrations, migrate
from signalroom.store.sqlite import connect, read_transaction, write_transaction

MAX_ALERT_PAGE: Final = 1000
MAX_OUTBOX_PAGE: Final = 10_000
MAX_ERROR_CHARS: Final = 2000
_CACHE_KIB: Final = 4096

_T = TypeVar("_T")

_json = msgspec.json.Encoder()
_alert = msgspec.json.Decoder(Alert)
_evidence = msgspec.json.Decoder(AlertEvidence)
_escalation = msgspec.json.Decoder(EscalationState)
_silence = msgspec.json.Decoder(Silence)
_team = msgspec.json.Decoder(Team)
_policy = msgspec.json.Decoder(EscalationPolicy)
_routing = msgspec.json.Decoder(RoutingTable)
_values = msgspec.json.Decoder(dict[str, SettingValue])

_UPSERT_ALERT: Final = """
    INSERT INTO alerts (id, fingerprint, occurrence, topic_id, detector, state, updated_at, body)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
        state = excluded.state, updated_at = excluded.updated_at, body = excluded.body
"""
_UPSERT_ESCALATION: Final = """
    INSERT INTO escalations (alert_id, status, next_at, body) VALUES (?, ?, ?, ?)
    ON CONFLICT (alert_id) DO UPDATE SET
        status = excluded.status, next_at = excluded.next_at, body = excluded.body
"""
_INSERT_DRAFT: Final = """
    INSERT INTO outbox (key, alert_id, team, channel, title, body, ack_url, created_at, state,
                        next_attempt_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
    ON CONFLICT (key) DO NOTHING
"""
_OUTBOX_COLUMNS: Final = (
    "id, key, alert_id, team, channel, title, body, ack_url, created_at, state, attempts, "
    "next_attempt_at, last_error, sent_at"
)
_SELECT_RECORD: Final = """
    SELECT a.body, a.evidence, e.body FROM alerts a LEFT JOIN escalations e ON e.alert_id = a.id
"""


class SqliteAlertStore:
    """The AlertStore on one SQLite file. Build it with :meth:`open`."""

    def __init__(self, path: Path, writer: sqlite3.Connection, reader: sqlite3.Connection) -> None:
        self._path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._closed = False

    @classmethod
    def open(cls, path: Path) -> SqliteAlertStore:
        """Open (creating it if needed) and migrate the database at ``path``. Raises
        StoreError when it cannot be opened or its schema is newer than this code."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = connect(path, cache_kib=_CACHE_KIB, query_only=False)
        except (OSError, sqlite3.Error) as err:
            raise StoreError(f"cannot open database {path}: {err}") from err
        try:
            mode = writer.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise StoreError(
                    f"database {path} cannot use WAL mode (got {mode!r}); put the data "
                    "directory on a local file system"
                )
            migrate(writer, str(path), load_migrations())
            reader = connect(path, cache_kib=_CACHE_KIB, query_only=True)
        except sqlite3.Error as err:
            writer.close()
            raise StoreError(f"cannot open database {path}: {err}") from err
        except BaseException:
            writer.close()
            raise
        return cls(path, writer, reader)

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            if self._closed:
                return
            self._closed = True
            self._reader.close()
            self._writer.close()

    # -- connections and transactions ---------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            self._check_open()
            with write_transaction(self._writer, self._path) as conn:
                yield conn

    def _read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        with self._read_lock:
            self._check_open()
            return read_transaction(self._reader, self._path, work)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"alert store {self._path} is closed")

    # -- the atomic write -----------------------------------------------------------------------
    def apply(
        self, writes: Sequence[AlertWrite], *, marks: Mapping[str, float] | None = None
    ) -> int:
        for name, value in (marks or {}).items():
            _require_finite(value, f"marks.{name}")
        with self._write() as conn:
            new_drafts = 0
            for write in writes:
                _guard_alert(conn, write)
                _put_alert(conn, write.alert)
                if write.evidence is not None:
                    conn.execute(
                        "UPDATE alerts SET evidence = ? WHERE id = ?",
                        (_json.encode(write.evidence).decode(), write.alert.id),
                    )
                conn.executemany(
                    "INSERT INTO alert_audit (alert_id, at, actor, action, note) "
                    "VALUES (?, ?, ?, ?, ?)",
                    ((e.alert_id, e.at, e.actor, e.action, e.note) for e in write.entries),
                )
                if write.escalation is not None:
                    _guard_escalation(conn, write)
                    _put_escalation(conn, write.escalation)
                new_drafts += _insert_drafts(conn, write.drafts)
            conn.executemany(
                "INSERT INTO monitor_marks (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                list((marks or {}).items()),
            )
            return new_drafts

    # -- alerts ------------------------------------------------------------------------------------
    def get_alert(self, alert_id: str) -> AlertRecord:
        def work(conn: sqlite3.Connection) -> AlertRecord:
            row = conn.execute(f"{_SELECT_RECORD} WHERE a.id = ?", (alert_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no alert {alert_id!r}")
            return _record(row)

        return self._read(work)

    def latest_alert(self, fingerprint: str) -> Alert | None:
        def work(conn: sqlite3.Connection) -> Alert | None:
            row = conn.execute(
                "SELECT body FROM alerts WHERE fingerprint = ? ORDER BY occurrence DESC LIMIT 1",
                (fingerprint,),
            ).fetchone()
            return None if row is None else _alert.decode(row[0])

        return self._read(work)

    def list_alerts(
        self,
        *,
        state: AlertState | None = None,
        active: bool | None = None,
        topic_id: int | None = None,
        limit: int = 100,
    ) -> list[AlertRecord]:
        clauses: list[str] = []
        params: list[Any] = []
        if state is not None:
            clauses.append("a.state = ?")
            params.append(state)
        if active is not None:
            clauses.append("a.state != 'resolved'" if active else "a.state = 'resolved'")
        if topic_id is not None:
            clauses.append("a.topic_id = ?")
            params.append(topic_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        params.append(min(max(limit, 1), MAX_ALERT_PAGE))
        sql = f"{_SELECT_RECORD} {where} ORDER BY a.updated_at DESC, a.id DESC LIMIT ?"
        return self._read(lambda conn: [_record(row) for row in conn.execute(sql, params)])

    def audit(self, alert_id: str) -> list[AuditEntry]:
        def work(conn: sqlite3.Connection) -> list[AuditEntry]:
            rows = conn.execute(
                "SELECT alert_id, at, actor, action, note FROM alert_audit "
                "WHERE alert_id = ? ORDER BY id",
                (alert_id,),
            )
            return [
                AuditEntry(alert_id=r[0], at=r[1], actor=r[2], action=r[3], note=r[4]) for r in rows
            ]

        return self._read(work)

    # -- escalation states ----------------------------------------------------------------------------
    def due_escalations(self, now: float, limit: int = 500) -> list[EscalationState]:
        _require_finite(now, "now")

        def work(conn: sqlite3.Connection) -> list[EscalationState]:
            rows = conn.execute(
                "SELECT body FROM escalations WHERE status = 'active' AND next_at <= ? "
                "ORDER BY next_at, alert_id LIMIT ?",
                (now, min(max(limit, 1), MAX_ALERT_PAGE)),
            )
            return [_escalation.decode(row[0]) for row in rows]

        return self._read(work)

    def held_escalations(self, now: float, limit: int = 500) -> list[EscalationState]:
        _require_finite(now, "now")

        def work(conn: sqlite3.Connection) -> list[EscalationState]:
            rows = conn.execute(
                "SELECT body FROM escalations WHERE status = 'active' AND next_at > ? "
                "AND json_extract(body, '$.held_from') IS NOT NULL "
                "ORDER BY next_at, alert_id LIMIT ?",
                (now, min(max(limit, 1), MAX_ALERT_PAGE)),
            )
            return [_escalation.decode(row[0]) for row in rows]

        return self._read(work)

    # -- outbox ------------------------------------------------------------------------------------------
    def enqueue(self, drafts: Sequence[OutboxDraft]) -> int:
        with self._write() as conn:
            return _insert_drafts(conn, drafts)

    def due_messages(self, now: float, limit: int) -> list[OutboxMessage]:
        _require_finite(now, "now")

        def work(conn: sqlite3.Connection) -> list[OutboxMessage]:
            rows = conn.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox "  # noqa: S608
                "WHERE state = 'pending' AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at, id LIMIT ?",
                (now, min(max(limit, 1), MAX_OUTBOX_PAGE)),
            )
            return [_message(row) for row in rows]

        return self._read(work)

    def mark_sent(self, message_id: int, now: float) -> None:
        _require_finite(now, "now")
        self._settle(
            message_id,
            "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, "
            "last_error = '' WHERE id = ? AND state = 'pending'",
            (now, message_id),
        )

    def mark_retry(self, message_id: int, error: str, next_attempt_at: float) -> None:
        _require_finite(next_attempt_at, "next_attempt_at")
        self._settle(
            message_id,
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
            "WHERE id = ? AND state = 'pending'",
            (error[:MAX_ERROR_CHARS], next_attempt_at, message_id),
        )

    def mark_failed(self, message_id: int, error: str, now: float) -> None:
        _require_finite(now, "now")
        self._settle(
            message_id,
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = ? WHERE id = ? AND state = 'pending'",
            (error[:MAX_ERROR_CHARS], now, message_id),
        )

    def _settle(self, message_id: int, sql: str, params: tuple[Any, ...]) -> None:
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM outbox WHERE id = ?", (message_id,)).fetchone() is None:
                raise NotFoundError(f"no outbox message {message_id}")
            conn.execute(sql, params)

    def list_outbox(
        self,
        *,
        alert_id: str | None = None,
        state: OutboxState | None = None,
        limit: int = 100,
    ) -> list[OutboxMessage]:
        clauses: list[str] = []
        params: list[Any] = []
        if alert_id is not None:
            clauses.append("alert_id = ?")
            params.append(alert_id)
        if state is not None:
            clauses.append("state = ?")
            params.append(state)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        params.append(min(max(limit, 1), MAX_OUTBOX_PAGE))
        sql = f"SELECT {_OUTBOX_COLUMNS} FROM outbox {where} ORDER BY id LIMIT ?"  # noqa: S608
        return self._read(lambda conn: [_message(row) for row in conn.execute(sql, params)])

    # -- silences ----------------------------------------------------------------------------------------
    def put_silence(self, silence: Silence) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO silences (id, starts_at, ends_at, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, "
                "ends_at = excluded.ends_at, body = excluded.body",
                (
                    silence.id,
                    silence.starts_at,
                    silence.last_instant,  # infinity: a recurring silence kept until removed
                    _json.encode(silence).decode(),
                ),
            )

    def delete_silence(self, silence_id: str) -> None:
        self._delete("silences", "id", silence_id, "silence")

    def list_silences(self, *, active_at: float | None = None) -> list[Silence]:
        params: tuple[Any, ...]
        if active_at is None:
            sql, params = "SELECT body FROM silences ORDER BY starts_at, id", ()
        else:
            _require_finite(active_at, "active_at")
            sql = (
                "SELECT body FROM silences WHERE starts_at <= ? AND ends_at > ? "
                "ORDER BY starts_at, id"
            )
            params = (active_at, active_at)
        found = self._read(lambda conn: [_silence.decode(r[0]) for r in conn.execute(sql, params)])
        if active_at is None:
            return found
        return [s for s in found if s.is_active(active_at)]  # recurring: inside a window

    # -- teams, policies, routing --------------------------------------------------------------------------
    def put_team(self, team: Team) -> None:
        self._put("teams", team.name, _json.encode(team).decode())

    def get_team(self, name: str) -> Team:
        return _team.decode(self._get("teams", name, "team"))

    def list_teams(self) -> list[Team]:
        return [_team.decode(body) for body in self._all("teams")]

    def delete_team(self, name: str) -> None:
        self._delete("teams", "name", name, "team")

    def put_policy(self, policy: EscalationPolicy) -> None:
        self._put("escalation_policies", policy.name, _json.encode(policy).decode())

    def get_policy(self, name: str) -> EscalationPolicy:
        return _policy.decode(self._get("escalation_policies", name, "escalation policy"))

    def list_policies(self) -> list[EscalationPolicy]:
        return [_policy.decode(body) for body in self._all("escalation_policies")]

    def delete_policy(self, name: str) -> None:
        self._delete("escalation_policies", "name", name, "escalation policy")

    def get_routing(self) -> RoutingTable | None:
        row = self._read(lambda conn: conn.execute("SELECT body FROM routing").fetchone())
        return None if row is None else _routing.decode(row[0])

    def put_routing(self, table: RoutingTable) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO routing (id, body) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                (_json.encode(table).decode(),),
            )

    def _put(self, table: str, name: str, body: str) -> None:
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO {table} (name, body) VALUES (?, ?) "  # noqa: S608
                "ON CONFLICT (name) DO UPDATE SET body = excluded.body",
                (name, body),
            )

    def _get(self, table: str, name: str, what: str) -> str:
        sql = f"SELECT body FROM {table} WHERE name = ?"  # noqa: S608
        row = self._read(lambda conn: conn.execute(sql, (name,)).fetchone())
        if row is None:
            raise NotFoundError(f"no {what} {name!r}")
        body: str = row[0]
        return body

    def _all(self, table: str) -> list[str]:
        sql = f"SELECT body FROM {table} ORDER BY name"  # noqa: S608
        return self._read(lambda conn: [row[0] for row in conn.execute(sql)])

    def _delete(self, table: str, column: str, key: str, what: str) -> None:
        with self._write() as conn:
            sql = f"DELETE FROM {table} WHERE {column} = ?"  # noqa: S608
            if conn.execute(sql, (key,)).rowcount == 0:
                raise NotFoundError(f"no {what} {key!r}")

    # -- per-topic detector settings --------------------------------------------------------------------------
    def list_overrides(self, topic_id: int | None = None) -> list[DetectorOverride]:
        base = "SELECT topic_id, detector, enabled, settings, updated_at FROM detector_overrides"
        params: tuple[Any, ...]
        if topic_id is None:
            sql, params = f"{base} ORDER BY topic_id, detector", ()
        else:
            sql, params = f"{base} WHERE topic_id = ? ORDER BY detector", (topic_id,)

        def work(conn: sqlite3.Connection) -> list[DetectorOverride]:
            return [
                DetectorOverride(
                    topic_id=r[0],
                    detector=r[1],
                    enabled=bool(r[2]),
                    values=_values.decode(r[3]),
                    updated_at=r[4],
                )
                for r in conn.execute(sql, params)
            ]

        return self._read(work)

    def put_override(self, override: DetectorOverride) -> None:
        _require_finite(override.updated_at, "updated_at")
        with self._write() as conn:
            conn.execute(
                "INSERT INTO detector_overrides (topic_id, detector, enabled, settings, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (topic_id, detector) DO UPDATE "
                "SET enabled = excluded.enabled, settings = excluded.settings, "
                "updated_at = excluded.updated_at",
                (
                    override.topic_id,
                    override.detector,
                    int(override.enabled),
                    _json.encode(override.values).decode(),
                    override.updated_at,
                ),
            )

    def delete_override(self, topic_id: int, detector: DetectorName) -> None:
        with self._write() as conn:
            conn.execute(
                "DELETE FROM detector_overrides WHERE topic_id = ? AND detector = ?",
                (topic_id, detector),
            )

    # -- progress marks -------------------------------------------------------------------------------------------
    def get_mark(self, name: str) -> float | None:
        row = self._read(
            lambda conn: conn.execute(
                "SELECT value FROM monitor_marks WHERE name = ?", (name,)
            ).fetchone()
        )
        return None if row is None else float(row[0])


# -- writes inside a transaction ----------------------------------------------------------------------------------
def _guard_alert(conn: sqlite3.Connection, write: AlertWrite) -> None:
    if write.previous is not None and write.previous.id != write.alert.id:
        raise ValidationError(
            f"previous is alert {write.previous.id}, the change is to {write.alert.id}", "previous"
        )
    row = conn.execute("SELECT body FROM alerts WHERE id = ?", (write.alert.id,)).fetchone()
    # Compared as values, not as text: an instant given as an int (1700000000) is the same
    # alert as the float it is stored as (1700000000.0).
    stored = None if row is None else _alert.decode(row[0])
    if stored != write.previous:
        raise ConflictError(f"alert {write.alert.id} changed since it was read; try again")


def _guard_escalation(conn: sqlite3.Connection, write: AlertWrite) -> None:
    assert write.escalation is not None
    if write.escalation.alert_id != write.alert.id:
        raise ValidationError(
            f"escalation is for alert {write.escalation.alert_id}, not {write.alert.id}",
            "escalation",
        )
    row = conn.execute(
        "SELECT body FROM escalations WHERE alert_id = ?", (write.alert.id,)
    ).fetchone()
    stored = None if row is None else _escalation.decode(row[0])
    if stored != write.previous_escalation:
        raise ConflictError(f"escalation of alert {write.alert.id} changed since it was read")


def _put_alert(conn: sqlite3.Connection, alert: Alert) -> None:
    conn.execute(
        _UPSERT_ALERT,
        (
            alert.id,
            alert.fingerprint,
            alert.occurrence,
            alert.topic_id,
            alert.detector,
            alert.state,
            alert.updated_at,
            _json.encode(alert).decode(),
        ),
    )


def _put_escalation(conn: sqlite3.Connection, state: EscalationState) -> None:
    conn.execute(
        _UPSERT_ESCALATION,
        (state.alert_id, state.status, state.next_at, _json.encode(state).decode()),
    )


def _insert_drafts(conn: sqlite3.Connection, drafts: Sequence[OutboxDraft]) -> int:
    new = 0
    for draft in drafts:
        _require_finite(draft.created_at, "created_at")
        cursor = conn.execute(
            _INSERT_DRAFT,
            (
                draft.key,
                draft.alert_id,
                draft.team,
                draft.channel,
                draft.title,
                draft.body,
                draft.ack_url,
                draft.created_at,
                draft.created_at,
            ),
        )
        new += cursor.rowcount
    return new


# -- rows ------------------------------------------------------------------------------------------------------------
def _record(row: tuple[Any, ...]) -> AlertRecord:
    return AlertRecord(
        alert=_alert.decode(row[0]),
        evidence=None if row[1] is None else _evidence.decode(row[1]),
        escalation=None if row[2] is None else _escalation.decode(row[2]),
    )


def _message(row: tuple[Any, ...]) -> OutboxMessage:
    return OutboxMessage(
        id=row[0],
        key=row[1],
        alert_id=row[2],
        team=row[3],
        channel=row[4],
        title=row[5],
        body=row[6],
        ack_url=row[7],
        created_at=row[8],
        state=row[9],
        attempts=row[10],
        next_attempt_at=row[11],
        last_error=row[12],
        sent_at=row[13],
    )


def _require_finite(value: float, field: str) -> None:
    if not math.isfinite(value):
        raise ValidationError(f"must be a finite number, got {value!r}", field)

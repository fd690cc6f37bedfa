"""Schema migrations of the SQLite store: versioned ``migrations/NNNN_name.sql`` files.

The schema version lives in ``PRAGMA user_version``. Each pending file runs in its own
``BEGIN IMMEDIATE`` transaction together with the version bump, so a failed migration
leaves the database at the previous version, and two processes opening the same fresh
file cannot both apply it. A database newer than the code is refused, never touched.

Statements run one at a time (``executescript`` would commit the open transaction), so a
migration file must end each statement at the end of a line. Statements that cannot run
inside a transaction (``VACUUM``, ``PRAGMA journal_mode``) do not belong in a migration.
This module must not know the schema itself: that is the SQL files' job.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from signalroom.errors import StoreError

_FILENAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> tuple[Migration, ...]:
    """The shipped migrations in version order; versions must run 1, 2, 3... without gaps."""
    folder = resources.files("signalroom.store") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _FILENAME.match(entry.name)
        if match is None:
            continue
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"store migrations are not numbered 1..N without gaps: {versions}")
    return tuple(found)


def split_statements(sql: str) -> list[str]:
    """Cut a migration into statements, at line ends where a statement is complete."""
    statements: list[str] = []
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip() and not _is_only_comments(pending):
        raise StoreError(
            f"store migration ends with an unterminated statement: {pending.strip()!r}"
        )
    return statements


def _is_only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(
    conn: sqlite3.Connection,
    label: str,
    migrations: tuple[Migration, ...] | None = None,
) -> tuple[int, ...]:
    """Apply the pending migrations in order; return the versions applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``). ``label`` names the
    database in error messages. Raises StoreError when the database is newer than the
    code or a migration fails (that migration is rolled back).
    """
    migrations = load_migrations() if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    current = schema_version(conn)
    if current > latest:
        raise _too_new(label, current, latest)
    applied: list[int] = []
    for migration in migrations[current:]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again inside the write transaction: another process may have migrated.
            current = schema_version(conn)
            if current > latest:
                raise _too_new(label, current, latest)
            if current >= migration.version:
                conn.execute("ROLLBACK")
                continue
            for statement in split_statements(migration.sql):
                conn.execute(statement)
            # PRAGMA takes no parameters; the version is an int we control.
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            conn.execute("COMMIT")
        except BaseException as err:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(err, sqlite3.Error):
                raise StoreError(
                    f"database {label}: migration {migration.version:04d}_{migration.name} "
                    f"failed: {err}"
                ) from err
            raise
        applied.append(migration.version)
    return tuple(applied)


def _too_new(label: str, current: int, latest: int) -> StoreError:
    return StoreError(
        f"database {label} has schema version {current}, newer than this Signalroom knows "
        f"({latest}): upgrade Signalroom, or point it at another data directory"
    )

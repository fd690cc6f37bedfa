"""What only the SQLite backend has: its file, WAL mode, migrations, reader connections."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from signalroom.errors import StoreError
from signalroom.models import TopicDraft
from signalroom.store.base import WriteBatch
from signalroom.store.migrate import Migration, load_migrations, migrate, split_statements
from signalroom.store.sqlite import SqliteStore
from tests.store.builders import T0, make_post


def raw_connection(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def user_version(path: Path) -> int:
    conn = raw_connection(path)
    try:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
        return version
    finally:
        conn.close()


def test_open_creates_directory_and_database_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "signalroom.db"

    store = SqliteStore.open(path)
    store.close()

    conn = raw_connection(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert {"posts", "post_topics", "rollups", "topics", "rejects", "checkpoints"} <= tables
    assert user_version(path) == len(load_migrations())


def test_open_applies_nothing_new_when_reopened(tmp_path: Path) -> None:
    path = tmp_path / "signalroom.db"
    store = SqliteStore.open(path)
    store.create_topic(TopicDraft(name="Acme", query="acme"), T0)
    store.write_batch(WriteBatch(posts=(make_post("1"),)))
    store.close()

    conn = raw_connection(path)
    try:
        assert migrate(conn, str(path)) == ()
    finally:
        conn.close()
    reopened = SqliteStore.open(path)
    try:
        assert [t.name for t in reopened.list_topics()] == ["Acme"]
        assert reopened.stats().posts == 1
    finally:
        reopened.close()
    assert user_version(path) == len(load_migrations())


def test_open_refuses_database_newer_than_code(tmp_path: Path) -> None:
    path = tmp_path / "signalroom.db"
    SqliteStore.open(path).close()
    newer = len(load_migrations()) + 1
    conn = raw_connection(path)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()

    with pytest.raises(StoreError, match=rf"schema version {newer}, newer than"):
        SqliteStore.open(path)
    assert user_version(path) == newer


def test_open_raises_store_error_when_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "signalroom.db"
    path.write_bytes(b"this is not a database, just some bytes " * 100)

    with pytest.raises(StoreError, match="cannot open database"):
        SqliteStore.open(path)


def test_migrate_applies_in_order_and_rolls_back_a_failing_migration(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    migrations = (
        Migration(1, "first", "CREATE TABLE a (x INTEGER);\n"),
        Migration(2, "second", "CREATE TABLE b (x INTEGER);\nINSERT INTO a VALUES (1);\n"),
        Migration(3, "broken", "CREATE TABLE c (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n"),
    )
    conn = raw_connection(path)
    try:
        assert migrate(conn, "m.db", migrations[:1]) == (1,)
        with pytest.raises(StoreError, match="migration 0003_broken failed"):
            migrate(conn, "m.db", migrations)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert tables == {"a", "b"}
        assert conn.execute("SELECT x FROM a").fetchall() == [(1,)]
        assert not conn.in_transaction
    finally:
        conn.close()


def test_split_statements_keeps_trigger_bodies_whole_and_skips_comments() -> None:
    sql = """-- a comment; with a semicolon
CREATE TABLE t (x INTEGER);  -- trailing comment
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
    UPDATE t SET x = x + 1;
    DELETE FROM t WHERE x > 9;
END;
-- the end
"""
    statements = split_statements(sql)

    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER")
    assert statements[1].endswith("END;")


def test_split_statements_raises_when_last_statement_unterminated() -> None:
    with pytest.raises(StoreError, match="unterminated"):
        split_statements("CREATE TABLE t (x INTEGER);\nCREATE TABLE u (x INTEGER)\n")


def test_load_migrations_ships_numbered_sql_files() -> None:
    migrations = load_migrations()

    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "initial"
    assert "CREATE TABLE posts" in migrations[0].sql


def test_reader_connection_closes_when_its_thread_ends(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "signalroom.db")
    try:
        counts: list[int] = []

        def read() -> None:
            store.list_topics()
            counts.append(store.reader_connections)

        threads = [threading.Thread(target=read) for _ in range(5)]
        for thread in threads:
            thread.start()
            thread.join()
        store.list_topics()

        assert counts == [1] * 5
        assert store.reader_connections == 1
    finally:
        store.close()
    assert store.reader_connections == 0


def test_write_batch_raises_store_error_when_text_cannot_be_encoded(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "signalroom.db")
    try:
        with pytest.raises(StoreError):
            store.write_batch(
                WriteBatch(posts=(make_post("ok"), make_post("bad", text="lone \ud800 half")))
            )
        assert store.stats().posts == 0
    finally:
        store.close()


def test_sqlite_upgrades_a_version_2_database_in_place(tmp_path: Path) -> None:
    import sqlite3

    from signalroom.store.migrate import load_migrations, migrate
    from tests.store.builders import make_post

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, "test", load_migrations()[:2])
    conn.close()
    store = SqliteStore.open(path)  # applies 0003 and later to the version-2 file
    store.write_batch(WriteBatch(posts=(make_post("a"),)))
    item = store.get_post("demo:a")
    store.close()
    assert item.enrichment.complaint is False
    assert item.enrichment.moderation.verdict == "safe"

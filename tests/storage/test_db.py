"""Engines: SQLite is durable and safe under concurrent writers; PostgreSQL URLs use psycopg 3."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select

from storage.db import deferred, make_engine, normalise_url, relaxed, session_factory
from storage.migrate import upgrade
from storage.tables import Business, processed_events_table


def _pragma(connection: Connection, name: str) -> object:
    return connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()


def test_sqlite_pragmas_are_in_effect_on_every_connection(sqlite_engine: Engine) -> None:
    for _ in range(2):  # a first connection, then a new one after the pool is emptied
        with sqlite_engine.connect() as connection:
            assert _pragma(connection, "journal_mode") == "wal"
            assert _pragma(connection, "foreign_keys") == 1
            assert _pragma(connection, "synchronous") == 2  # FULL
            assert _pragma(connection, "busy_timeout") == 5000
        sqlite_engine.dispose()


def test_relaxed_transactions_skip_the_fsync_and_never_leak_into_durable_ones(sqlite_engine: Engine) -> None:
    """The outbox worker's bookkeeping commits with synchronous=NORMAL; the same pooled connection, used
    next for an answer, is back at FULL before that transaction begins."""
    for _ in range(2):
        with relaxed(sqlite_engine).begin() as connection:
            assert _pragma(connection, "synchronous") == 1  # NORMAL
        with sqlite_engine.begin() as connection:
            assert _pragma(connection, "synchronous") == 2  # FULL
        with deferred(sqlite_engine).connect() as connection:
            assert _pragma(connection, "synchronous") == 2


def test_sqlite_transactions_take_the_write_lock_at_begin(sqlite_engine: Engine, tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: even a transaction that has only read holds the write lock, so it can never
    fail later when it tries to upgrade its read lock (the cause of "database is locked")."""
    other = sqlite3.connect(tmp_path / "samrad.db", timeout=0, isolation_level=None)
    try:
        with sqlite_engine.begin() as connection:
            connection.execute(select(func.count()).select_from(processed_events_table))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        # A deferred (read-only) transaction leaves the write lock free.
        with deferred(sqlite_engine).begin() as connection:
            connection.execute(select(func.count()).select_from(processed_events_table))
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_two_threads_writing_at_once_do_not_fail_with_database_locked(sqlite_engine: Engine) -> None:
    rounds = 40
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(channel: str) -> None:
        try:
            start.wait()
            for i in range(rounds):
                # Read, then write in the same transaction: the pattern that deadlocks under DEFERRED.
                with sqlite_engine.begin() as connection:
                    seen = connection.execute(
                        select(func.count()).select_from(processed_events_table)
                    ).scalar_one()
                    connection.execute(
                        processed_events_table.insert().values(channel=channel, event_id=f"{i}-{seen}")
                    )
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("telegram", "slack")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite_engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(processed_events_table)).scalar_one()
    assert count == 2 * rounds


def test_in_memory_sqlite_is_one_database_across_threads() -> None:
    engine = make_engine("sqlite://")
    upgrade(engine)
    with session_factory(engine).begin() as session:
        session.add(Business(org_number="556016-0680", name="Mörby Bageri AB"))
    found: list[int] = []

    def count_in_another_thread() -> None:
        with session_factory(engine)() as session:
            found.append(session.execute(select(func.count()).select_from(Business)).scalar_one())

    thread = threading.Thread(target=count_in_another_thread)
    thread.start()
    thread.join()
    assert found == [1]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://samrad:pw@db.example:5432/samrad", "postgresql+psycopg"),
        ("postgres://samrad@db.example/samrad", "postgresql+psycopg"),
        ("postgresql+psycopg://samrad@db.example/samrad", "postgresql+psycopg"),
        ("sqlite:///./samrad.db", "sqlite"),
    ],
)
def test_urls_without_a_driver_get_psycopg(url: str, driver: str) -> None:
    assert normalise_url(url).drivername == driver


def test_make_engine_for_postgresql_uses_psycopg_3() -> None:
    engine = make_engine("postgresql://samrad@db.example/samrad")  # creating it does not connect
    assert engine.dialect.name == "postgresql"
    assert engine.dialect.driver == "psycopg"
    assert engine.pool._pre_ping  # stale connections are replaced, not handed out
    engine.dispose()


def test_objects_stay_readable_after_commit(db_engine: Engine) -> None:
    with session_factory(db_engine)() as session:
        business = Business(org_number="556016-0680", name="Mörby Bageri AB")
        session.add(business)
        session.commit()
    assert business.id == 1
    assert business.name == "Mörby Bageri AB"  # no reload from a closed session


def test_a_rolled_back_savepoint_keeps_the_outer_transaction(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        connection.execute(processed_events_table.insert().values(channel="telegram", event_id="1"))
        savepoint = connection.begin_nested()
        connection.execute(processed_events_table.insert().values(channel="telegram", event_id="2"))
        savepoint.rollback()
    with db_engine.connect() as connection:
        rows = connection.execute(select(processed_events_table.c.event_id)).scalars().all()
    assert rows == ["1"]

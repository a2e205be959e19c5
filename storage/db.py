"""Engines and sessions for SQLite (the embedded default) and PostgreSQL (past one machine)."""

from __future__ import annotations

import json
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlmodel import Session

__all__ = [
    "deferred",
    "is_sqlite",
    "make_engine",
    "normalise_url",
    "relaxed",
    "session_factory",
    "writer_busy",
]

# Execution option read by the SQLite "begin" hook: how a transaction starts.
SQLITE_BEGIN_OPTION: Final = "samrad_sqlite_begin"
SQLITE_BUSY_TIMEOUT_MS: Final = 5000
# Execution option read by the same hook: the transaction's `PRAGMA synchronous` (default FULL).
SQLITE_SYNCHRONOUS_OPTION: Final = "samrad_sqlite_synchronous"


def _json_dumps(value: Any) -> str:
    # Keep å, ä and ö readable in the stored JSON (the default escapes them as \u00e5).
    return json.dumps(value, ensure_ascii=False)


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL; `postgresql://` and `postgres://` without a driver mean psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for `sqlite:///path`, `sqlite://` (in memory) or `postgresql://…`."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    if parsed.get_backend_name() == "postgresql":
        # pre_ping: a connection dropped by a restart or a proxy is replaced instead of failing a request.
        # Each process holds at most pool_size + max_overflow connections; several `samrad serve`
        # processes share one server, whose default max_connections is 100.
        return create_engine(parsed, echo=echo, json_serializer=_json_dumps, pool_pre_ping=True,
                             pool_size=5, max_overflow=5, pool_recycle=1800)
    return create_engine(parsed, echo=echo, json_serializer=_json_dumps)


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    if in_memory:
        # One shared connection: every thread sees the same in-memory database.
        engine = create_engine(url, echo=echo, json_serializer=_json_dumps, poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
    else:
        # Pooled connections move between threads (one at a time): let sqlite3 allow that.
        engine = create_engine(url, echo=echo, json_serializer=_json_dumps,
                               connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (it would BEGIN only before DML and
        # never for SELECT); the "begin" hook below emits BEGIN itself. SQLAlchemy documents this recipe.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                # WAL: readers never block the writer and vice versa; set per file, but cheap to repeat.
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite, per connection
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # wait for the lock, don't fail
            cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before we acknowledge it
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # BEGIN IMMEDIATE takes the write lock up front. A DEFERRED transaction that reads and then
        # writes has to upgrade its lock, and when another writer got there first SQLite fails it at once
        # with "database is locked" (busy_timeout cannot help: waiting could deadlock). Read-only work
        # can opt into DEFERRED through `deferred(engine)` so it never queues behind writers.
        options = connection.get_execution_options()
        # Pooled connections are shared: every transaction sets the level it wants, when it differs from
        # what the connection has (recorded with it), so a relaxed one never leaks into another's.
        synchronous = options.get(SQLITE_SYNCHRONOUS_OPTION, "FULL")
        info = connection.connection.info
        if info.get(SQLITE_SYNCHRONOUS_OPTION, "FULL") != synchronous:
            connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
            info[SQLITE_SYNCHRONOUS_OPTION] = synchronous
        mode = options.get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def deferred(engine: Engine) -> Engine:
    """The same engine (same pool), but SQLite transactions begin DEFERRED: for read-only work such as
    the officials' pages, which then run alongside writers under WAL. No effect on PostgreSQL."""
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})


def writer_busy(engine: Engine) -> bool:
    """Whether another connection holds SQLite's write lock now (a long import, say): asked without
    waiting, and without writing anything. Always False on PostgreSQL, whose writers do not exclude
    each other."""
    if not is_sqlite(engine) or engine.url.database in (None, "", ":memory:"):
        return False  # an in-memory database has one connection, in this process
    raw = engine.raw_connection()  # outside SQLAlchemy's transaction: BEGIN is issued by hand here
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout=0")
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except Exception as error:  # sqlite3.OperationalError: database is locked
                if "locked" in str(error) or "busy" in str(error):
                    return True
                raise
            cursor.execute("ROLLBACK")
            return False
        finally:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()
    finally:
        raw.close()


def relaxed(engine: Engine) -> Engine:
    """The same engine (same pool), but SQLite transactions commit with synchronous=NORMAL: in WAL mode
    a commit no longer waits for the disk, and a power cut (not a crash of the process) may undo the
    last such commits. Only for bookkeeping whose loss is harmless (the outbox worker's claims and
    outcomes: a lost 'sent' mark means a message is sent once more). No effect on PostgreSQL."""
    return engine.execution_options(**{SQLITE_SYNCHRONOUS_OPTION: "NORMAL"})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """SQLModel sessions bound to `engine`: `with factory() as s:` or `with factory.begin() as s:` (commits
    on success). Objects stay readable after commit (no reload round trip), so a service can commit and
    then return what it wrote."""
    return sessionmaker(engine, class_=Session, expire_on_commit=False)

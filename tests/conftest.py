"""Shared database fixtures.

- `db_engine`: a migrated, empty database, once on SQLite and once on PostgreSQL (parametrized).
- `sqlite_engine`: a migrated, empty SQLite file database, for tests that need only SQLite.
- `postgres_engine`: a migrated, empty PostgreSQL database (skips or fails when there is none).
- `db_session`: a SQLModel session on `db_engine`.

PostgreSQL: each test session creates its own database `samrad_test_<random>` next to the one named by
SAMRAD_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), migrates it once,
empties every table before each test, and drops it at the end. Without a reachable server those tests
are skipped, unless SAMRAD_REQUIRE_POSTGRES=1 (as in CI), where they fail.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

import storage.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.settings import Settings
from bot.web.app import create_web_app
from storage.db import make_engine, normalise_url, session_factory
from storage.migrate import upgrade
from tests.live_server import LiveServer

# Channel fixtures (fake platforms and the app wired to them) live next to their fakes' helpers.
pytest_plugins = ["tests.telegram_support", "tests.slack_support"]

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> URL:
    return normalise_url(os.environ.get("SAMRAD_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)


@functools.cache
def postgres_available() -> str | None:
    """None when the PostgreSQL test server answers; otherwise the reason it cannot be used."""
    url = postgres_base_url()
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure means "no server to test against"; the reason says which
        detail = (str(error).strip().splitlines() or [""])[0]
        return f"PostgreSQL at {url.render_as_string()} is not available: {type(error).__name__}: {detail}"
    return None


def _require_postgres() -> None:
    reason = postgres_available()
    if reason is None:
        return
    if os.environ.get("SAMRAD_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (SAMRAD_REQUIRE_POSTGRES=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _postgres_session_engine() -> Iterator[Engine]:
    """A database of this test session's own, migrated once; dropped at the end."""
    _require_postgres()
    base = postgres_base_url()
    name = f"samrad_test_{secrets.token_hex(6)}"
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(base.set(database=name))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            # FORCE: a test that leaked a connection must not leave the database behind.
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_engine(_postgres_session_engine: Engine) -> Engine:
    """The session's PostgreSQL database, emptied (ids restart at 1) before the test."""
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with _postgres_session_engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return _postgres_session_engine


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, built once and copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_engine(_sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite file database in the test's tmp_path."""
    path = tmp_path / "samrad.db"
    # SQLite's backup API copies the database consistently, whatever is still in the template's WAL.
    with closing(sqlite3.connect(_sqlite_template)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database: each test using it runs once per backend."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    engine: Engine = request.getfixturevalue(fixture)
    return engine


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session on `db_engine` (expire_on_commit=False); closed after the test."""
    with session_factory(db_engine)() as session:
        yield session


# --- the application ------------------------------------------------------------------------------

# Thursday 27 February 2025, 09:00 in Stockholm: tests run at a fixed, ordinary working-day time.
TEST_NOW = dt.datetime(2025, 2, 27, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture
def app(db_engine: Engine, clock: FixedClock) -> App:
    """The application wired to a migrated, empty database (each backend) and a fixed clock."""
    # Channels that tests put into app.channels exist only in this process: the worker sends from here
    # (tests/bot/test_sender_process.py covers sending from a process of its own).
    settings = Settings(database_url="sqlite://", public_url="http://samrad.test", secret_key="test-secret",
                        sender_process="off", _env_file=None)  # type: ignore[call-arg]
    return build(settings, clock=clock, engine=db_engine)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def web(app: App, live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server serving this test's app; the app's writer is stopped (drained) afterwards."""
    web_app = create_web_app(app)
    live_server.app.target = web_app
    yield live_server
    live_server.app.target = None
    web_app.state.writer.stop()

"""A long write by another process (a large `business import`) on SQLite: the pages still answer and
/healthz says the database is busy instead of failing; the import itself writes in short transactions."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from contextlib import closing

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, event

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.services import business_file, businesses
from bot.settings import Settings
from bot.web.app import create_web_app
from tests import scenario
from tests.bench_support import business_csv
from tests.live_server import LiveServer


@pytest.fixture
def sqlite_app(sqlite_engine: Engine, clock: FixedClock) -> App:
    settings = Settings(database_url="sqlite://", public_url="http://samrad.test", secret_key="test-secret",
                        sender_process="off", _env_file=None)  # type: ignore[call-arg]
    return build(settings, clock=clock, engine=sqlite_engine)


def test_pages_and_the_health_check_answer_while_another_process_holds_the_write_lock(
    sqlite_app: App, live_server: LiveServer
) -> None:
    town = scenario.municipality(sqlite_app)
    web_app = create_web_app(sqlite_app)
    live_server.app.target = web_app
    path = sqlite_app.engine.url.database
    assert path is not None
    link = sqlite_app.answer_url(town.contact_ids[0], town.consultation_id).replace(
        sqlite_app.settings.public_url, live_server.url)
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as other, httpx.Client(timeout=20) as client:
            assert client.get(f"{live_server.url}/healthz").json()["database"] == "ok"
            other.execute("BEGIN IMMEDIATE")  # as a long import's transaction does
            other.execute("UPDATE businesses SET area = area")
            started = time.monotonic()
            health = client.get(f"{live_server.url}/healthz")
            page = client.get(link)
            elapsed = time.monotonic() - started
            other.execute("ROLLBACK")
        assert (health.status_code, health.json()["database"], health.json()["status"]) == (200, "busy", "ok")
        assert page.status_code == 200 and "Trafiken under byggtiden" in page.text
        assert elapsed < 2  # neither waited for the lock (SQLite's busy timeout is 5 s)
    finally:
        live_server.app.target = None
        web_app.state.writer.stop()


def test_a_large_import_commits_in_short_transactions_and_writes_everything(sqlite_app: App) -> None:
    count = 2 * businesses.BATCH_BUSINESSES + 1
    rows = business_file.parse_businesses_csv(business_csv(count))
    commits: list[float] = []
    event.listen(sqlite_app.engine, "commit", lambda _conn: commits.append(time.monotonic()))
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    result = businesses.import_businesses_in_batches(sqlite_app.engine, rows, now=now)
    assert len(commits) == 3  # the write lock is let go twice in between
    assert (result.businesses_created, result.contacts_created) == (count, count)
    with sqlite_app.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar_one() == count
        assert conn.execute(sa.text("SELECT count(*) FROM channel_identities")).scalar_one() == (count + 9) // 10
    again = businesses.import_businesses_in_batches(sqlite_app.engine, rows, now=now)
    assert (again.businesses_created, again.businesses_updated, again.contacts_updated) == (0, 0, 0)

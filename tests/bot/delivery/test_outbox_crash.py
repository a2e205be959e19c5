"""A worker process killed with SIGKILL in the middle of a broadcast loses nothing: the next one delivers
every invitation, and at most one message per crash is delivered twice (the one in flight)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine

from bot.clock import FixedClock
from tests import scenario
from tests.bot.delivery.outbox_support import add_contacts, app_with
from tests.fakes.platform import FakePlatform

ROOT = Path(__file__).resolve().parents[3]
CONTACTS = 1000


def start_worker_process(database_url: str, platform: FakePlatform, consultation_id: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.outbox_process", database_url, platform.url, str(consultation_id)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def kill_after(process: subprocess.Popen[str], platform: FakePlatform, deliveries: int) -> None:
    deadline = time.monotonic() + 60
    while platform.count() < deliveries:
        assert process.poll() is None, f"the worker ended early: {process.communicate()}"
        assert time.monotonic() < deadline, "the worker did not get going"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)  # reaps it and closes its pipes
    assert process.returncode == -signal.SIGKILL


def test_a_broadcast_survives_sigkill_with_at_most_one_duplicate_per_crash(
    sqlite_engine: Engine, clock: FixedClock
) -> None:
    clock.now = dt.datetime.now(dt.UTC)  # the worker processes run on the real clock
    app = app_with(sqlite_engine, clock)
    add_contacts(app, CONTACTS, channel="fake")
    app.channels["fake"] = None  # type: ignore[assignment]  # only the name counts when choosing
    consultation_id = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=clock.now + dt.timedelta(days=14), areas="[Mörby]")
    )
    database_url = str(sqlite_engine.url)
    sqlite_engine.dispose()
    platform = FakePlatform().start()
    try:
        kill_after(start_worker_process(database_url, platform, consultation_id), platform, 250)
        kill_after(start_worker_process(database_url, platform, consultation_id), platform, 600)
        last = start_worker_process(database_url, platform, consultation_id)
        out, err = last.communicate(timeout=90)
        assert last.returncode == 0, err
        assert out.splitlines() == ["queued 0", "done"]  # the broadcast was not queued again
    finally:
        platform.stop()

    per_chat = Counter(delivery.chat for delivery in platform.deliveries)
    assert len(per_chat) == CONTACTS  # every invitation arrived
    duplicates = sum(count - 1 for count in per_chat.values())
    assert duplicates <= 2, f"{duplicates} duplicates after two crashes"


def test_the_worker_process_alone_delivers_everything_once_and_skips_a_blocked_chat(
    sqlite_engine: Engine, clock: FixedClock
) -> None:
    clock.now = dt.datetime.now(dt.UTC)
    app = app_with(sqlite_engine, clock)
    add_contacts(app, 50, channel="fake")
    app.channels["fake"] = None  # type: ignore[assignment]
    consultation_id = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=clock.now + dt.timedelta(days=14))
    )
    database_url = str(sqlite_engine.url)
    sqlite_engine.dispose()
    platform = FakePlatform(per_second=1000).start()
    platform.blocked.add("chat-3")
    try:
        process = start_worker_process(database_url, platform, consultation_id)
        out, err = process.communicate(timeout=60)
    finally:
        platform.stop()
    assert process.returncode == 0, err
    assert out.splitlines() == ["queued 50", "done"]
    assert sorted(Counter(d.chat for d in platform.deliveries).values()) == [1] * 49

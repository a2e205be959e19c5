"""The group-commit writer: many jobs share a commit, a failing job rolls back only itself."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.writer import GroupCommitWriter
from storage.tables import processed_events_table

NOW = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def record_event(event_id: str):
    def work(conn: Connection) -> str:
        conn.execute(
            processed_events_table.insert().values(channel="test", event_id=event_id, received_at=NOW)
        )
        return event_id

    return work


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(processed_events_table)).scalar_one()


def test_concurrent_jobs_are_all_committed_in_fewer_transactions(db_engine: Engine) -> None:
    writer = GroupCommitWriter(db_engine)
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda i: writer.run(record_event(f"e{i}")), range(400)))
    finally:
        writer.stop()
    assert sorted(results) == sorted(f"e{i}" for i in range(400))
    assert count(db_engine) == 400
    assert writer.jobs_done == 400
    assert writer.batches < 400


def test_a_failing_job_rolls_back_alone(db_engine: Engine) -> None:
    writer = GroupCommitWriter(db_engine)
    try:
        writer.run(record_event("first"))
        futures = [writer.submit(record_event(name)) for name in ("a", "first", "b")]
        assert futures[0].result() == "a"
        with pytest.raises(IntegrityError):
            futures[1].result()
        assert futures[2].result() == "b"
    finally:
        writer.stop()
    assert count(db_engine) == 3


async def test_the_event_loop_awaits_the_commit(sqlite_engine: Engine) -> None:
    writer = GroupCommitWriter(sqlite_engine)
    try:
        names = await asyncio.gather(*(writer.run_async(record_event(f"x{i}")) for i in range(20)))
    finally:
        writer.stop()
    assert len(names) == 20
    assert count(sqlite_engine) == 20


def test_stop_finishes_the_jobs_already_submitted(sqlite_engine: Engine) -> None:
    writer = GroupCommitWriter(sqlite_engine)
    futures = [writer.submit(record_event(f"s{i}")) for i in range(50)]
    writer.stop()
    assert all(f.done() for f in futures)
    assert count(sqlite_engine) == 50


def test_a_job_that_fails_after_writing_leaves_nothing_and_the_batch_goes_on(db_engine: Engine) -> None:
    writer = GroupCommitWriter(db_engine)
    half_done = record_event("half")

    def fails_after_writing(conn: Connection) -> str:
        half_done(conn)
        raise ValueError("the service found a problem after its first statement")

    try:
        futures = [writer.submit(record_event("before")), writer.submit(fails_after_writing),
                   writer.submit(record_event("after"))]
        assert futures[0].result() == "before"
        with pytest.raises(ValueError, match="after its first statement"):
            futures[1].result()
        assert futures[2].result() == "after"
    finally:
        writer.stop()
    assert count(db_engine) == 2  # "half" was rolled back with its job

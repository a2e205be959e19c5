"""The SQL helpers behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.services.sql import insert_ignoring_duplicates
from storage.tables import processed_events_table


def test_insert_ignoring_duplicates_tells_a_repeat_from_a_new_row(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        assert insert_ignoring_duplicates(conn, processed_events_table, {"channel": "telegram", "event_id": "7"})
        assert not insert_ignoring_duplicates(conn, processed_events_table, {"channel": "telegram", "event_id": "7"})
        assert insert_ignoring_duplicates(conn, processed_events_table, {"channel": "telegram", "event_id": "8"})

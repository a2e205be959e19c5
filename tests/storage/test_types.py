"""UTC timestamps and JSON documents behave the same on every backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from storage.db import session_factory
from storage.tables import (
    Case,
    Consultation,
    OutboxMessage,
    cases_table,
    consultations_table,
    outbox_table,
)

STOCKHOLM_SUMMER = dt.timezone(dt.timedelta(hours=2))


def _add_consultation(session: Session, **fields: Any) -> Consultation:
    case = Case(reference="KS 2024/0042", title="Mörby centrum", type="traffic", stage="early")
    session.add(case)
    session.flush()
    assert case.id is not None
    consultation = Consultation(case_id=case.id, title="Trafiken", **fields)
    session.add(consultation)
    session.commit()
    return consultation


def test_aware_datetimes_come_back_as_the_same_instant_in_utc(db_engine: Engine) -> None:
    closes = dt.datetime(2024, 3, 15, 17, 0, 0, 123456, tzinfo=STOCKHOLM_SUMMER)
    with session_factory(db_engine)() as session:
        consultation_id = _add_consultation(session, closes_at=closes).id
    with db_engine.connect() as connection:
        stored = connection.execute(
            select(consultations_table.c.closes_at).where(consultations_table.c.id == consultation_id)
        ).scalar_one()
    assert stored == closes
    assert stored.tzinfo is dt.UTC
    assert stored == dt.datetime(2024, 3, 15, 15, 0, 0, 123456, tzinfo=dt.UTC)


def test_naive_datetimes_are_refused(db_engine: Engine) -> None:
    with db_engine.begin() as connection, pytest.raises(StatementError, match="naive datetime"):
        connection.execute(
            cases_table.insert().values(reference="KS 1", title="t", type="x", stage="y",
                                        created_at=dt.datetime(2024, 1, 1, 12, 0))
        )


def test_defaults_apply_to_core_inserts_too(db_engine: Engine) -> None:
    before = dt.datetime.now(dt.UTC)
    with db_engine.begin() as connection:
        connection.execute(outbox_table.insert().values(channel="telegram", address="1", kind="reply",
                                                        idempotency_key="k1"))
        row = connection.execute(select(outbox_table)).one()
    assert (row.status, row.attempts, row.priority, row.payload) == ("pending", 0, 0, {})
    assert row.created_at.tzinfo is dt.UTC
    assert before <= row.due_at <= dt.datetime.now(dt.UTC)


def test_timestamps_compare_correctly_in_sql(db_engine: Engine) -> None:
    now = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
    with session_factory(db_engine).begin() as session:
        for key, due in (
            ("early", now - dt.timedelta(microseconds=1)),
            ("on-time", now),
            ("late", now + dt.timedelta(seconds=1)),
            ("late-local", dt.datetime(2024, 3, 1, 13, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))),
        ):
            session.add(OutboxMessage(channel="telegram", address="1", kind="reply", idempotency_key=key,
                                      due_at=due))
    with db_engine.connect() as connection:
        due_keys = connection.execute(
            select(outbox_table.c.idempotency_key).where(outbox_table.c.due_at <= now)
            .order_by(outbox_table.c.due_at)
        ).scalars().all()
    assert due_keys == ["early", "on-time"]


def test_json_round_trips_nested_documents_and_swedish_text(db_engine: Engine) -> None:
    spec = {
        "title": {"sv": "Trafiken under byggtiden", "en": "Traffic during construction"},
        "questions": [
            {"id": "concerns", "kind": "multi",
             "options": [{"id": "parking", "text": "Parkering på gården"}]},
            {"id": "staff", "kind": "number", "min": 0, "max": None, "weights": [1.5, 2]},
        ],
        "städning": "åäö ÅÄÖ é ü — ✓",
        "flags": {"yes": True, "no": False},
    }
    with session_factory(db_engine)() as session:
        consultation_id = _add_consultation(session, spec=spec, reminders=["P3D", "P6D"]).id
    with session_factory(db_engine)() as session:
        loaded = session.get(Consultation, consultation_id)
        assert loaded is not None
        assert loaded.spec == spec
        assert loaded.reminders == ["P3D", "P6D"]


def test_none_in_a_json_column_is_sql_null(db_engine: Engine) -> None:
    with session_factory(db_engine)() as session:
        consultation_id = _add_consultation(session).id
    with db_engine.connect() as connection:
        unopened = connection.execute(
            select(consultations_table.c.id).where(consultations_table.c.snapshot.is_(None))
        ).scalars().all()
    assert unopened == [consultation_id]

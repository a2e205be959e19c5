"""Unique constraints hold and foreign keys delete what they declare, on every backend."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, Table, delete, func, select
from sqlalchemy.exc import IntegrityError

from storage.tables import (
    answers_table,
    businesses_table,
    cases_table,
    channel_identities_table,
    consultations_table,
    contacts_table,
    dialogues_table,
    invitations_table,
    outbox_table,
    processed_events_table,
    users_table,
)


def _insert_twice(engine: Engine, table: Table, first: dict[str, Any], second: dict[str, Any]) -> None:
    with engine.begin() as connection:
        connection.execute(table.insert().values(**first))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(table.insert().values(**second))


def _count(engine: Engine, table: Table, *where: Any) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_an_org_number_is_unique(db_engine: Engine) -> None:
    _insert_twice(db_engine, businesses_table, {"org_number": "556016-0680", "name": "Mörby Bageri AB"},
                  {"org_number": "556016-0680", "name": "Another name"})


def test_a_platform_event_is_processed_once_per_channel(db_engine: Engine) -> None:
    _insert_twice(db_engine, processed_events_table, {"channel": "telegram", "event_id": "42"},
                  {"channel": "telegram", "event_id": "42"})
    with db_engine.begin() as connection:  # the same id on another platform is another event
        connection.execute(processed_events_table.insert().values(channel="slack", event_id="42"))
    assert _count(db_engine, processed_events_table) == 2


def test_an_idempotency_key_is_queued_once(db_engine: Engine) -> None:
    row = {"channel": "telegram", "address": "1", "kind": "invitation", "idempotency_key": "invite:1:7"}
    _insert_twice(db_engine, outbox_table, row, row | {"address": "2"})


def test_one_answer_per_question_per_contact(db_engine: Engine, seeded: dict[str, int]) -> None:
    with pytest.raises(IntegrityError), db_engine.begin() as connection:
        connection.execute(answers_table.insert().values(
            consultation_id=seeded["consultation_id"], contact_id=seeded["contact_id"],
            question_id="affected", value=False, channel="web",
        ))


def test_other_unique_keys(db_engine: Engine, seeded: dict[str, int]) -> None:
    _insert_twice(db_engine, users_table, {"email": "a@kommun.se", "password_hash": "x", "role": "admin"},
                  {"email": "a@kommun.se", "password_hash": "y", "role": "official"})
    with pytest.raises(IntegrityError), db_engine.begin() as connection:
        connection.execute(cases_table.insert().values(reference="KS 2024/0042", title="t", type="x",
                                                       stage="y"))
    with pytest.raises(IntegrityError), db_engine.begin() as connection:
        connection.execute(channel_identities_table.insert().values(
            contact_id=seeded["contact_id"], channel="telegram", address="1001"))
    with pytest.raises(IntegrityError), db_engine.begin() as connection:
        connection.execute(invitations_table.insert().values(
            consultation_id=seeded["consultation_id"], contact_id=seeded["contact_id"], code="other"))


def test_a_foreign_key_must_point_at_a_row(db_engine: Engine) -> None:
    with pytest.raises(IntegrityError), db_engine.begin() as connection:
        connection.execute(contacts_table.insert().values(business_id=999, name="Nobody"))


def test_deleting_a_business_deletes_its_contacts_and_their_data(
    db_engine: Engine, seeded: dict[str, int]
) -> None:
    with db_engine.begin() as connection:
        connection.execute(delete(businesses_table))
    children = (contacts_table, channel_identities_table, invitations_table, dialogues_table, answers_table)
    for table in children:
        assert _count(db_engine, table) == 0, table.name
    # The outbox row survives, detached from the contact (it may already be sent; it is the log).
    with db_engine.connect() as connection:
        contact_id, consultation_id = connection.execute(
            select(outbox_table.c.contact_id, outbox_table.c.consultation_id)
        ).one()
    assert (contact_id, consultation_id) == (None, seeded["consultation_id"])


def test_deleting_a_consultation_deletes_its_answers_and_unroutes_contacts(
    db_engine: Engine, seeded: dict[str, int]
) -> None:
    with db_engine.begin() as connection:
        connection.execute(delete(consultations_table))
    for table in (invitations_table, dialogues_table, answers_table):
        assert _count(db_engine, table) == 0, table.name
    assert _count(db_engine, contacts_table) == 1
    assert _count(db_engine, contacts_table, contacts_table.c.active_consultation_id.is_(None)) == 1
    assert _count(db_engine, outbox_table, outbox_table.c.consultation_id.is_(None),
                  outbox_table.c.contact_id == seeded["contact_id"]) == 1


def test_a_case_with_consultations_cannot_be_deleted(db_engine: Engine, seeded: dict[str, int]) -> None:
    with pytest.raises(IntegrityError), db_engine.begin() as connection:
        connection.execute(delete(cases_table))
    assert _count(db_engine, cases_table) == 1

"""A small, connected data set for the storage tests."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from storage.db import session_factory
from storage.tables import (
    Answer,
    Business,
    Case,
    ChannelIdentity,
    Consultation,
    Contact,
    Dialogue,
    Invitation,
    OutboxMessage,
)


@pytest.fixture
def seeded(db_engine: Engine) -> dict[str, int]:
    """One business with one contact, invited to one open consultation, with one answer and one reply.
    Returns the ids: business_id, contact_id, case_id, consultation_id."""
    with session_factory(db_engine).begin() as session:
        business = Business(org_number="556016-0680", name="Mörby Bageri AB", industry="10710", area="Mörby")
        case = Case(reference="KS 2024/0042", title="Ombyggnad av Mörby centrum", type="traffic",
                    stage="early")
        session.add_all([business, case])
        session.flush()
        assert business.id is not None and case.id is not None
        consultation = Consultation(case_id=case.id, title="Trafiken under byggtiden", status="open")
        session.add(consultation)
        session.flush()
        assert consultation.id is not None
        contact = Contact(business_id=business.id, name="Åsa Öberg", email="asa@example.se",
                          active_consultation_id=consultation.id)
        session.add(contact)
        session.flush()
        assert contact.id is not None
        session.add_all([
            ChannelIdentity(contact_id=contact.id, channel="telegram", address="1001"),
            Invitation(consultation_id=consultation.id, contact_id=contact.id, code="abc123",
                       channel="telegram"),
            Dialogue(contact_id=contact.id, consultation_id=consultation.id, status="partial"),
            Answer(consultation_id=consultation.id, contact_id=contact.id, question_id="affected", value=True,
                   channel="telegram"),
            OutboxMessage(channel="telegram", address="1001", contact_id=contact.id,
                          consultation_id=consultation.id, kind="reply", payload={"text": "Tack!"},
                          idempotency_key="reply-1"),
        ])
        return {"business_id": business.id, "contact_id": contact.id, "case_id": case.id,
                "consultation_id": consultation.id}

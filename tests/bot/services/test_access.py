"""Right of access (`samrad contact export ID`, bot/services/access.py): everything stored about one contact
and nothing about anyone else — here two contacts of the same business, both with answers, chats and
queued messages, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa

from bot.bootstrap import App
from bot.services import access
from bot.services.dialogues import load_consultation, load_contact
from bot.services.replies import queue_replies
from conversations.messages import ChoiceIn, CommandIn, TextOut
from conversations.phrases import NOTICE_VERSION
from conversations.prompts import SUBMIT_ID
from storage import outbox as outbox_queries
from storage.tables import channel_identities_table, contacts_table
from tests import scenario

ANNA = {"name": "Anna Ek", "email": "anna@bageri.example", "phone": "08-123456", "chat": "anna-chat-1111",
        "text": "Leveranser före sju, tack", "staff": "12"}
BO = {"name": "Bo Ek", "email": "bo@bageri.example", "chat": "bo-chat-5555",
      "text": "Cykelparkering vid bakdörren", "staff": "37"}


def _answers(staff: str, text: str) -> dict[str, str]:
    return {"affected": "yes", "impact": "4", "concerns": "deliveries", "best_time": "evening",
            "staff": staff, "start": "2025-03-15", "comments": text}


def _fill(app: App) -> tuple[int, int, int]:
    """Anna and Bo (one business) both answer on the web and have a chat; each has a message queued on a
    channel of their own; Anna opted out and her e-mail bounced."""
    town = scenario.municipality(app)
    anna, bo = town.contact_ids[0], town.contact_ids[1]
    now = app.clock()
    with app.engine.begin() as conn:
        consultation = load_consultation(conn, town.consultation_id)
        assert consultation is not None
        for contact_id, person, channel in ((anna, ANNA, "telegram"), (bo, BO, "slack")):
            conn.execute(channel_identities_table.insert().values(
                contact_id=contact_id, channel=channel, address=person["chat"], created_at=now))
            contact = load_contact(conn, contact_id)
            assert contact is not None
            for question_id, value in _answers(person["staff"], person["text"]).items():
                app.dialogues.answer(conn, contact, consultation, ChoiceIn(question_id, (value,)),
                                     channel="web", now=now)
            queue_replies(conn, channel=channel, address=person["chat"], contact_id=contact_id,
                          consultation_id=town.consultation_id, messages=[TextOut(f"Hej {person['name']}")],
                          idempotency_key=f"later:{contact_id}", now=now + dt.timedelta(hours=contact_id))
        outbox_queries.mark_unreachable(conn, contact_id=anna, channel="email", reason="SMTP 550", now=now)
        conn.execute(contacts_table.update().where(contacts_table.c.id == anna).values(opted_out_at=now))
    return town.consultation_id, anna, bo


def _export(app: App, contact_id: int) -> tuple[str, dict[str, Any]]:
    with app.engine.connect() as conn:
        text = access.as_json(access.contact_data(conn, contact_id))
    return text, json.loads(text)


def test_the_export_holds_every_datum_of_the_contact_and_none_of_another_in_the_same_business(app: App) -> None:
    consultation_id, anna, bo = _fill(app)
    text, data = _export(app, anna)

    assert (data["contact_id"], data["name"], data["email"], data["phone"], data["language"]) == (
        anna, ANNA["name"], ANNA["email"], ANNA["phone"], "sv")
    assert data["business"] == {"name": "Mörby Bageri AB", "org_number": "556016-0680"}
    assert data["opted_out_at"] == app.clock().isoformat() and data["unreachable_at"] is not None
    assert data["unreachable_reason"] == "email: SMTP 550"
    assert [(i["channel"], i["address"]) for i in data["identities"]] == [("telegram", ANNA["chat"])]
    [consultation] = data["consultations"]
    assert consultation["consultation_id"] == consultation_id
    assert consultation["title"] == "Trafiken under byggtiden i Mörby centrum"
    assert consultation["response_status"] == "partial" and consultation["answered_on"] == "web"
    assert consultation["notice_version"] == NOTICE_VERSION
    assert (consultation["notice_shown_at"], consultation["notice_channel"]) == (app.clock().isoformat(), "web")
    answers = {a["question_id"]: a for a in consultation["answers"]}
    assert list(answers) == ["affected", "impact", "concerns", "best_time", "staff", "start", "comments"]
    assert answers["best_time"]["question"] == "När stör arbetet er minst?"
    assert (answers["best_time"]["value"], answers["best_time"]["shown"]) == ("evening", "Kväll")
    assert answers["comments"]["value"] == ANNA["text"] and answers["staff"]["value"] == 12
    assert [(q["kind"], q["channel"]) for q in data["queued"]] == [("reply", "telegram")]
    assert consultation["unsent_changes"] == {}

    # Bo's data in any form, and anything only he has (his chat's channel), appears nowhere in hers.
    for needle in (BO["name"], BO["email"], BO["chat"], BO["text"], "slack", f"contact {bo}"):
        assert needle not in text, needle
    assert '"value": 37' not in text
    # …and the other way round: his export is his.
    bo_text, bo_data = _export(app, bo)
    assert bo_data["name"] == BO["name"] and bo_data["language"] == "en"
    assert bo_data["consultations"][0]["answers"][0]["question"] == "Will the rebuilding affect your business?"
    for needle in (ANNA["name"], ANNA["email"], ANNA["phone"], ANNA["chat"], ANNA["text"], "telegram"):
        assert needle not in bo_text, needle
    assert bo_data["opted_out_at"] is None


@pytest.mark.parametrize("contact_id", [0, 999, 2**40])
def test_a_contact_that_does_not_exist_is_named_in_the_error(app: App, contact_id: int) -> None:
    with app.engine.connect() as conn, pytest.raises(access.AccessError, match=f"there is no contact {contact_id}"):
        access.contact_data(conn, contact_id)


def test_a_contact_never_invited_has_no_consultations_and_nothing_queued(app: App) -> None:
    scenario.municipality(app)
    with app.engine.connect() as conn:
        dan = conn.execute(sa.select(contacts_table.c.id).where(contacts_table.c.name == "Dan Ro")).scalar_one()
    _, data = _export(app, dan)
    assert (data["name"], data["consultations"], data["queued"], data["identities"]) == ("Dan Ro", [], [], [])


def test_changes_to_a_submitted_response_not_yet_sent_again_are_in_the_export(app: App) -> None:
    """They live in the dialogue's state only (the answers table keeps what was submitted)."""
    town = scenario.municipality(app)
    anna = town.contact_ids[0]
    now = app.clock()
    with app.engine.begin() as conn:
        contact, consultation = load_contact(conn, anna), load_consultation(conn, town.consultation_id)
        assert contact is not None and consultation is not None

        def say(inbound: Any) -> None:
            app.dialogues.answer(conn, contact, consultation, inbound, channel="web", now=now)

        for question_id, value in _answers("12", ANNA["text"]).items():
            say(ChoiceIn(question_id, (value,)))
        say(ChoiceIn(SUBMIT_ID, ("yes",)))
        say(CommandIn("change", "comments"))
        say(ChoiceIn("comments", ("Ändrat: leveranser före sex",)))
    _, data = _export(app, anna)
    [consultation_data] = data["consultations"]
    assert consultation_data["response_status"] == "complete"
    assert {a["question_id"]: a["value"] for a in consultation_data["answers"]}["comments"] == ANNA["text"]
    assert consultation_data["unsent_changes"] == {"comments": "Ändrat: leveranser före sex"}

"""An anonymous consultation keeps a sent response without its sender: after Anna answers in a chat, no
text or JSON value of any table that names her (name, e-mail, phone, org number, chat id) or points at her
contact row holds her answers, and the answers are kept with her business's area and industry only. The
export lists them with empty identity columns. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.bootstrap import App
from bot.services import anonymous, export
from bot.services.chat import ChatRouter
from bot.services.dialogues import load_state
from bot.services.replies import queue_replies
from conversations.messages import TextIn
from conversations.phrases import ANONYMOUS_NOTICE_VERSION, phrase
from storage.tables import answers_table, channel_identities_table, outbox_table
from tests import scenario

CHAT_ID = "987654321"
EVENTS = itertools.count()  # the platform's event ids, as the inbox keys its replies
ANNA = ("Anna Ek", "anna@bageri.example", "08-123456", "556016-0680", "5560160680", CHAT_ID)
FREE_TEXT = "Leveranser före sju, tack"
ANSWERS = ("ja", "4", "1, 4", "kväll", "1 217", "15/3", FREE_TEXT)


def anonymous_town(app: App) -> scenario.Municipality:
    """The test businesses and the demo consultation, made anonymous, open (and the only one)."""
    scenario.import_businesses(app)
    text = scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=14))
    consultation_id = scenario.open_consultation(
        app, text.replace("  reminders: [P3D, P6D]", "  reminders: [P3D, P6D]\n  anonymous: true"))
    return scenario.Municipality(consultation_id, scenario.invited_contacts(app, consultation_id))


def chat(app: App, contact_id: int, consultation_id: int, *texts: str, sent: bool = True) -> list[Any]:
    """Anna's chat as the Telegram inbox runs it: replies queued to her chat id; `sent`: the worker has
    delivered them since."""
    router = ChatRouter(app.dialogues)
    now = app.clock()
    replies: list[Any] = []
    with app.engine.begin() as conn:
        messages = router.start(conn, contact_id, channel="telegram", now=now, consultation_id=consultation_id)
        replies.extend(messages)
        queue_replies(conn, channel="telegram", address=CHAT_ID, contact_id=contact_id, consultation_id=None,
                      messages=messages, idempotency_key=f"event:{next(EVENTS)}", now=now)
        for text in texts:
            reply = router.receive(conn, contact_id, TextIn(text), channel="telegram", now=now)
            replies.extend(reply.messages)
            queue_replies(conn, channel="telegram", address=CHAT_ID, contact_id=contact_id, consultation_id=None,
                          messages=reply.messages, idempotency_key=f"event:{next(EVENTS)}", now=now)
        if sent:
            conn.execute(outbox_table.update().where(outbox_table.c.status == "pending").values(status="sent"))
    return replies


def every_row(app: App) -> list[tuple[str, dict[str, Any], str]]:
    """(table, row, the row's text and JSON values as one text) for every row of every table."""
    found = []
    with app.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                values = dict(row._mapping)
                text = " ".join(
                    v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                    for v in values.values() if isinstance(v, str | dict | list)
                )
                found.append((table.name, values, text))
    return found


def points_at(table: str, row: dict[str, Any], contact_id: int) -> bool:
    return row.get("contact_id") == contact_id or (table == "contacts" and row["id"] == contact_id)


def test_a_sent_anonymous_response_cannot_be_linked_to_its_sender(app: App) -> None:
    town = anonymous_town(app)
    consultation_id = town.consultation_id
    anna = town.contact_ids[0]
    with app.engine.begin() as conn:
        conn.execute(channel_identities_table.insert().values(
            contact_id=anna, channel="telegram", address=CHAT_ID, created_at=app.clock()))

    replies = chat(app, anna, consultation_id, *ANSWERS)
    [notice] = [m.text for m in replies if getattr(m, "style", None) == "notice"]
    assert notice == phrase("notice_anonymous", "sv") + " Så hanterar vi dina uppgifter: http://samrad.test/integritet"
    before = every_row(app)
    # The test looks where the answers really are before sending: in her rows, next to her chat id.
    assert {t for t, row, text in before if FREE_TEXT in text and points_at(t, row, anna)} == {
        "outbox", "dialogues", "answers"}
    assert any(row["address"] == CHAT_ID for t, row, text in before if t == "outbox" and FREE_TEXT in text)

    chat(app, anna, consultation_id, "ja")  # sends the response

    after = every_row(app)
    holding_answers = [(t, row, text) for t, row, text in after if FREE_TEXT in text]
    assert [t for t, _, _ in holding_answers] == ["anonymous_responses"]
    [(_, response, text)] = holding_answers
    assert not [needle for needle in ANNA if needle in text]
    assert (response["area"], response["industry"], response["notice_version"]) == (
        "Mörby", "10711", ANONYMOUS_NOTICE_VERSION)
    assert set(response) == {"id", "consultation_id", "area", "industry", "answers", "notice_version"}
    # Nothing that names her or points at her holds any of her answers.
    for table, row, text in after:
        if points_at(table, row, anna) or any(needle in text for needle in ANNA):
            assert FREE_TEXT not in text and "1217" not in text and "evening" not in text, (table, row)
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(answers_table).where(answers_table.c.contact_id == anna)).all() == []
        state = load_state(conn, anna, consultation_id)
        assert next(r.answers for r in anonymous.responses(conn, consultation_id))["comments"] == FREE_TEXT
    assert state is not None and state.status == "complete" and state.answers == {}


def test_a_sent_anonymous_response_cannot_be_reopened_but_stop_still_works(app: App) -> None:
    town = anonymous_town(app)
    consultation_id = town.consultation_id
    anna = town.contact_ids[0]
    chat(app, anna, consultation_id, *ANSWERS, "ja")
    replies = chat(app, anna, consultation_id, "ändra")
    assert [getattr(m, "text", None) for m in replies][-1] == phrase("after_submitted_anonymous", "sv")
    with app.engine.connect() as conn:
        assert anonymous.count(conn, consultation_id) == 1
        state = load_state(conn, anna, consultation_id)
    assert state is not None and state.phase == "submitted" and state.answers == {}
    chat(app, anna, consultation_id, "stopp", "ja")
    with app.engine.connect() as conn:
        state = load_state(conn, anna, consultation_id)
        assert anonymous.count(conn, consultation_id) == 1
    assert state is not None and state.phase == "opted_out" and state.status == "complete"


def test_the_export_lists_anonymous_responses_without_identity(app: App) -> None:
    town = anonymous_town(app)
    consultation_id = town.consultation_id
    anna, bo, _cilla = town.contact_ids
    chat(app, anna, consultation_id, *ANSWERS, "ja")
    chat(app, bo, consultation_id, "nej")  # partial: kept with Bo until he sends it, never exported with him
    with app.session() as session:
        table = list(csv.DictReader(io.StringIO(export.export_csv(session, consultation_id))))
        document = json.loads(export.export_json(session, consultation_id))
    by_name = {row["contact_name"]: row for row in table}
    assert set(by_name) == {"", "Bo Ek", "Cilla Ros"}  # Anna's row is the anonymous one
    response = by_name[""]
    assert {k: response[k] for k in ("org_number", "business_name", "channel", "invited_at", "completed_at")} == {
        "org_number": "", "business_name": "", "channel": "", "invited_at": "", "completed_at": ""}
    assert (response["status"], response["comments"], response["staff"]) == ("complete", FREE_TEXT, "1217")
    assert (response["area"], response["industry"], response["notice_version"]) == (
        "Mörby", "10711", ANONYMOUS_NOTICE_VERSION)
    assert (response["notice_shown_at"], response["notice_channel"]) == ("", "")
    assert (by_name["Bo Ek"]["status"], by_name["Bo Ek"]["affected"]) == ("partial", "")
    assert by_name["Bo Ek"]["notice_channel"] == "telegram"
    assert document["consultation"]["anonymous"] is True
    assert [r["contact_name"] for r in document["responses"] if r["status"] == "complete"] == [""]

"""A chat message with text no database stores (a lone surrogate, NUL) is answered and stored cleaned,
on SQLite and PostgreSQL, whatever channel brought it (the cleaning is in the shared dialogue service)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bot.bootstrap import App
from bot.services.chat import ChatRouter
from bot.services.replies import queue_replies
from conversations.messages import TextIn
from storage.tables import answers_table, dialogues_table, outbox_table
from tests import scenario


def test_a_lone_surrogate_and_a_nul_in_chat_messages_are_stored_cleaned(app: App) -> None:
    town = scenario.municipality(app)
    anna = town.contact_ids[0]
    router = ChatRouter(app.dialogues)
    now = app.clock()
    with app.engine.begin() as conn:
        router.start(conn, anna, channel="console", now=now, consultation_id=town.consultation_id)
        for index, text in enumerate(["ja\x00", "4", "\ud800", "1, 2", "morgon", "12", "hoppa över",
                                      "Tack\ud800 och\x00 hej"]):
            reply = router.receive(conn, anna, TextIn(text), channel="console", now=now)
            queue_replies(conn, channel="console", address="terminal", contact_id=anna,
                          consultation_id=town.consultation_id, messages=reply.messages,
                          idempotency_key=f"m{index}", now=now)
    with app.engine.connect() as conn:
        answers = dict(conn.execute(sa.select(answers_table.c.question_id, answers_table.c.value)).tuples().all())
        stored = [json.dumps(v) for v in conn.execute(sa.select(outbox_table.c.payload)).scalars()]
        stored += [json.dumps(v) for v in conn.execute(sa.select(dialogues_table.c.state)).scalars()]
    assert answers["affected"] is True and answers["comments"] == "Tack\ufffd och hej"
    assert not any("\\ud800" in text or "\\u0000" in text for text in stored)

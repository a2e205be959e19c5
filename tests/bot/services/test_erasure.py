"""`contact erase` leaves no trace of the person in any table, on SQLite and PostgreSQL: not in the
contacts row, the chat identities, the outbox (addresses, message contents, platforms' error texts),
the delivery history or the dialogue's state. Answers stay, de-identified; free-text answers are kept
as written in the answers table only (README, "Privacy and public access")."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.bootstrap import App
from bot.services import contacts, export
from bot.services.chat import ChatRouter
from bot.services.dialogues import load_consultation, load_contact
from bot.services.replies import queue_replies
from conversations.messages import ChoiceIn, TextIn
from storage import outbox as outbox_queries
from storage.tables import (
    answers_table,
    channel_identities_table,
    contacts_table,
    due_reminders_table,
    outbox_table,
)
from tests import scenario

NAME, EMAIL, PHONE, CHAT_ID = "Anna Ek", "anna@bageri.example", "08-123456", "987654321"
FREE_TEXT_WEB = "Leveranser före sju, tack"
FREE_TEXT_CHAT = "Parkeringen behövs vid lunch"
WEB_ANSWERS = {"affected": "yes", "impact": "4", "concerns": "deliveries", "best_time": "evening",
               "staff": "12", "start": "2025-03-15", "comments": FREE_TEXT_WEB}
CHAT_ANSWERS = ("ja", "4", "1, 2", "morgon", "12", "hoppa över", FREE_TEXT_CHAT)


def _text_values(app: App) -> dict[str, list[str]]:
    """Every text and JSON value of every table, as text, by "table.column"."""
    found: dict[str, list[str]] = {}
    with app.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if _holds_text(c)]
            for row in conn.execute(sa.select(*columns)) if columns else ():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                        found.setdefault(f"{table.name}.{column.name}", []).append(text)
    return found


def _holds_text(column: sa.Column[Any]) -> bool:
    kinds = (sa.String, sa.JSON)
    return isinstance(column.type, kinds) or isinstance(getattr(column.type, "impl_instance", None), kinds)


def _fill_every_trace(app: App) -> tuple[int, int, int]:
    town = scenario.municipality(app)
    second = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=10), reference="KS 2025/0077")
    )
    anna = town.contact_ids[0]
    now = app.clock()
    with app.engine.begin() as conn:
        # A reply to her chat before it was bound to her (an unknown /start), then her chat identity.
        queue_replies(conn, channel="telegram", address=CHAT_ID, contact_id=None, consultation_id=None,
                      messages=[_notice(f"Hej {NAME}")],
                      idempotency_key="unbound", now=now)
        conn.execute(channel_identities_table.insert().values(
            contact_id=anna, channel="telegram", address=CHAT_ID, created_at=now))
        # Answers on the web page.
        contact, consultation = load_contact(conn, anna), load_consultation(conn, town.consultation_id)
        assert contact is not None and consultation is not None
        for question_id, value in WEB_ANSWERS.items():
            app.dialogues.answer(conn, contact, consultation, ChoiceIn(question_id, (value,)),
                                 channel="web", now=now)
        # Answers in the chat about the second consultation; the replies (the summary repeats the free
        # text) are queued to her chat, as the Telegram service does.
        router = ChatRouter(app.dialogues)
        queue_replies(conn, channel="telegram", address=CHAT_ID, contact_id=anna, consultation_id=second,
                      messages=router.start(conn, anna, channel="telegram", now=now, consultation_id=second),
                      idempotency_key="start", now=now)
        for index, text in enumerate(CHAT_ANSWERS):
            reply = router.receive(conn, anna, TextIn(text), channel="telegram", now=now)
            queue_replies(conn, channel="telegram", address=CHAT_ID, contact_id=anna, consultation_id=second,
                          messages=reply.messages, idempotency_key=f"chat:{index}", now=now)
        # An e-mail reminder that bounced for good, and one still queued; a reminder planned.
        queue_replies(conn, channel="email", address=EMAIL, contact_id=anna, consultation_id=second,
                      messages=[_notice(f"Hej {NAME}")], idempotency_key="mail", now=now)
        queue_replies(conn, channel="email", address=EMAIL, contact_id=anna, consultation_id=second,
                      messages=[_notice(f"Påminnelse till {NAME}")], idempotency_key="mail-later",
                      now=now + dt.timedelta(days=2))
        bounced = conn.execute(sa.select(outbox_table.c.id).where(
            outbox_table.c.idempotency_key == "mail:0")).scalar_one()
        conn.execute(outbox_table.update().where(outbox_table.c.id == bounced)
                     .values(status="sending", claimed_by="w1"))
        error = f"SMTP 550 for {EMAIL}: no such user ({NAME})"
        assert outbox_queries.record_attempt(conn, row_id=bounced, worker="w1", now=now, outcome="unreachable",
                                             detail=error, status="failed", count_attempt=True)
        outbox_queries.mark_unreachable(conn, contact_id=anna, channel="email", reason=error, now=now)
        conn.execute(due_reminders_table.insert().values(
            consultation_id=second, contact_id=anna, number=1, kind="after_invitation",
            due_at=now + dt.timedelta(days=3), status="pending", created_at=now))
    return town.consultation_id, second, anna


def _notice(text: str) -> Any:
    from conversations.messages import TextOut

    return TextOut(text, style="notice")


def test_erasing_a_contact_leaves_no_trace_of_them_in_any_table(app: App) -> None:
    first, second, anna = _fill_every_trace(app)
    before = _text_values(app)
    for needle in (NAME, EMAIL, PHONE, CHAT_ID, FREE_TEXT_CHAT):  # the test looks where they really are
        assert any(needle in value for values in before.values() for value in values), needle
    assert any(EMAIL in v for v in before["delivery_attempts.detail"])
    assert any(FREE_TEXT_CHAT in v for v in before["outbox.payload"])

    with app.session() as session:
        contacts.erase_contact(session, anna, now=app.clock(), actor="official")
        session.commit()

    after = _text_values(app)
    for needle in (NAME, EMAIL, PHONE, CHAT_ID):
        leaks = [column for column, values in after.items() if any(needle in v for v in values)]
        assert leaks == [], f"{needle!r} is still in {leaks}"
    for free_text in (FREE_TEXT_WEB, FREE_TEXT_CHAT):
        kept = [column for column, values in after.items() if any(free_text in v for v in values)]
        assert kept == ["answers.value"], f"{free_text!r} is in {kept}"
    with app.engine.connect() as conn:
        answered = conn.execute(sa.select(sa.func.count()).select_from(answers_table)
                                .where(answers_table.c.contact_id == anna)).scalar_one()
        queued = conn.execute(sa.select(sa.func.count()).select_from(outbox_table)
                              .where(outbox_table.c.status == "pending")).scalar_one()
        reminders = conn.execute(sa.select(due_reminders_table.c.status)).scalars().all()
        row = conn.execute(sa.select(contacts_table).where(contacts_table.c.id == anna)).one()
    assert answered == len(WEB_ANSWERS) + len(CHAT_ANSWERS) - 1  # one was skipped
    assert queued == 0 and reminders == ["skipped"]
    assert row.erased_at is not None and row.opted_out_at is not None
    # The export still shows the answers and where each dialogue stood, without the person.
    with app.session() as session:
        _, rows = export.response_rows(session, second)
    mine = [r for r in rows if r.answers.get("comments") == FREE_TEXT_CHAT]
    assert [(r.contact_name, r.status) for r in mine] == [(export.ERASED_NAME, "opted_out")]
    with app.session() as session:
        _, rows = export.response_rows(session, first)
    assert [r.answers["comments"] for r in rows if r.contact_name == export.ERASED_NAME] == [FREE_TEXT_WEB]

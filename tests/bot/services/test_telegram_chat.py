"""A Telegram update handled in the writer's transaction, statement by statement: each one costs more in
SQLAlchemy than in the database, so what an answer runs is part of the contract."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.telegram_render import Button, answered
from adapters.telegram_updates import ButtonPress, ChatText, StartCommand, TelegramUpdate
from bot.bootstrap import App
from bot.services.telegram_chat import Handled, TelegramUpdates
from storage.tables import answers_table, invitations_table, outbox_table
from tests import scenario
from tests.bot.services.statements_support import shapes, statements

CHAT = 4711
# One statement per row that changes, and one read before the engine runs.
AN_ANSWER = ["INSERT processed_events", "SELECT", "INSERT answers", "UPDATE dialogues", "INSERT outbox"]


def handle(app: App, updates: TelegramUpdates, update: TelegramUpdate) -> Handled:
    with app.engine.begin() as conn:
        return updates.handle(conn, update, now=app.clock())


def joined(app: App) -> TelegramUpdates:
    """A chat that tapped its link: the first question (affected, yes/no) waits."""
    town = scenario.municipality(app)
    with app.engine.connect() as conn:
        code = conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == town.contact_ids[0])
        ).scalar_one()
    updates = TelegramUpdates(app.dialogues, bot_id="42")
    assert handle(app, updates, StartCommand(1, CHAT, code)).replies > 0  # the opening and the first question
    return updates


def answers(app: App) -> dict[str, object]:
    with app.engine.connect() as conn:
        return dict(
            conn.execute(sa.select(answers_table.c.question_id, answers_table.c.value)).tuples().all()
        )


def delivered(app: App, message_id: int) -> None:
    """The outbox worker sent what is queued; Telegram gave the last message (the question) this id."""
    with app.engine.begin() as conn:
        ids = conn.execute(sa.select(outbox_table.c.id).order_by(outbox_table.c.id)).scalars().all()
        conn.execute(sa.update(outbox_table).values(status="sent"))
        conn.execute(
            sa.update(outbox_table)
            .where(outbox_table.c.id == ids[-1])
            .values(platform_message_id=str(message_id))
        )


def test_a_typed_answer_reads_once_writes_each_row_once_and_finds_its_question_s_message(app: App) -> None:
    updates = joined(app)
    delivered(app, message_id=10)
    with statements(app.engine) as seen:
        handled = handle(app, updates, ChatText(2, CHAT, "ja"))
    assert handled.replies == 1
    # The last read: the message that asked the question, whose buttons now give way to the answer.
    assert shapes(seen) == [*AN_ANSWER, "SELECT"]
    assert answers(app) == {"affected": True}
    assert handled.edit is not None and handled.edit.message_id == 10
    assert handled.edit.keyboard == answered("Ja")


def test_a_refused_typed_answer_leaves_the_buttons_and_looks_for_no_message(app: App) -> None:
    updates = joined(app)
    delivered(app, message_id=10)
    with statements(app.engine) as seen:
        handled = handle(app, updates, ChatText(2, CHAT, "kanske"))
    assert handled.edit is None  # the question comes again; the old copy can still be tapped
    assert "SELECT" not in shapes(seen)[2:]
    assert answers(app) == {}


def test_buttons_of_a_question_not_yet_delivered_cannot_be_replaced(app: App) -> None:
    updates = joined(app)  # the question is still in the outbox
    handled = handle(app, updates, ChatText(2, CHAT, "ja"))
    assert handled.edit is None and answers(app) == {"affected": True}


def test_stepping_back_by_typing_takes_the_buttons_away(app: App) -> None:
    updates = joined(app)
    handle(app, updates, ChatText(2, CHAT, "ja"))
    delivered(app, message_id=11)  # question 2
    handled = handle(app, updates, ChatText(3, CHAT, "/back"))
    assert handled.edit is not None and (handled.edit.message_id, handled.edit.keyboard) == (11, ())


def test_a_button_press_reads_once_too(app: App) -> None:
    updates = joined(app)
    press = ButtonPress(2, CHAT, "query-1", 10, Button("Ja", "a:affected:yes"), None)
    with statements(app.engine) as seen:
        handled = handle(app, updates, press)
    assert handled.replies == 1 and handled.edit is not None and handled.callback_query_id == "query-1"
    assert shapes(seen) == AN_ANSWER
    assert answers(app) == {"affected": True}


def test_a_repeated_update_stops_at_its_event_id(app: App) -> None:
    updates = joined(app)
    handle(app, updates, ChatText(2, CHAT, "ja"))
    with statements(app.engine) as seen:
        assert handle(app, updates, ChatText(2, CHAT, "nej")).duplicate
    assert shapes(seen) == ["INSERT processed_events"]
    assert answers(app) == {"affected": True}

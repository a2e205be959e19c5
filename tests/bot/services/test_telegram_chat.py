"""A Telegram update handled in the writer's transaction, statement by statement: each one costs more in
SQLAlchemy than in the database, so what an answer runs is part of the contract."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.telegram import ButtonPress, ChatText, StartCommand, TelegramUpdate
from adapters.telegram_render import Button
from bot.bootstrap import App
from bot.services.telegram_chat import Handled, TelegramUpdates
from storage.tables import answers_table, invitations_table
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


def test_a_typed_answer_reads_once_and_writes_each_row_once(app: App) -> None:
    updates = joined(app)
    with statements(app.engine) as seen:
        handled = handle(app, updates, ChatText(2, CHAT, "ja"))
    assert handled.replies == 1
    assert shapes(seen) == AN_ANSWER
    assert answers(app) == {"affected": True}


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

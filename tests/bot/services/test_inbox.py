"""A chat event handled by the inbox in the writer's transaction, statement by statement: each one costs
more in SQLAlchemy than in the database, so what an answer runs is part of the contract. The events are
the neutral ones every chat channel produces; the channel is only a name here."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.base import ChatEvent, NoControls, Press, Pressed, ShowAnswer, Started, Typed
from bot.bootstrap import App
from bot.services.inbox import ChatInbox, InboxOutcome
from conversations.messages import ChoiceIn
from storage.tables import answers_table, invitations_table, outbox_table
from tests import scenario
from tests.bot.services.statements_support import shapes, statements

CHANNEL = "somechat"
CHAT = "4711"
# One statement per row that changes, and one read before the engine runs.
AN_ANSWER = ["INSERT processed_events", "SELECT", "INSERT answers", "UPDATE dialogues", "INSERT outbox"]


def handle(app: App, inbox: ChatInbox, event: ChatEvent) -> InboxOutcome:
    with app.engine.begin() as conn:
        return inbox.handle(conn, CHANNEL, event, now=app.clock())


def typed(event_id: int, text: str) -> Typed:
    return Typed(str(event_id), CHAT, text)


def joined(app: App) -> ChatInbox:
    """A chat that tapped its link: the first question (affected, yes/no) waits."""
    town = scenario.municipality(app)
    with app.engine.connect() as conn:
        code = conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == town.contact_ids[0])
        ).scalar_one()
    inbox = ChatInbox(app.dialogues)
    assert handle(app, inbox, Started("1", CHAT, code)).replies > 0  # the opening and the first question
    return inbox


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
    inbox = joined(app)
    delivered(app, message_id=10)
    with statements(app.engine) as seen:
        handled = handle(app, inbox, typed(2, "ja"))
    assert handled.replies == 1
    # The last read: the message that asked the question, whose buttons now give way to the answer.
    assert shapes(seen) == [*AN_ANSWER, "SELECT"]
    assert answers(app) == {"affected": True}
    assert handled.edit is not None and handled.edit.message_ref == "10"
    assert handled.edit.content == ShowAnswer("Ja")


def test_a_refused_typed_answer_leaves_the_buttons_and_looks_for_no_message(app: App) -> None:
    inbox = joined(app)
    delivered(app, message_id=10)
    with statements(app.engine) as seen:
        handled = handle(app, inbox, typed(2, "kanske"))
    assert handled.edit is None  # the question comes again; the old copy can still be tapped
    assert "SELECT" not in shapes(seen)[2:]
    assert answers(app) == {}


def test_buttons_of_a_question_not_yet_delivered_cannot_be_replaced(app: App) -> None:
    inbox = joined(app)  # the question is still in the outbox
    handled = handle(app, inbox, typed(2, "ja"))
    assert handled.edit is None and answers(app) == {"affected": True}


def test_stepping_back_by_typing_takes_the_buttons_away(app: App) -> None:
    inbox = joined(app)
    handle(app, inbox, typed(2, "ja"))
    delivered(app, message_id=11)  # question 2
    handled = handle(app, inbox, typed(3, "/back"))
    assert handled.edit is not None and (handled.edit.message_ref, handled.edit.content) == ("11", NoControls())


def test_a_button_press_reads_once_too(app: App) -> None:
    inbox = joined(app)
    press = Pressed("2", CHAT, "10", Press("affected", ChoiceIn("affected", ("yes",))), label="Ja")
    with statements(app.engine) as seen:
        handled = handle(app, inbox, press)
    assert handled.replies == 1 and handled.edit is not None and handled.notice == ""
    assert (handled.edit.message_ref, handled.edit.content) == ("10", ShowAnswer("Ja"))
    assert shapes(seen) == AN_ANSWER
    assert answers(app) == {"affected": True}


def test_a_repeated_update_stops_at_its_event_id(app: App) -> None:
    inbox = joined(app)
    handle(app, inbox, typed(2, "ja"))
    with statements(app.engine) as seen:
        assert handle(app, inbox, typed(2, "nej")).duplicate
    assert shapes(seen) == ["INSERT processed_events"]
    assert answers(app) == {"affected": True}


def test_a_press_on_another_question_s_control_is_stale_and_changes_nothing(app: App) -> None:
    inbox = joined(app)  # "affected" is asked
    old = Pressed("2", CHAT, "9", Press("best_time", ChoiceIn("best_time", ("evening",))), label="Kväll")
    handled = handle(app, inbox, old)
    assert handled.edit is None and handled.replies == 0
    assert handled.notice == "Den knappen gäller inte längre."
    assert answers(app) == {}


def test_a_press_whose_data_meant_nothing_is_stale_in_the_person_s_language(app: App) -> None:
    inbox = ChatInbox(app.dialogues)
    handled = handle(app, inbox, Pressed("1", "unknown-chat", "9", None, language="en-GB"))
    assert handled.notice == "That button no longer applies."


def test_a_typed_code_from_an_invitation_joins_like_a_start(app: App) -> None:
    town = scenario.municipality(app)
    with app.engine.connect() as conn:
        code = conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == town.contact_ids[1])
        ).scalar_one()
    inbox = ChatInbox(app.dialogues)
    handled = handle(app, inbox, typed(1, f"  {code} "))
    assert handled.replies > 0
    with app.engine.connect() as conn:
        first = conn.execute(sa.select(outbox_table.c.contact_id).order_by(outbox_table.c.id)).scalars().first()
    assert first == town.contact_ids[1]


def test_a_chat_we_cannot_place_is_told_how_to_reach_the_municipality_when_that_is_set(app: App) -> None:
    contact = "Näringslivsenheten, 08-568 910 00"
    inbox = ChatInbox(app.dialogues, municipality_contact=contact)
    handle(app, inbox, typed(1, "hej"))
    with app.engine.connect() as conn:
        text = conn.execute(sa.select(outbox_table.c.payload)).scalar_one()["text"]
    assert "Kontakta kommunen: Näringslivsenheten, 08-568 910 00" in text
    assert "Contact the municipality: Näringslivsenheten, 08-568 910 00" in text

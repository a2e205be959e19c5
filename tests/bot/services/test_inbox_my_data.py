""""mina uppgifter" / "my data" typed in any chat: the chat inbox answers with a summary of what is stored
about the person (bot/services/access.py), in their language, and leaves the dialogue where it was."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.base import ChatEvent, Started, Typed
from bot.bootstrap import App
from bot.services.inbox import ChatInbox
from conversations.commands import is_access_request
from storage.tables import answers_table, dialogues_table, invitations_table, outbox_table
from tests import scenario

CHANNEL = "somechat"


def _handle(app: App, inbox: ChatInbox, event: ChatEvent) -> None:
    with app.engine.begin() as conn:
        inbox.handle(conn, CHANNEL, event, now=app.clock())


def _join(app: App, inbox: ChatInbox, contact_id: int, chat: str) -> None:
    with app.engine.connect() as conn:
        code = conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == contact_id)
        ).scalar_one()
    _handle(app, inbox, Started(f"start-{chat}", chat, code))


def _last_text(app: App, chat: str) -> str:
    with app.engine.connect() as conn:
        payload = conn.execute(
            sa.select(outbox_table.c.payload)
            .where(outbox_table.c.address == chat)
            .order_by(outbox_table.c.id.desc())
            .limit(1)
        ).scalar_one()
    text: str = payload["text"]
    return text


def _dialogue(app: App, contact_id: int) -> tuple[object, ...]:
    with app.engine.connect() as conn:
        row = conn.execute(
            sa.select(dialogues_table.c.state, dialogues_table.c.status).where(
                dialogues_table.c.contact_id == contact_id
            )
        ).one()
    return tuple(row)


def test_mina_uppgifter_gets_a_summary_in_swedish_and_the_dialogue_waits_where_it_was(app: App) -> None:
    town = scenario.municipality(app)
    anna, bo = town.contact_ids[0], town.contact_ids[1]
    inbox = ChatInbox(app.dialogues, municipality_contact="Näringslivsenheten, 08-568 910 00")
    _join(app, inbox, anna, "anna-chat")
    _join(app, inbox, bo, "bo-chat")
    _handle(app, inbox, Typed("a1", "anna-chat", "ja"))  # her first answer
    _handle(app, inbox, Typed("b1", "bo-chat", "yes"))
    before = _dialogue(app, anna)

    _handle(app, inbox, Typed("a2", "anna-chat", "Mina uppgifter"))

    summary = _last_text(app, "anna-chat")
    assert summary.splitlines() == [
        "Det här har vi sparat om dig:",
        "• Du: Anna Ek, anna@bageri.example, 08-123456",
        "• Företag: Mörby Bageri AB (556016-0680)",
        "• Kanaler: e-post, somechat",
        "• ”Trafiken under byggtiden i Mörby centrum”: 1 svar, påbörjat",
        "• Meddelanden som väntar på att skickas till dig: 4",  # the replies no worker has sent in this test
        "Vill du att vi raderar dina uppgifter? Be kommunen om det.",
        "Kontakta kommunen: Näringslivsenheten, 08-568 910 00",
        "Så hanterar vi dina uppgifter: http://samrad.test/integritet",
    ]
    assert "Bo Ek" not in summary
    assert _dialogue(app, anna) == before  # not an answer, not a step of the dialogue
    with app.engine.connect() as conn:
        answers = conn.execute(
            sa.select(answers_table.c.question_id).where(answers_table.c.contact_id == anna)
        ).scalars().all()
    assert answers == ["affected"]
    # The dialogue goes on with the next question as if nothing was typed in between.
    _handle(app, inbox, Typed("a3", "anna-chat", "4"))
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(answers_table).where(
            answers_table.c.contact_id == anna)).scalar_one() == 2


def test_my_data_answers_in_english_to_an_english_contact(app: App) -> None:
    town = scenario.municipality(app)
    bo = town.contact_ids[1]
    inbox = ChatInbox(app.dialogues)
    _join(app, inbox, bo, "bo-chat")
    _handle(app, inbox, Typed("b2", "bo-chat", "/my data"))
    summary = _last_text(app, "bo-chat")
    assert summary.splitlines()[0] == "This is what we keep about you:"
    assert "• You: Bo Ek, bo@bageri.example" in summary
    assert "answers given: 0, not answered" in summary
    assert summary.endswith("How we handle your data: http://samrad.test/integritet?lang=en")


def test_an_unknown_chat_asking_for_its_data_learns_nothing_but_how_to_get_a_link(app: App) -> None:
    scenario.municipality(app)
    inbox = ChatInbox(app.dialogues)
    _handle(app, inbox, Typed("x1", "stranger", "mina uppgifter"))
    text = _last_text(app, "stranger")
    assert "personliga länk" in text and "Anna" not in text and "Mörby" not in text


def test_the_access_words_are_whole_messages_in_either_language() -> None:
    for text in ("mina uppgifter", "MINA UPPGIFTER!", "/my data", "/mina uppgifter@SamradBot", " My data "):
        assert is_access_request(text), text
    for text in ("mina uppgifter är fel", "data", "uppgifter", "my data please"):
        assert not is_access_request(text), text

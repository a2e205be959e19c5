"""`samrad chat`: answer a consultation in the terminal, through the same router as every chat channel."""

from __future__ import annotations

import sqlalchemy as sa

from adapters import console
from bot.bootstrap import App
from bot.cli.errors import UserFacingError
from bot.services.chat import ChatRouter
from bot.services.dialogues import load_consultation
from conversations.messages import AnswerValue, QuestionOut
from storage.tables import businesses_table, contacts_table, invitations_table

# Words that leave the terminal chat. Not "stopp": that is the dialogue's opt-out, which would stop
# every message to this contact.
LEAVE_WORDS = frozenset({"avsluta", "exit", "quit"})


def pick_contact(app: App, consultation_id: int, contact_id: int | None) -> int:
    with app.engine.connect() as conn:
        consultation = load_consultation(conn, consultation_id)
        if consultation is None:
            raise UserFacingError(f"there is no consultation {consultation_id}")
        if consultation.status != "open":
            raise UserFacingError(f"consultation {consultation_id} is {consultation.status}, not open")
        query = (
            sa.select(invitations_table.c.contact_id)
            .join(contacts_table, contacts_table.c.id == invitations_table.c.contact_id)
            .where(
                invitations_table.c.consultation_id == consultation_id, contacts_table.c.erased_at.is_(None)
            )
            .order_by(invitations_table.c.id)
        )
        if contact_id is not None:
            query = query.where(invitations_table.c.contact_id == contact_id)
        chosen = conn.execute(query.limit(1)).scalar_one_or_none()
    if chosen is None:
        who = f"contact {contact_id} is not" if contact_id is not None else "nobody is"
        raise UserFacingError(f"{who} invited to consultation {consultation_id}")
    return int(chosen)


def who(app: App, contact_id: int) -> str:
    """Which contact the terminal answers as: an official trying the demo must know whose answers
    these become."""
    with app.engine.connect() as conn:
        row = conn.execute(
            sa.select(contacts_table.c.name, businesses_table.c.name.label("business"))
            .join(businesses_table, businesses_table.c.id == contacts_table.c.business_id)
            .where(contacts_table.c.id == contact_id)
        ).one()
    return f"Du svarar som {row.name} ({row.business}), kontakt {contact_id} / answering as contact {contact_id}."


def run_console_chat(app: App, *, consultation_id: int, contact_id: int | None) -> None:
    contact = pick_contact(app, consultation_id, contact_id)
    print(who(app, contact))
    print("Avsluta med avsluta eller Ctrl+D (dina svar sparas) / leave with exit or Ctrl+D (answers are kept).")
    print("Välj en annan kontakt med --contact ID / choose another contact with --contact ID.")
    print()
    router = ChatRouter(app.dialogues)
    with app.engine.begin() as conn:
        opening = router.start(
            conn, contact, channel=console.NAME, now=app.clock(), consultation_id=consultation_id
        )
    _show(opening)
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if not line.strip():
            continue
        if line.strip().casefold() in LEAVE_WORDS:
            return
        with app.engine.begin() as conn:
            replies = router.receive(
                conn, contact, console.parse(line), channel=console.NAME, now=app.clock()
            ).messages
        _show(replies)


def _show(messages: list[console.Outbound]) -> None:
    for message in messages:
        print(console.render(message))
        if isinstance(message, QuestionOut) and message.value is not None:
            # Back at an answered question (tillbaka, ändra): show the answer, as the web page fills it in.
            # Marked as the summary marks answers ("→"); "klar"/"done" keeps it.
            print(f"   → {_shown_value(message, message.value)}")
        print()


def _shown_value(question: QuestionOut, value: AnswerValue) -> str:
    labels = {choice.id: choice.label for choice in question.choices}
    if isinstance(value, bool):
        return labels.get("yes" if value else "no", str(value))
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), str(value))

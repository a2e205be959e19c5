"""`samrad chat`: answer a consultation in the terminal, through the same router as every chat channel."""

from __future__ import annotations

import sqlalchemy as sa

from adapters import console
from bot.bootstrap import App
from bot.cli.errors import UserFacingError
from bot.services.chat import ChatRouter
from bot.services.dialogues import load_consultation
from storage.tables import contacts_table, invitations_table


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


def run_console_chat(app: App, *, consultation_id: int, contact_id: int | None) -> None:
    contact = pick_contact(app, consultation_id, contact_id)
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
        with app.engine.begin() as conn:
            replies = router.receive(
                conn, contact, console.parse(line), channel=console.NAME, now=app.clock()
            ).messages
        _show(replies)


def _show(messages: list[console.Outbound]) -> None:
    for message in messages:
        print(console.render(message))
        print()

"""A closed consultation whose participants are reached every way, for the feedback and notice tests.

Dan answered on Telegram (Swedish), Bo declined and has only e-mail (English), Cilla answered on the web
page and has no other channel; Fia answered and then opted out, Gus answered and was erased, Ida answered
but her mailbox is gone (unreachable), Hans was invited and never answered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from bot.bootstrap import App
from bot.services import lifecycle
from bot.services.contacts import erase_contact
from bot.services.dialogues import opt_out
from storage.tables import contacts_table, dialogues_table
from tests import scenario
from tests.bot.services.outreach_support import HEADER, bind, org_number


@dataclass(frozen=True)
class Closed:
    consultation_id: int
    dan: int
    bo: int
    cilla: int
    fia: int
    gus: int
    hans: int
    ida: int


PEOPLE = [
    # name, e-mail, phone, language
    ("Dan Ro", "dan@blommor.example", "070-1111111", "sv"),
    ("Bo Ek", "bo@bageri.example", "", "en"),
    ("Cilla Ros", "", "08-222222", "sv"),
    ("Fia Lund", "fia@kiosk.example", "", "sv"),
    ("Gus Berg", "gus@verkstad.example", "", "en"),
    ("Hans Ny", "hans@frisor.example", "", "sv"),
    ("Ida Holm", "ida@cykel.example", "", "sv"),
]


def took_part(app: App, consultation_id: int, contact_id: int, status: str, channel: str) -> None:
    """The contact's dialogue ended with `status` on `channel` (as the dialogue engine leaves it)."""
    now = app.clock()
    with app.engine.begin() as conn:
        conn.execute(
            dialogues_table.insert().values(
                contact_id=contact_id, consultation_id=consultation_id, state={}, status=status, channel=channel,
                started_at=now, updated_at=now, completed_at=now,
            )
        )


def closed_consultation(app: App, *, dan_chat: str = "4242") -> Closed:
    csv_text = HEADER + "".join(
        f"{org_number(10 + i)},Företag {i},47111,Mörby,butik,{name},{email},{phone},{language},,\n"
        for i, (name, email, phone, language) in enumerate(PEOPLE)
    )
    scenario.import_businesses(app, csv_text)
    with app.engine.connect() as conn:
        ids: dict[str, int] = dict(conn.execute(sa.select(contacts_table.c.name, contacts_table.c.id)).all())  # type: ignore[arg-type]
    bind(app, ids["Dan Ro"], "telegram", dan_chat)
    consultation_id = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=14))
    )
    took_part(app, consultation_id, ids["Dan Ro"], "complete", "telegram")
    took_part(app, consultation_id, ids["Bo Ek"], "declined", "web")
    took_part(app, consultation_id, ids["Cilla Ros"], "complete", "web")
    for name in ("Fia Lund", "Gus Berg", "Ida Holm"):
        took_part(app, consultation_id, ids[name], "complete", "email")
    now = app.clock()
    with app.engine.begin() as conn:
        opt_out(conn, ids["Fia Lund"], now=now)
        conn.execute(
            contacts_table.update()
            .where(contacts_table.c.id == ids["Ida Holm"])
            .values(unreachable_at=now, unreachable_reason="email: 550 no such mailbox")
        )
    with app.session() as session:
        erase_contact(session, ids["Gus Berg"], now=now, actor="test")
        session.commit()
    lifecycle.close(app, consultation_id, actor="test")
    return Closed(
        consultation_id, ids["Dan Ro"], ids["Bo Ek"], ids["Cilla Ros"], ids["Fia Lund"], ids["Gus Berg"],
        ids["Hans Ny"], ids["Ida Holm"],
    )

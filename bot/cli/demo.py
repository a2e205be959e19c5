"""The demo municipality: about forty businesses in Danderyd and an open consultation about Mörby centrum.

Seeded once, into an empty database, through the same services an official uses (CSV import, consultation
create and open), so the demo exercises the real paths. `samrad demo --reset` starts it over.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from bot.bootstrap import App
from bot.cli.database import describe
from bot.services import business_file, businesses, consultations, users
from conversations.consultation_file import load_consultation_file
from conversations.org_numbers import luhn_check_digit
from storage.tables import (
    Business,
    Case,
    Consultation,
    Dialogue,
    Invitation,
    businesses_table,
    cases_table,
    consultations_table,
    contacts_table,
    outbox_table,
)

DEMO_CONSULTATION = Path(__file__).parent / "demo_data" / "consultation.yaml"
DEMO_REFERENCE = "KS 2025/0042"
# The demo official's login for the officials' pages (/admin). A demo database only: a real installation
# makes its first account with `samrad user add EMAIL --role admin`.
DEMO_OFFICIAL_EMAIL = "demo@samrad.example"
DEMO_OFFICIAL_PASSWORD = "samrad-demo-2025"

# (name, SNI code, area, tags, contacts as (name, language)); SNI 2007 codes as Statistics Sweden lists them.
DEMO_BUSINESSES: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Mörby Pizzeria & Grill", "56100", "Mörby", "restaurang", (("Ali Yilmaz", "sv"),)),
    ("Café Centrumhörnan", "56100", "Mörby", "restaurang;kafé", (("Karin Lund", "sv"), ("Emil Lund", "sv"))),
    ("Sushi Mörby", "56100", "Mörby", "restaurang", (("Kenji Sato", "en"),)),
    ("ICA Nära Mörby", "47112", "Mörby", "livsmedel", (("Lena Berg", "sv"), ("Johan Berg", "sv"))),
    ("Mörby Blommor", "47761", "Mörby", "butik", (("Sara Holm", "sv"),)),
    ("Salong Klipp & Stil", "96021", "Mörby", "service", (("Nadia Haddad", "sv"),)),
    ("Apoteket Mörby", "47730", "Mörby", "vård;butik", (("Per Ekström", "sv"),)),
    ("Mörby Tandvård", "86230", "Mörby", "vård", (("Maria Nyberg", "sv"), ("Oskar Nyberg", "en"))),
    ("Optik Mörby", "47781", "Mörby", "butik", (("Eva Sjöberg", "sv"),)),
    ("Mörby Bokhandel", "47610", "Mörby", "butik", (("Anders Wik", "sv"),)),
    ("Gymmet i Mörby", "93130", "Mörby", "service", (("Linnea Falk", "sv"), ("Tom Falk", "en"))),
    ("Mörby Bil & Däck", "45201", "Mörby", "motor", (("Mehmet Kaya", "sv"),)),
    ("Bageri Vetekornet", "47241", "Mörby", "livsmedel;kafé", (("Ingrid Åberg", "sv"),)),
    ("Mörby Redovisning", "69201", "Mörby", "kontor", (("Fredrik Ahl", "sv"),)),
    ("Djursholms Konditori", "47241", "Djursholm", "livsmedel;kafé", (("Britt Sandell", "sv"),)),
    ("Restaurang Ekudden", "56100", "Djursholm", "restaurang", (("Lars Ekman", "sv"), ("Sofia Ekman", "en"))),
    ("Djursholms Torg Livs", "47112", "Djursholm", "livsmedel", (("Hassan Omar", "sv"),)),
    ("Villastadens Fastigheter", "68201", "Djursholm", "fastighet", (("Cecilia Rehn", "sv"),)),
    ("Djursholms Vårdcentral", "86210", "Djursholm", "vård", (("Jonas Lindqvist", "sv"),)),
    ("Ateljé Hårmoni", "96021", "Djursholm", "service", (("Mira Petrov", "en"),)),
    ("Djursholms Elservice", "43210", "Djursholm", "hantverk", (("Niklas Boman", "sv"),)),
    ("Stocksunds Blomsterhandel", "47761", "Stocksund", "butik", (("Agneta Rask", "sv"),)),
    ("Stocksunds Krog", "56100", "Stocksund", "restaurang", (("Viktor Hedin", "sv"), ("Ella Hedin", "sv"))),
    ("Stocksunds Hemelektronik", "47540", "Stocksund", "butik", (("Rami Saleh", "sv"),)),
    ("Torsvik Bilverkstad", "45201", "Stocksund", "motor", (("Göran Palm", "sv"),)),
    ("Stocksund Data AB", "62010", "Stocksund", "kontor", (("Aisha Noor", "en"),)),
    ("Stocksunds Skönhetsstudio", "96022", "Stocksund", "service", (("Julia Storm", "sv"),)),
    ("Enebybergs Livs", "47112", "Enebyberg", "livsmedel", (("Ahmad Rahimi", "sv"), ("Leila Rahimi", "sv"))),
    ("Enebybergs Järn & Bygg", "47521", "Enebyberg", "butik", (("Stefan Kron", "sv"),)),
    ("Pizzeria Enebyberg", "56100", "Enebyberg", "restaurang", (("Marco Rossi", "en"),)),
    ("Enebybergs Hunddagis", "96090", "Enebyberg", "service", (("Hanna Vik", "sv"),)),
    ("Enebybergs Städ", "81210", "Enebyberg", "service", (("Dragana Ilić", "sv"),)),
    ("Danderyds Möbler", "47591", "Danderyd", "butik", (("Magnus Strand", "sv"),)),
    (
        "Danderyds Hotell",
        "55101",
        "Danderyd",
        "hotell;restaurang",
        (("Camilla Borg", "sv"), ("Ian Moore", "en")),
    ),
    ("Danderyds Taxi", "49320", "Danderyd", "transport", (("Yusuf Demir", "sv"),)),
    ("Danderyds Bageri", "10711", "Danderyd", "livsmedel", (("Petra Lind", "sv"),)),
    ("Danderyds Klädbod", "47711", "Danderyd", "butik", (("Helena Ros", "sv"),)),
    ("Danderyd Bar & Bistro", "56300", "Danderyd", "restaurang", (("Filip Norén", "sv"),)),
    ("Danderyds Elinstallation", "43210", "Danderyd", "hantverk", (("Kristoffer Öst", "sv"),)),
    ("Danderyds Tandläkare", "86230", "Danderyd", "vård", (("Ulla Grahn", "sv"),)),
)


def demo_org_number(index: int) -> str:
    first_nine = f"556{712000 + index * 37:06d}"  # 556… is how most limited companies' numbers begin
    return f"{first_nine[:6]}-{first_nine[6:]}{luhn_check_digit(first_nine)}"


def demo_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(business_file.COLUMNS)
    for index, (name, sni, area, tags, people) in enumerate(DEMO_BUSINESSES):
        for person, language in people:
            login = person.lower().replace(" ", ".").translate(str.maketrans("åäöéćč", "aaoecc"))
            domain = name.lower().translate(str.maketrans("åäöé &", "aaoe--")).replace("--", "-")
            writer.writerow(
                [
                    demo_org_number(index),
                    name,
                    sni,
                    area,
                    tags,
                    person,
                    f"{login}@{domain}.example",
                    f"08-{7550000 + index * 11}",
                    language,
                    "",
                    "",
                ]
            )
    return buffer.getvalue()


def seed(app: App) -> bool:
    """Seed the demo businesses if the database holds none yet, and the demo consultation (open) if
    its case has none. Returns True when it seeded the businesses."""
    now = app.clock()
    with app.session() as session:
        seeded = session.exec(sa.select(businesses_table.c.id).limit(1)).first() is None  # type: ignore[call-overload]
        if seeded:
            rows = business_file.parse_businesses_csv(demo_csv())
            businesses.import_businesses(session, rows, now=now)
        if seeded or _demo_case_is_empty(session):
            _create_demo_consultation(app, session, now=now)
        session.commit()
    return seeded


def _demo_case_is_empty(session: Session) -> bool:
    case = session.exec(select(Case).where(Case.reference == DEMO_REFERENCE)).first()
    if case is None:
        return True
    return session.exec(select(Consultation.id).where(Consultation.case_id == case.id)).first() is None


def _create_demo_consultation(app: App, session: Session, *, now: dt.datetime) -> None:
    local = (now + dt.timedelta(days=30)).astimezone(ZoneInfo(app.settings.timezone))
    closes = local.replace(hour=17, minute=0, second=0, microsecond=0)  # 17:00 in the municipality
    text = DEMO_CONSULTATION.read_text(encoding="utf-8").replace("{closes}", closes.isoformat())
    file = load_consultation_file(text, source=str(DEMO_CONSULTATION))
    consultation = consultations.create_consultation(session, file, now=now, actor="demo", again=True)
    assert consultation.id is not None
    consultations.open_consultation(session, consultation.id, now=now, actor="demo")


def reset(app: App) -> None:
    """Start the demo over: the demo case's consultations go, with every answer, dialogue, reminder and
    queued message; the demo businesses' contacts may be messaged again. `seed` then makes a fresh one.
    Nothing outside the demo case and businesses is touched."""
    with app.engine.begin() as conn:
        case_ids = select_ids(conn, sa.select(cases_table.c.id).where(cases_table.c.reference == DEMO_REFERENCE))
        consultation_ids = select_ids(
            conn, sa.select(consultations_table.c.id).where(consultations_table.c.case_id.in_(case_ids))
        )
        conn.execute(outbox_table.delete().where(outbox_table.c.consultation_id.in_(consultation_ids)))
        # Invitations, dialogues, answers and reminders go with their consultation (ON DELETE CASCADE).
        conn.execute(consultations_table.delete().where(consultations_table.c.id.in_(consultation_ids)))
        conn.execute(cases_table.delete().where(cases_table.c.id.in_(case_ids)))
        demo_numbers = [demo_org_number(index) for index in range(len(DEMO_BUSINESSES))]
        demo_businesses = sa.select(businesses_table.c.id).where(businesses_table.c.org_number.in_(demo_numbers))
        conn.execute(
            contacts_table.update()
            .where(contacts_table.c.business_id.in_(demo_businesses))
            .values(opted_out_at=None, unreachable_at=None)
        )


def select_ids(conn: Connection, query: sa.Select[tuple[int]]) -> list[int]:
    return list(conn.execute(query).scalars())


def seed_and_print(app: App, *, host: str, port: int) -> Iterator[str]:
    account = list(seed_demo_account(app))
    seeded = seed(app)
    with app.session() as session:
        consultation = session.exec(
            select(Consultation)
            .join(Case, Case.id == Consultation.case_id)  # type: ignore[arg-type]
            .where(Case.reference == DEMO_REFERENCE)
            .order_by(Consultation.id.desc())  # type: ignore[union-attr]
        ).first()
        count = len(list(session.exec(select(Business))))
        # A demo business that has not answered yet: a link already answered shows only "thank you".
        fresh = None
        if consultation is not None:
            answered = select(Dialogue.contact_id).where(Dialogue.consultation_id == consultation.id)
            fresh = session.exec(
                select(Invitation)
                .where(Invitation.consultation_id == consultation.id)
                .where(col(Invitation.contact_id).not_in(answered))
                .order_by(col(Invitation.id))
            ).first()
    database = describe(app.settings.database_url)
    yield f"Samråd demo: {'seeded' if seeded else 'found'} {count} businesses in {database}"
    samrad = _command_name()
    if consultation is None:
        yield f"The demo consultation is gone from this database; start the demo over with: {samrad} demo --reset"
        return
    assert consultation.id is not None
    yield f"Consultation {consultation.id}: {consultation.title} ({consultation.status})"
    yield ""
    yield from account
    if fresh is None:
        yield f"Every demo business has answered; start over with: {samrad} demo --reset"
    else:
        yield f"Answer as a demo business:  {app.answer_url(fresh.contact_id, consultation.id)}"
    yield f"Officials' overview (CLI):  {samrad} consultation show {consultation.id}"
    yield f"All answer links (CSV):     {samrad} consultation invites {consultation.id}"
    yield f"Export the answers:         {samrad} consultation export {consultation.id} --format csv -o svar.csv"
    yield f"Answer in the terminal:     {samrad} chat --consultation {consultation.id}"
    yield f"Start the demo over:        {samrad} demo --reset"
    if samrad != "samrad":
        yield ""
        yield (
            f"The samrad command lives in {Path(samrad).parent}/: type {samrad} as above, or run "
            f"`source {Path(samrad).parent}/activate` once to type just samrad."
        )


def _command_name() -> str:
    """How this command was started (`.venv/bin/samrad` under `make demo`), so printed commands paste."""
    started_as = Path(sys.argv[0])
    return str(started_as) if started_as.name == "samrad" else "samrad"


def seed_demo_account(app: App) -> Iterator[str]:
    """The demo's account for the officials' pages (made once, also in a demo database seeded before
    it existed), and the lines that tell how to log in."""
    with app.session() as session:
        if users.find_user(session, DEMO_OFFICIAL_EMAIL) is None:
            users.add_user(
                session, DEMO_OFFICIAL_EMAIL, "admin", DEMO_OFFICIAL_PASSWORD, now=app.clock(), actor="demo"
            )
            session.commit()
    yield f"Officials' pages:           {app.settings.public_url.rstrip('/')}/admin/"
    yield f"  log in as {DEMO_OFFICIAL_EMAIL} with the password {DEMO_OFFICIAL_PASSWORD}"

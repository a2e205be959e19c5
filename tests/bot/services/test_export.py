"""The answer export: one row per invited contact, every status, values written as the README says."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.services import contacts, export
from bot.services.chat import ChatRouter
from conversations.messages import TextIn
from conversations.phrases import NOTICE_VERSION
from storage.tables import contacts_table
from tests import scenario


def answer(app: App, contact_id: int, *texts: str) -> None:
    router = ChatRouter(app.dialogues)
    with app.engine.begin() as conn:
        router.start(conn, contact_id, channel="console", now=app.clock())
    for text in texts:
        with app.engine.begin() as conn:
            router.receive(conn, contact_id, TextIn(text), channel="console", now=app.clock())


def rows(app: App, consultation_id: int) -> list[dict[str, str]]:
    with app.session() as session:
        return list(csv.DictReader(io.StringIO(export.export_csv(session, consultation_id))))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (True, "yes"),
        (False, "no"),
        (["deliveries", "noise"], "deliveries;noise"),
        (4, "4"),
        (3.5, "3.5"),
        ("2025-03-15", "2025-03-15"),
        (None, ""),
    ],
)
def test_values_are_written_as_the_contract_says(value: object, cell: str) -> None:
    assert export.csv_cell(value) == cell


def test_one_row_per_invited_contact_with_every_status(app: App) -> None:
    town = scenario.municipality(app)
    anna, bo, cilla = town.contact_ids
    answer(app, anna, "ja", "4", "1, 4", "kväll", "1 200", "15/3", '=HYPERLINK("x")', "ja")  # complete
    answer(app, bo, "nej")  # partial
    answer(app, cilla, "stopp", "ja")  # opted out
    table = rows(app, town.consultation_id)
    assert list(table[0])[:9] == list(export.FIXED_COLUMNS)
    assert list(table[0])[9:16] == ["affected", "impact", "concerns", "best_time", "staff", "start", "comments"]
    assert list(table[0])[16:] == list(export.TRAILING_COLUMNS)
    by_name = {row["contact_name"]: row for row in table}
    assert by_name["Anna Ek"]["status"] == "complete"
    assert by_name["Anna Ek"]["completed_at"] == "2025-02-27T08:00:00+00:00"
    assert by_name["Anna Ek"]["channel"] == "console"
    assert {
        k: by_name["Anna Ek"][k] for k in ("affected", "impact", "concerns", "best_time", "staff", "start")
    } == {
        "affected": "yes",
        "impact": "4",
        "concerns": "deliveries;noise",
        "best_time": "evening",
        "staff": "1200",
        "start": "2025-03-15",
    }
    assert by_name["Anna Ek"]["comments"] == '\'=HYPERLINK("x")'  # never run as a spreadsheet formula
    assert (by_name["Bo Ek"]["status"], by_name["Bo Ek"]["affected"], by_name["Bo Ek"]["completed_at"]) == (
        "partial",
        "no",
        "",
    )
    assert by_name["Cilla Ros"]["status"] == "opted_out"
    assert all(row["case_reference"] == "KS 2025/0042" for row in table)


def test_declined_invited_and_unreachable(app: App) -> None:
    town = scenario.municipality(app)
    anna, _bo, cilla = town.contact_ids
    answer(app, anna, "berör oss inte")
    with app.engine.begin() as conn:
        conn.execute(
            contacts_table.update()
            .where(contacts_table.c.id == cilla)
            .values(unreachable_at=app.clock(), unreachable_reason="blocked")
        )
    statuses = {row["contact_name"]: row["status"] for row in rows(app, town.consultation_id)}
    assert statuses == {"Anna Ek": "declined", "Bo Ek": "invited", "Cilla Ros": "unreachable"}


def test_an_erased_contact_keeps_answers_without_identity(app: App) -> None:
    town = scenario.municipality(app)
    anna = town.contact_ids[0]
    answer(app, anna, "nej", "morgon")
    with app.session() as session:
        contacts.erase_contact(session, anna, now=app.clock(), actor="official")
        session.commit()
    erased = [row for row in rows(app, town.consultation_id) if row["affected"] == "no"]
    assert len(erased) == 1
    assert erased[0]["contact_name"] == export.ERASED_NAME
    assert erased[0]["best_time"] == "morning"
    with app.session() as session, pytest.raises(contacts.ContactError, match="already erased"):
        contacts.erase_contact(session, anna, now=app.clock(), actor="official")
    with app.session() as session, pytest.raises(contacts.ContactError, match="no contact 999"):
        contacts.erase_contact(session, 999, now=app.clock(), actor="official")
    with app.engine.connect() as conn:
        row = conn.execute(sa.select(contacts_table).where(contacts_table.c.id == anna)).one()
    assert (row.name, row.email, row.phone) == ("", None, None)


def test_json_export_holds_typed_answers_and_the_questions(app: App) -> None:
    town = scenario.municipality(app)
    answer(app, town.contact_ids[0], "ja", "2", "parkering", "natt", "1 200")
    with app.session() as session:
        document = json.loads(export.export_json(session, town.consultation_id))
    assert [q["id"] for q in document["consultation"]["questions"]][:3] == ["affected", "impact", "concerns"]
    first = next(r for r in document["responses"] if r["answers"])
    assert first["answers"] == {
        "affected": True,
        "impact": 2,
        "concerns": ["parking"],
        "best_time": "night",
        "staff": 1200,
    }
    assert first["status"] == "partial"


def test_the_export_says_which_notice_each_person_saw_when_and_where(app: App, clock: FixedClock) -> None:
    town = scenario.municipality(app)
    anna, bo, _cilla = town.contact_ids
    clock.advance(dt.timedelta(minutes=13, seconds=27))
    router = ChatRouter(app.dialogues)
    with app.engine.begin() as conn:
        router.start(conn, anna, channel="telegram", now=app.clock())
    clock.advance(dt.timedelta(hours=2))
    with app.engine.begin() as conn:  # a later answer on another channel does not change what she was shown
        router.receive(conn, anna, TextIn("ja"), channel="web", now=app.clock())
    table = {row["contact_name"]: row for row in rows(app, town.consultation_id)}
    assert {k: table["Anna Ek"][k] for k in export.TRAILING_COLUMNS} == {"secret_questions": "",
        "area": "Mörby", "industry": "10711", "notice_version": NOTICE_VERSION,
        "notice_shown_at": "2025-02-27T08:13:27+00:00", "notice_channel": "telegram"}
    assert {k: table["Cilla Ros"][k] for k in export.TRAILING_COLUMNS} == {"secret_questions": "",
        "area": "Mörby", "industry": "56100", "notice_version": "", "notice_shown_at": "", "notice_channel": ""}
    with app.session() as session:
        document = json.loads(export.export_json(session, town.consultation_id))
    [mine] = [r for r in document["responses"] if r["contact_name"] == "Anna Ek"]
    assert (mine["notice_version"], mine["notice_shown_at"], mine["notice_channel"]) == (
        NOTICE_VERSION, "2025-02-27T08:13:27+00:00", "telegram")
    assert bo in town.contact_ids and document["consultation"]["anonymous"] is False

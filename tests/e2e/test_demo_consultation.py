"""End to end: the demo municipality, answered through the web page's HTTP interface, then exported.

Three business owners open their links: one answers everything (every question kind, with a wrong
input on the way and an answer changed from the summary), one stops half-way, one says the case does
not affect them. The export must then say exactly that, row by row.
"""

from __future__ import annotations

import csv
import io
import re

import httpx
import sqlalchemy as sa

from bot.bootstrap import App
from bot.cli.demo import seed
from bot.services.export import FIXED_COLUMNS, TRAILING_COLUMNS, export_csv
from storage.tables import invitations_table
from tests.live_server import LiveServer


class Browser:
    """A person with a link: posts the form the page shows, like a browser without JavaScript."""

    def __init__(self, client: httpx.Client, url: str) -> None:
        self.client = client
        self.url = url
        self.page = client.get(url)
        assert self.page.status_code == 200

    def question_id(self) -> str:
        match = re.search(r'name="question_id" value="([^"]+)"', self.page.text)
        assert match, self.page.text
        return match.group(1)

    def answer(self, *values: str, expect: int = 200) -> str:
        data = {"question_id": self.question_id(), "lang": "sv", "answer": list(values)}
        self.page = self.client.post(self.url, data=data)
        assert self.page.status_code == expect, self.page.text
        return self.page.text

    def command(self, command: str, **extra: str) -> str:
        self.page = self.client.post(self.url, data={"command": command, "lang": "sv", **extra})
        assert self.page.status_code == 200, self.page.text
        return self.page.text


def links(app: App, consultation_id: int, base: str) -> list[tuple[int, str]]:
    with app.engine.connect() as conn:
        contact_ids = (
            conn.execute(
                sa.select(invitations_table.c.contact_id)
                .where(invitations_table.c.consultation_id == consultation_id)
                .order_by(invitations_table.c.id)
            )
            .scalars()
            .all()
        )
    return [
        (c, app.answer_url(c, consultation_id).replace(app.settings.public_url, base)) for c in contact_ids
    ]


def test_the_demo_consultation_answered_on_the_web_and_exported(app: App, web: LiveServer) -> None:
    assert seed(app)
    consultation_id = 1
    (anna, anna_url), (bo, bo_url), (cilla, cilla_url), *others = links(app, consultation_id, web.url)

    with httpx.Client() as client:
        first = Browser(client, anna_url)
        assert "allmän handling" in first.page.text
        first.answer("yes")
        first.answer("9", expect=422)  # outside the scale: the hint, nothing lost
        first.answer("4")
        first.answer("deliveries", "noise")
        first.answer("evening")
        first.answer("1 200")
        first.answer("2025-03-15")
        summary = first.answer("Mer skyltning, tack!")
        assert "Kontrollera dina svar" in summary
        first.command("change:best_time")
        first.answer("morning")
        done = first.answer("yes")  # the summary's "Ja, skicka in"
        assert "Tack! Dina svar är inskickade." in done

        second = Browser(client, bo_url)
        second.answer("no")
        second.answer("night")

        third = Browser(client, cilla_url)
        assert "Berör ärendet inte ditt företag?" in third.command("decline")  # asks first
        assert "inte berör ditt företag" in third.command("decline", confirm="yes")

    with app.session() as session:
        table = list(csv.DictReader(io.StringIO(export_csv(session, consultation_id))))
    assert list(table[0]) == [
        *FIXED_COLUMNS,
        "affected",
        "impact",
        "concerns",
        "best_time",
        "staff",
        "start",
        "comments",
        *TRAILING_COLUMNS,
    ]
    assert len(table) == 3 + len(others)
    by_contact = {row["contact_name"]: row for row in table}
    names = {contact_id: name for contact_id, name in _contact_names(app).items()}

    complete = by_contact[names[anna]]
    assert {
        k: complete[k]
        for k in (
            "channel",
            "status",
            "affected",
            "impact",
            "concerns",
            "best_time",
            "staff",
            "start",
            "comments",
        )
    } == {
        "channel": "web",
        "status": "complete",
        "affected": "yes",
        "impact": "4",
        "concerns": "deliveries;noise",
        "best_time": "morning",
        "staff": "1200",
        "start": "2025-03-15",
        "comments": "Mer skyltning, tack!",
    }
    assert complete["completed_at"] and complete["invited_at"]

    partial = by_contact[names[bo]]
    assert {k: partial[k] for k in ("status", "affected", "impact", "concerns", "best_time", "staff")} == {
        "status": "partial",
        "affected": "no",
        "impact": "",
        "concerns": "",
        "best_time": "night",
        "staff": "",
    }
    assert partial["completed_at"] == ""

    declined = by_contact[names[cilla]]
    assert (declined["status"], declined["affected"], declined["completed_at"]) == ("declined", "", "")

    untouched = [row for row in table if row["contact_name"] not in {names[anna], names[bo], names[cilla]}]
    assert {row["status"] for row in untouched} == {"invited"}
    assert all(row["case_reference"] == "KS 2025/0042" and row["consultation_id"] == "1" for row in table)


def _contact_names(app: App) -> dict[int, str]:
    from storage.tables import contacts_table

    with app.engine.connect() as conn:
        return {
            row.id: row.name for row in conn.execute(sa.select(contacts_table.c.id, contacts_table.c.name))
        }

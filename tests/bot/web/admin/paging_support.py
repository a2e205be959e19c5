"""What the paging tests share: a consultation with more respondents than one page of the results' table
holds, in a known order, and reading a paged table's caption and page links out of the HTML."""

from __future__ import annotations

import datetime as dt
import html as html_text
import re

import sqlalchemy as sa

from bot.bootstrap import App
from storage.tables import contacts_table, dialogues_table, invitations_table
from tests import scenario
from tests.bench_support import HEADER, org_number
from tests.bot.services.results_support import SENT

INVITED = 130
RESPONDENTS = 123  # "Företag 000" to "Företag 122" began answering or declined; the last seven did nothing


def crowd(app: App) -> int:
    """The consultation sent to 130 businesses ("Företag 000" to "Företag 129"): one in ten (000, 010, …)
    in Djursholm, the rest in Mörby."""
    rows = [
        f"{org_number(i)},Företag {i:03d},56100,{'Djursholm' if i % 10 == 0 else 'Mörby'},,Person {i:03d},"
        f"p{i}@foretag.example,,sv,,"
        for i in range(INVITED)
    ]
    scenario.import_businesses(app, "\n".join([HEADER, *rows]) + "\n")
    consultation_id = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=14), areas="[Mörby, Djursholm]")
    )
    with app.engine.begin() as conn:
        conn.execute(invitations_table.update().values(channel="email", invited_at=SENT))
        ids = conn.execute(sa.select(contacts_table.c.id).order_by(contacts_table.c.name)).scalars().all()
        conn.execute(dialogues_table.insert(), [
            {"contact_id": contact_id, "consultation_id": consultation_id, "state": {}, "channel": "email",
             "status": "declined" if i % 7 == 0 else "partial", "started_at": SENT, "updated_at": SENT}
            for i, contact_id in enumerate(ids[:RESPONDENTS])
        ])
    return consultation_id

# Pages asked for in a table of 123 rows (three pages), and the page each shows: anything but a page that
# exists (zero, negative, not a whole number, past the last, too long to be a number) shows the nearest.
ASKED_OF_THREE_PAGES: list[tuple[str, str]] = [
    ("0", "Sida 1"), ("-3", "Sida 1"), ("abc", "Sida 1"), ("", "Sida 1"), ("2.5", "Sida 1"),
    ("4", "Sida 3"), ("99999999999999999999", "Sida 3"), ("9" * 5000, "Sida 3"),
]


def caption(html: str, caption_id: str) -> str:
    found = re.search(rf'<caption id="{caption_id}">([^<]*)</caption>', html)
    assert found, f"no caption {caption_id}"
    return found.group(1)


def pager_links(html: str, nav: str) -> list[tuple[str, str]]:
    """The links of the pager that opens with `nav`: (href, what the link says or its label)."""
    found = re.search(rf"{nav}(.*?)</nav>", html, re.S)
    assert found, "no page links"
    return [(html_text.unescape(href), label or text)
            for href, label, text in re.findall(r'<a href="([^"]*)"(?: aria-label="([^"]*)")?[^>]*>([^<]*)</a>', found.group(1))]


def current_page(html: str) -> str:
    found = re.search(r'aria-label="(Sida \d+)" aria-current="page"', html)
    assert found, "no current page"
    return found.group(1)

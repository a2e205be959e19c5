"""The audit log a page at a time, over real HTTP on both databases: newest first with none missing or
repeated where entries share a moment, the caption, links that keep the filter (but not a date the page
refused), any `page` value giving a page that exists, and the entries past the two hundred the log once
stopped at."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import closing

import sqlalchemy as sa

from bot.bootstrap import App
from storage.tables import audit_log_table
from tests.bot.web.admin.paging_support import ASKED_OF_THREE_PAGES, caption, current_page, pager_links
from tests.bot.web.admin.support import add_accounts, signed_in, switch_language
from tests.live_server import LiveServer

PATH = "/admin/audit"
NAV = '<nav aria-label="Sidor i loggen">'
ANCHOR = "#audit-caption"


def _entries(app: App, count: int) -> None:
    """`count` entries "test.entry" on "entry:0000" onwards, ten at each moment, one moment a day from
    1 January 2025 at noon: the newest last. The moments are stored newest first, so that the ids run
    against the entries' age and only the id's tie-break within a moment gives the order. One in ten
    (0000, 0010, …) is Anna's, the rest the CLI's."""
    at = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
    moments = [list(range(start, min(start + 10, count))) for start in range(0, count, 10)]
    with app.engine.begin() as conn:
        conn.execute(audit_log_table.insert(), [
            {"at": at + dt.timedelta(days=i // 10), "actor": "anna@kommun.example" if i % 10 == 0 else "cli",
             "action": "test.entry", "target": f"entry:{i:04d}", "detail": {}}
            for moment in reversed(moments) for i in moment
        ])


def _targets(html: str) -> list[str]:
    return re.findall(r"<td>entry:(\d{4})</td>", html)


def _newest_first(numbers: range) -> list[str]:
    return [f"{i:04d}" for i in reversed(numbers)]


def _caption(html: str) -> str:
    return caption(html, "audit-caption")


def _links(html: str) -> list[tuple[str, str]]:
    return pager_links(html, NAV)


def test_the_entries_come_fifty_a_page_newest_first_each_once(app: App, web: LiveServer) -> None:
    _entries(app, 123)
    add_accounts(app)
    browser, csrf = signed_in(web, "admin")
    with closing(browser):
        wanted = {"action": "test"}
        first = browser.get(PATH, params=wanted).text
        assert _targets(first) == _newest_first(range(73, 123))
        assert _caption(first) == "Logg 1–50 av 123" and current_page(first) == "Sida 1"
        assert _links(first) == [
            (f"{PATH}?action=test{ANCHOR}", "Sida 1"), (f"{PATH}?action=test&page=2{ANCHOR}", "Sida 2"),
            (f"{PATH}?action=test&page=3{ANCHOR}", "Sida 3"), (f"{PATH}?action=test&page=2{ANCHOR}", "Nästa sida"),
        ]
        second = browser.get(PATH, params={**wanted, "page": "2"}).text
        assert _targets(second) == _newest_first(range(23, 73))
        assert _caption(second) == "Logg 51–100 av 123" and current_page(second) == "Sida 2"
        assert _links(second)[0] == (f"{PATH}?action=test{ANCHOR}", "Föregående sida")
        third = browser.get(PATH, params={**wanted, "page": "3"}).text
        assert _targets(third) == _newest_first(range(23))
        assert _caption(third) == "Logg 101–123 av 123"
        assert [text for _, text in _links(third)] == ["Föregående sida", "Sida 1", "Sida 2", "Sida 3"]
        assert 'rel="next"' not in third

        switch_language(browser, "en", csrf=csrf, then=PATH)
        english = browser.get(PATH, params={**wanted, "page": "2"}).text
        assert _caption(english) == "Audit log 51–100 of 123"
        assert '<nav aria-label="Pages of the audit log">' in english
        assert 'aria-label="Page 2" aria-current="page"' in english


def test_any_page_asked_for_shows_a_page_that_exists(app: App, web: LiveServer) -> None:
    _entries(app, 123)
    add_accounts(app)
    browser, _ = signed_in(web, "admin")
    with closing(browser):
        for asked, shown in ASKED_OF_THREE_PAGES:
            page = browser.get(PATH, params={"action": "test", "page": asked})
            assert page.status_code == 200, asked
            assert current_page(page.text) == shown, asked
            assert len(_targets(page.text)) == (50 if shown == "Sida 1" else 23), asked


def test_the_page_links_keep_the_filter_and_a_short_log_has_none(app: App, web: LiveServer) -> None:
    _entries(app, 123)
    add_accounts(app)
    browser, _ = signed_in(web, "admin")
    with closing(browser):
        # Noon in UTC is the same day in Stockholm: 5 to 12 January takes entries 0040–0119.
        wanted = {"actor": "CLI", "action": "test.entry", "since": "2025-01-05", "until": "2025-01-12"}
        by_cli = browser.get(PATH, params={**wanted, "page": "2"}).text
        assert _caption(by_cli) == "Logg 51–72 av 72"  # 80 entries less Anna's eight
        assert _targets(by_cli) == [f"{i:04d}" for i in reversed(range(40, 120)) if i % 10][50:]
        kept = "actor=CLI&action=test.entry&since=2025-01-05&until=2025-01-12"
        assert _links(by_cli) == [
            (f"{PATH}?{kept}{ANCHOR}", "Föregående sida"),
            (f"{PATH}?{kept}{ANCHOR}", "Sida 1"),
            (f"{PATH}?{kept}&page=2{ANCHOR}", "Sida 2"),
        ]
        assert 'name="page"' not in by_cli  # the filter form starts again at page 1

        anna = browser.get(PATH, params={"actor": "anna@", "page": "2"})
        assert anna.status_code == 200
        assert _targets(anna.text) == _newest_first(range(0, 123, 10))
        assert _caption(anna.text) == "Logg (13)" and NAV not in anna.text

        nothing = browser.get(PATH, params={"action": "nothing.such", "page": "5"})
        assert nothing.status_code == 200 and _caption(nothing.text) == "Logg (0)" and NAV not in nothing.text

        # A date the page refused takes nothing away, and its links leave it out.
        refused = browser.get(PATH, params={"action": "test", "since": "27/2", "page": "2"})
        assert refused.status_code == 422 and _caption(refused.text) == "Logg 51–100 av 123"
        assert _links(refused.text)[-1] == (f"{PATH}?action=test&page=3{ANCHOR}", "Nästa sida")


def test_the_pages_reach_past_the_two_hundred_the_log_once_stopped_at(app: App, web: LiveServer) -> None:
    _entries(app, 230)
    add_accounts(app)
    browser, _ = signed_in(web, "admin")
    with app.engine.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(audit_log_table)).scalar_one()
    with closing(browser):
        pages = [browser.get(PATH, params={"page": str(number)}).text for number in range(1, -(-logged // 50) + 1)]
    assert logged >= 230  # and whatever making the accounts wrote
    assert _caption(pages[-1]).endswith(f"av {logged}")
    assert _targets(pages[-1])[-1] == "0000"  # the oldest entry
    assert [target for page in pages for target in _targets(page)] == _newest_first(range(230))

"""The cases list a page at a time, over real HTTP on both databases: newest first with none missing or
repeated where cases share a moment, the caption, links that keep the search and filters, any `page`
value giving a page that exists, and the cases past the two hundred the list once stopped at."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import closing

from bot.bootstrap import App
from storage.tables import cases_table
from tests.bot.web.admin.paging_support import ASKED_OF_THREE_PAGES, caption, current_page, pager_links
from tests.bot.web.admin.support import add_accounts, signed_in, switch_language
from tests.live_server import LiveServer

PATH = "/admin/cases"
NAV = '<nav aria-label="Sidor med ärenden">'
ANCHOR = "#cases-caption"


def _cases(app: App, count: int) -> None:
    """`count` cases, "KS 2025/0000" onwards, ten made at each moment, one moment a day: the newest
    last. The moments are stored newest first, so that the ids run against the cases' age and only the
    id's tie-break within a moment gives the order. One in ten (0000, 0010, …) is a traffic case at
    the decision stage, the rest detailed plans at the early stage."""
    made = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
    moments = [list(range(start, min(start + 10, count))) for start in range(0, count, 10)]
    with app.engine.begin() as conn:
        conn.execute(cases_table.insert(), [
            {"reference": f"KS 2025/{i:04d}", "title": f"Ärende {i:04d}",
             "type": "traffic" if i % 10 == 0 else "detailed_planning", "stage": "decision" if i % 10 == 0 else "early",
             "created_at": made + dt.timedelta(days=i // 10)}
            for moment in reversed(moments) for i in moment
        ])


def _references(html: str) -> list[str]:
    return re.findall(r'<a href="/admin/cases/\d+">KS 2025/(\d{4})</a>', html)


def _newest_first(numbers: range) -> list[str]:
    return [f"{i:04d}" for i in reversed(numbers)]


def _caption(html: str) -> str:
    return caption(html, "cases-caption")


def _links(html: str) -> list[tuple[str, str]]:
    return pager_links(html, NAV)


def test_the_cases_come_fifty_a_page_newest_first_each_once(app: App, web: LiveServer) -> None:
    _cases(app, 123)
    add_accounts(app)
    browser, csrf = signed_in(web, "representative")
    with closing(browser):
        first = browser.get(PATH).text
        assert _references(first) == _newest_first(range(73, 123))
        assert _caption(first) == "Ärenden 1–50 av 123" and current_page(first) == "Sida 1"
        assert _links(first) == [
            (f"{PATH}{ANCHOR}", "Sida 1"), (f"{PATH}?page=2{ANCHOR}", "Sida 2"),
            (f"{PATH}?page=3{ANCHOR}", "Sida 3"), (f"{PATH}?page=2{ANCHOR}", "Nästa sida"),
        ]
        second = browser.get(PATH, params={"page": "2"}).text
        assert _references(second) == _newest_first(range(23, 73))
        assert _caption(second) == "Ärenden 51–100 av 123" and current_page(second) == "Sida 2"
        assert _links(second)[0] == (f"{PATH}{ANCHOR}", "Föregående sida")
        third = browser.get(PATH, params={"page": "3"}).text
        assert _references(third) == _newest_first(range(23))
        assert _caption(third) == "Ärenden 101–123 av 123"
        assert [text for _, text in _links(third)] == ["Föregående sida", "Sida 1", "Sida 2", "Sida 3"]
        assert 'rel="next"' not in third

        switch_language(browser, "en", csrf=csrf, then=PATH)
        english = browser.get(PATH, params={"page": "2"}).text
        assert _caption(english) == "Cases 51–100 of 123"
        assert '<nav aria-label="Pages of cases">' in english and 'aria-label="Page 2" aria-current="page"' in english


def test_any_page_asked_for_shows_a_page_that_exists(app: App, web: LiveServer) -> None:
    _cases(app, 123)
    add_accounts(app)
    browser, _ = signed_in(web, "representative")
    with closing(browser):
        for asked, shown in ASKED_OF_THREE_PAGES:
            page = browser.get(PATH, params={"page": asked})
            assert page.status_code == 200, asked
            assert current_page(page.text) == shown, asked
            assert len(_references(page.text)) == (50 if shown == "Sida 1" else 23), asked


def test_the_page_links_keep_the_search_and_filters_and_a_short_list_has_none(app: App, web: LiveServer) -> None:
    _cases(app, 123)
    add_accounts(app)
    browser, _ = signed_in(web, "representative")
    with closing(browser):
        wanted = {"q": "ks 2025", "type": "detailed_planning", "stage": "early"}
        plans = browser.get(PATH, params={**wanted, "page": "2"}).text
        assert _caption(plans) == "Ärenden 51–100 av 110"  # 123 less the 13 traffic cases
        assert _references(plans) == [f"{i:04d}" for i in reversed(range(123)) if i % 10][50:100]
        kept = "q=ks+2025&type=detailed_planning&stage=early"
        assert _links(plans) == [
            (f"{PATH}?{kept}{ANCHOR}", "Föregående sida"),
            (f"{PATH}?{kept}{ANCHOR}", "Sida 1"),
            (f"{PATH}?{kept}&page=2{ANCHOR}", "Sida 2"),
            (f"{PATH}?{kept}&page=3{ANCHOR}", "Sida 3"),
            (f"{PATH}?{kept}&page=3{ANCHOR}", "Nästa sida"),
        ]
        assert 'name="page"' not in plans  # the search form starts again at page 1

        traffic = browser.get(PATH, params={"type": "traffic", "page": "2"})
        assert traffic.status_code == 200
        assert _references(traffic.text) == _newest_first(range(0, 123, 10))
        assert _caption(traffic.text) == "Ärenden (13)" and NAV not in traffic.text

        nothing = browser.get(PATH, params={"status": "open", "page": "5"})  # no case has a consultation
        assert nothing.status_code == 200 and _caption(nothing.text) == "Ärenden (0)" and NAV not in nothing.text


def test_the_pages_reach_past_the_two_hundred_the_list_once_stopped_at(app: App, web: LiveServer) -> None:
    _cases(app, 230)
    add_accounts(app)
    browser, _ = signed_in(web, "representative")
    with closing(browser):
        pages = [browser.get(PATH, params={"page": str(number)}).text for number in range(1, 6)]
    assert _caption(pages[-1]) == "Ärenden 201–230 av 230"
    assert _references(pages[-1])[-1] == "0000"  # the oldest case
    assert [reference for page in pages for reference in _references(page)] == _newest_first(range(230))

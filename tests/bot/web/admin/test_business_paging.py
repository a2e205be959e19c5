"""The officials' businesses list a page at a time, over real HTTP on both databases: the rows and their
order, the caption, links that keep the search and filters, any `page` value giving a page that exists,
the audit log's record of which page was seen, and no cap on how far the pages reach."""

from __future__ import annotations

import re
from contextlib import closing

import pytest
from sqlmodel import select

from bot.bootstrap import App
from storage.tables import AuditEntry
from tests import scenario
from tests.bench_support import HEADER, org_number
from tests.bot.web.admin.paging_support import ASKED_OF_THREE_PAGES, caption, current_page, pager_links
from tests.bot.web.admin.support import add_accounts, signed_in, switch_language
from tests.live_server import LiveServer

PATH = "/admin/businesses"
NAV = '<nav aria-label="Sidor med företag">'


def _directory(app: App, count: int) -> None:
    """`count` businesses, "Företag 000" onwards, imported in reverse so that the ids run against the
    names' order: one in ten (000, 010, …) in Djursholm, the rest in Mörby; all SNI 56100 and tagged
    "kafé"."""
    rows = [
        f"{org_number(i)},Företag {i:03d},56100,{'Djursholm' if i % 10 == 0 else 'Mörby'},kafé,Person {i:03d},"
        f"p{i}@foretag.example,,sv,,"
        for i in reversed(range(count))
    ]
    scenario.import_businesses(app, "\n".join([HEADER, *rows]) + "\n")


def _names(html: str) -> list[str]:
    return re.findall(r"<td>(Företag \d{3})</td>", html)


def _caption(html: str) -> str:
    return caption(html, "businesses-caption")


def _links(html: str) -> list[tuple[str, str]]:
    return pager_links(html, NAV)


_current = current_page


def _listed(app: App) -> list[dict[str, object]]:
    with app.session() as session:
        return [e.detail for e in session.exec(select(AuditEntry).where(AuditEntry.action == "contact.list").order_by(AuditEntry.id))]


def test_the_businesses_come_fifty_a_page_by_name_each_once(app: App, web: LiveServer) -> None:
    _directory(app, 123)
    add_accounts(app)
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        first = browser.get(PATH).text
        assert _names(first) == [f"Företag {i:03d}" for i in range(50)]
        assert _caption(first) == "Företag 1–50 av 123" and _current(first) == "Sida 1"
        assert _links(first) == [
            (f"{PATH}#businesses-caption", "Sida 1"), (f"{PATH}?page=2#businesses-caption", "Sida 2"),
            (f"{PATH}?page=3#businesses-caption", "Sida 3"), (f"{PATH}?page=2#businesses-caption", "Nästa sida"),
        ]
        second = browser.get(PATH, params={"page": "2"}).text
        assert _names(second) == [f"Företag {i:03d}" for i in range(50, 100)]
        assert _caption(second) == "Företag 51–100 av 123" and _current(second) == "Sida 2"
        assert _links(second)[0] == (f"{PATH}#businesses-caption", "Föregående sida")
        third = browser.get(PATH, params={"page": "3"}).text
        assert _names(third) == [f"Företag {i:03d}" for i in range(100, 123)]
        assert _caption(third) == "Företag 101–123 av 123"
        assert [text for _, text in _links(third)] == ["Föregående sida", "Sida 1", "Sida 2", "Sida 3"]
        assert 'rel="next"' not in third
        assert "Person 122" in third and "Person 099" not in third  # each business with its own contacts

        switch_language(browser, "en", csrf=csrf, then=PATH)
        english = browser.get(PATH, params={"page": "2"}).text
        assert _caption(english) == "Businesses 51–100 of 123"
        assert '<nav aria-label="Pages of businesses">' in english and 'aria-label="Page 2" aria-current="page"' in english
    # The audit log says which page of contacts was seen; the first page's record is as it always was.
    assert _listed(app) == [{}, {"page": 2}, {"page": 3}, {"page": 2}]


@pytest.mark.parametrize(("asked", "shown"), ASKED_OF_THREE_PAGES)
def test_any_page_asked_for_shows_a_page_that_exists(app: App, web: LiveServer, asked: str, shown: str) -> None:
    _directory(app, 123)
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        page = browser.get(PATH, params={"page": asked})
    assert page.status_code == 200
    assert _current(page.text) == shown
    assert len(_names(page.text)) == (50 if shown == "Sida 1" else 23)


def test_the_page_links_keep_the_search_and_filters_and_a_short_list_has_none(app: App, web: LiveServer) -> None:
    _directory(app, 123)
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        wanted = {"q": "företag", "area": "Mörby", "industry": "56.1", "tag": "kafé"}
        morby = browser.get(PATH, params={**wanted, "page": "2"}).text
        assert _caption(morby) == "Företag 51–100 av 110"  # 123 less the 13 in Djursholm
        assert _names(morby)[:2] == ["Företag 056", "Företag 057"]
        kept = "q=f%C3%B6retag&area=M%C3%B6rby&industry=56.1&tag=kaf%C3%A9"
        assert _links(morby) == [
            (f"{PATH}?{kept}#businesses-caption", "Föregående sida"),
            (f"{PATH}?{kept}#businesses-caption", "Sida 1"),
            (f"{PATH}?{kept}&page=2#businesses-caption", "Sida 2"),
            (f"{PATH}?{kept}&page=3#businesses-caption", "Sida 3"),
            (f"{PATH}?{kept}&page=3#businesses-caption", "Nästa sida"),
        ]
        assert 'name="page"' not in morby  # the search form starts again at page 1

        djursholm = browser.get(PATH, params={"area": "Djursholm", "page": "2"})
        assert djursholm.status_code == 200
        assert _names(djursholm.text) == [f"Företag {i:03d}" for i in range(0, 123, 10)]
        assert _caption(djursholm.text) == "Företag (13)" and NAV not in djursholm.text

        nothing = browser.get(PATH, params={"q": "inget sådant", "page": "5"})
        assert nothing.status_code == 200 and _caption(nothing.text) == "Företag (0)" and NAV not in nothing.text
    assert _listed(app) == [{**{k: v for k, v in wanted.items() if k != "q"}, "text": "företag", "page": 2},
                            {"area": "Djursholm"}, {"text": "inget sådant"}]


def test_the_pages_reach_past_the_two_hundred_the_list_once_stopped_at(app: App, web: LiveServer) -> None:
    _directory(app, 230)
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        last = browser.get(PATH, params={"q": "företag", "page": "5"}).text
    assert _caption(last) == "Företag 201–230 av 230"
    assert _names(last) == [f"Företag {i:03d}" for i in range(200, 230)]

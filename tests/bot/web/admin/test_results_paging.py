"""The results page's respondents a page at a time, over real HTTP on both databases: the rows and their
order, the caption, links that keep the filter, and any `page` value giving a page that exists. Then
the paging's own rules (the window of page numbers, the numbers' format) on plain rows."""

from __future__ import annotations

import re
from contextlib import closing

import pytest

from bot.bootstrap import App
from bot.web.admin.pages import templates
from bot.web.admin.paging import grouped, page_of, requested_page
from bot.web.admin.texts import TEXTS
from tests.bot.web.admin.paging_support import (
    ASKED_OF_THREE_PAGES,
    RESPONDENTS,
    caption,
    crowd,
    current_page,
    pager_links,
)
from tests.bot.web.admin.support import add_accounts, signed_in, switch_language
from tests.live_server import LiveServer

NAV = '<nav aria-label="Sidor med svarande">'


def _names(html: str) -> list[str]:
    return re.findall(r"<tr><td>(Företag \d{3})</td>", html)


def _caption(html: str) -> str:
    return caption(html, "respondents-caption")


def _links(html: str) -> list[tuple[str, str]]:
    return pager_links(html, NAV)


_current = current_page


def test_the_respondents_come_fifty_a_page_in_the_tables_order(app: App, web: LiveServer) -> None:
    consultation_id = crowd(app)
    add_accounts(app)
    path = f"/admin/consultations/{consultation_id}/results"
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        first = browser.get(path).text
        assert _names(first) == [f"Företag {i:03d}" for i in range(50)]
        assert _caption(first) == "Svarande 1–50 av 123" and _current(first) == "Sida 1"
        assert _links(first) == [
            (f"{path}#respondents-heading", "Sida 1"), (f"{path}?page=2#respondents-heading", "Sida 2"),
            (f"{path}?page=3#respondents-heading", "Sida 3"), (f"{path}?page=2#respondents-heading", "Nästa sida"),
        ]
        second = browser.get(path, params={"page": "2"}).text
        assert _names(second) == [f"Företag {i:03d}" for i in range(50, 100)]
        assert _caption(second) == "Svarande 51–100 av 123" and _current(second) == "Sida 2"
        assert _links(second)[0] == (f"{path}#respondents-heading", "Föregående sida")
        third = browser.get(path, params={"page": "3"}).text
        assert _names(third) == [f"Företag {i:03d}" for i in range(100, 123)]
        assert _caption(third) == "Svarande 101–123 av 123"
        assert [text for _, text in _links(third)] == ["Föregående sida", "Sida 1", "Sida 2", "Sida 3"]
        assert 'rel="next"' not in third
        # The rest of the page counts everyone, whichever page of the table is shown.
        assert '<desc id="chart-funnel-desc">Inbjudna: 130 (100\u00a0%)' in third

        switch_language(browser, "en", csrf=csrf, then=path)
        english = browser.get(path, params={"page": "2"}).text
        assert _caption(english) == "Respondents 51–100 of 123"
        assert '<nav aria-label="Pages of respondents">' in english and 'aria-label="Page 2" aria-current="page"' in english


@pytest.mark.parametrize(("asked", "shown"), ASKED_OF_THREE_PAGES)
def test_any_page_asked_for_shows_a_page_that_exists(app: App, web: LiveServer, asked: str, shown: str) -> None:
    consultation_id = crowd(app)
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        page = browser.get(f"/admin/consultations/{consultation_id}/results", params={"page": asked})
    assert page.status_code == 200
    assert _current(page.text) == shown
    assert len(_names(page.text)) == (50 if shown == "Sida 1" else 23)


def test_the_page_links_keep_the_filter_and_a_short_selection_has_none(app: App, web: LiveServer) -> None:
    consultation_id = crowd(app)
    add_accounts(app)
    path = f"/admin/consultations/{consultation_id}/results"
    browser, _ = signed_in(web, "official")
    with closing(browser):
        morby = browser.get(path, params={"area": "Mörby", "page": "2"}).text
        assert _caption(morby) == "Svarande 51–100 av 110"  # 123 less the 13 in Djursholm
        assert _names(morby)[:2] == ["Företag 056", "Företag 057"]
        assert _links(morby) == [
            (f"{path}?area=M%C3%B6rby#respondents-heading", "Föregående sida"),
            (f"{path}?area=M%C3%B6rby#respondents-heading", "Sida 1"),
            (f"{path}?area=M%C3%B6rby&page=2#respondents-heading", "Sida 2"),
            (f"{path}?area=M%C3%B6rby&page=3#respondents-heading", "Sida 3"),
            (f"{path}?area=M%C3%B6rby&page=3#respondents-heading", "Nästa sida"),
        ]
        assert 'name="page"' not in morby  # the filter's form starts again at page 1
        assert '/answers.csv?area=M%C3%B6rby"' in morby  # the downloads are whole, not a page

        djursholm = browser.get(path, params={"area": "Djursholm", "page": "2"})
        assert djursholm.status_code == 200
        assert _names(djursholm.text) == [f"Företag {i:03d}" for i in range(0, RESPONDENTS, 10)]
        assert _caption(djursholm.text) == "Svarande (13)" and NAV not in djursholm.text


@pytest.mark.parametrize(("number", "expected"), [
    (1, [1, 2, 3, None, 47]), (4, [1, 2, 3, 4, 5, 6, None, 47]), (5, [1, 2, 3, 4, 5, 6, 7, None, 47]),
    (10, [1, None, 8, 9, 10, 11, 12, None, 47]), (47, [1, None, 45, 46, 47]),
])
def test_many_pages_show_the_first_the_last_and_a_window_around_the_current(number: int, expected: list[int | None]) -> None:
    page = page_of(range(2340), str(number), path="/p", query={}, anchor="t")
    assert page.last == 47 and page.numbers() == expected


def test_the_pager_marks_the_current_page_and_the_left_out_ones() -> None:
    page = page_of(range(2340), "2", path="/p", query={"area": "Mörby"}, anchor="t")
    assert (page.first_row, page.last_row, page.total) == (51, 100, 2340)
    macro = templates.env.from_string('{% from "paging_macros.html" import pager with context %}{{ pager(page, "P") }}')
    nav = macro.render(page=page, t=TEXTS["sv"])
    assert re.findall(r"<li>(.*?)</li>", nav) == [
        '<a href="/p?area=M%C3%B6rby#t" rel="prev">Föregående sida</a>',
        '<a href="/p?area=M%C3%B6rby#t" aria-label="Sida 1">1</a>',
        '<a href="/p?area=M%C3%B6rby&amp;page=2#t" aria-label="Sida 2" aria-current="page">2</a>',
        '<a href="/p?area=M%C3%B6rby&amp;page=3#t" aria-label="Sida 3">3</a>',
        '<a href="/p?area=M%C3%B6rby&amp;page=4#t" aria-label="Sida 4">4</a>',
        "…",
        '<a href="/p?area=M%C3%B6rby&amp;page=47#t" aria-label="Sida 47">47</a>',
        '<a href="/p?area=M%C3%B6rby&amp;page=3#t" rel="next">Nästa sida</a>',
    ]
    assert '<nav aria-label="P">' in nav
    assert macro.render(page=page_of(range(50), "1", path="/p", query={}, anchor="t"), t=TEXTS["sv"]).strip() == ""


def test_the_caption_groups_thousands_as_each_language_writes_them() -> None:
    assert TEXTS["sv"]["res_respondents_range"].format(first=grouped(51, "sv"), last=grouped(100, "sv"),
                                                       total=grouped(2340, "sv")) == "Svarande 51–100 av 2\u00a0340"
    assert TEXTS["en"]["res_respondents_range"].format(first=grouped(51, "en"), last=grouped(100, "en"),
                                                       total=grouped(2340, "en")) == "Respondents 51–100 of 2,340"
    assert grouped(999, "sv") == "999" and grouped(1234567, "sv") == "1\u00a0234\u00a0567"


@pytest.mark.parametrize(("text", "number"), [
    ("3", 3), ("003", 3), ("0", 0), ("-3", 1), ("abc", 1), ("", 1), ("\u0663", 1), ("3 ", 1),
    ("99999999999999999999", 10**9), ("0" * 30 + "2", 2),
])
def test_the_page_asked_for_reads_only_plain_whole_numbers(text: str, number: int) -> None:
    assert requested_page(text) == number

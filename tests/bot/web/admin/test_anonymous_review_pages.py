"""An anonymous consultation's review pages over real HTTP on both databases: the results' charts count
the anonymous responses (tests/bot/services/anonymous_support.py), a channel filter says why it counts
none, and no sent response links to a sheet with a name; the free-text page lists their answers without
identity, to search, tag and mark."""

from __future__ import annotations

import re
from contextlib import closing

from bot.bootstrap import App
from bot.services import themes
from bot.web.admin.access import LANGUAGE_COOKIE
from tests.bot.services.anonymous_support import anonymous_answered_town
from tests.bot.web.admin.support import add_accounts, signed_in
from tests.live_server import LiveServer


def _svg_texts(html: str, chart_id: str) -> list[str]:
    svg = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title {chart_id}-desc".*?</svg>', html, re.S)
    assert svg, f"no chart {chart_id}"
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg.group(0))


def test_the_results_page_counts_anonymous_responses(app: App, web: LiveServer) -> None:
    town = anonymous_answered_town(app)
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        url = f"/admin/consultations/{town.consultation_id}/results"
        html = browser.get(url).text
        assert _svg_texts(html, "chart-q1") == ["Ja", "3 (100\u00a0%)", "Nej", "0 (0\u00a0%)"]
        assert "Lägst 2, median 4, medelvärde 3,67, högst 5." in html
        assert "anonyma svar har ingen kanal" not in html
        # The senders are listed as having answered, with no way to their answers.
        assert html.count("Anonymt svar") == 3
        assert not [contact for contact in town.contact_ids.values() if f'href="{url}/{contact}"' in html]

        djursholm = browser.get(url, params={"area": "Djursholm"}).text
        assert _svg_texts(djursholm, "chart-q1") == ["Ja", "1 (100\u00a0%)", "Nej", "0 (0\u00a0%)"]

        telegram = browser.get(url, params={"channel": "telegram"}).text
        assert "anonyma svar har ingen kanal" in telegram
        report = browser.get(f"/admin/consultations/{town.consultation_id}/report", params={"channel": "telegram"})
        assert "anonyma svar har ingen kanal" in report.text
        browser.cookies.set(LANGUAGE_COOKIE, "en")
        assert "anonymous responses have no channel" in browser.get(url, params={"channel": "telegram"}).text


def test_the_free_text_page_lists_anonymous_answers_to_search_tag_and_mark(app: App, web: LiveServer) -> None:
    town = anonymous_answered_town(app)
    cid = town.consultation_id
    page_url = f"/admin/consultations/{cid}/free-text"
    with app.session() as session:
        theme = themes.create_theme(session, cid, "Parkering", actor="test", now=app.clock())
        session.commit()
        [cilla] = themes.free_text_answers(session, cid, search="varje morgon")
    add_accounts(app)
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        page = browser.get(page_url).text
        assert len(re.findall(r"<blockquote>", page)) == 3 and page.count("<h3>Anonymt svar") == 3
        assert "Samrådet är anonymt" in page
        assert not [name for name in ("Mörby Bageri AB", "Café Torget", "Pizzeria Roma") if name in page]
        assert "/free-text/answers/" not in page and "/results/" not in page
        found = browser.get(page_url, params={"q": "PARKERINGEN"}).text
        assert len(re.findall(r"<blockquote>", found)) == 2

        answer_url = f"{page_url}/anonymous/{cilla.respondent}"
        assert f'action="{answer_url}"' in page
        tagged = browser.post(answer_url, data={"csrf": csrf, "question": "comments", "action": "tag", "theme": theme.id})
        assert tagged.status_code == 303
        marked = browser.post(answer_url, data={
            "csrf": csrf, "question": "comments", "action": "mark", "kind": "personal_data"})
        assert marked.status_code == 303
        unknown = browser.post(f"{page_url}/anonymous/{'0' * 32}", data={
            "csrf": csrf, "question": "comments", "action": "mark", "kind": "personal_data"})
        assert unknown.status_code == 409 and "has no answer" in unknown.text
    with app.session() as session:
        [answer] = [a for a in themes.free_text_answers(session, cid) if a.theme_ids]
    assert (answer.respondent, answer.theme_ids, answer.marks) == (cilla.respondent, (theme.id,), {"personal_data"})

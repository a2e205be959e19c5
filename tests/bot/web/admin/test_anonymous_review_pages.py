"""An anonymous consultation's review pages over real HTTP on both databases: the results' charts count
the anonymous responses (tests/bot/services/anonymous_support.py), a channel filter says why it counts
none, and no sent response links to a sheet with a name."""

from __future__ import annotations

import re
from contextlib import closing

from bot.bootstrap import App
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

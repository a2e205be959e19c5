"""The results pages over real HTTP on both databases: the figures in the charts and tables, the filter,
the answer sheets (logged), the exports following the filter, and the board report as HTML and PDF."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import closing

from openpyxl import load_workbook
from sqlmodel import select

from bot.bootstrap import App
from storage.tables import AuditEntry
from tests.bot.services.results_support import answered_town
from tests.bot.web.admin.support import add_accounts, client, signed_in
from tests.live_server import LiveServer
from tests.pdf_support import page_count


def _audit(app: App, action: str) -> list[AuditEntry]:
    with app.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _svg_texts(html: str, chart_id: str) -> list[str]:
    svg = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title {chart_id}-desc".*?</svg>', html, re.S)
    assert svg, f"no chart {chart_id}"
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg.group(0))


def test_the_results_page_shows_each_figure_in_the_chart_and_in_the_table(app: App, web: LiveServer) -> None:
    town = answered_town(app)
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        page = browser.get(f"/admin/consultations/{town.consultation_id}/results")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        html = page.text
        assert _svg_texts(html, "chart-q1") == ["Ja", "3 (75\u00a0%)", "Nej", "1 (25\u00a0%)"]
        assert 'role="img"' in html and '<desc id="chart-q1-desc">Ja: 3 (75\u00a0%); Nej: 1 (25\u00a0%)</desc>' in html
        assert _svg_texts(html, "chart-funnel")[:4] == ["Inbjudna", "8 (100\u00a0%)", "Inbjudan skickad", "7 (88\u00a0%)"]
        assert '<tr><th scope="row">Parkering för kunder</th><td class="num">2</td><td class="num">67\u00a0%</td></tr>' in html
        assert "Svarsfrekvens: 50\u00a0%" in html
        # Channels by their names (e-post, webben, Telegram: the registry's title), not the stored codes
        # (email, web, telegram).
        telegram = re.search(r'<tr><th scope="row">Telegram</th>(.*?)</tr>', html)
        assert '<tr><th scope="row">e-post</th>' in html and '<tr><th scope="row">webben</th>' in html
        assert '<option value="email">e-post</option>' in html and '<th scope="row">email</th>' not in html
        assert '<caption id="channel-caption">Per kanal</caption>' in html and telegram
        assert re.findall(r'<td class="num">(\d+)</td>', telegram.group(1)) == ["2", "2", "2", "2", "0", "0", "0"]
        assert "Lägst 2, median 4, medelvärde 3,67, högst 5." in html
        assert f'href="/admin/consultations/{town.consultation_id}/results/{town.contact_ids["Eva Lund"]}"' in html
        assert "Anna Ek" not in html  # names only on the answer sheets, which are logged

        restaurants = browser.get(f"/admin/consultations/{town.consultation_id}/results?industry=56").text
        assert _svg_texts(restaurants, "chart-q1") == ["Ja", "2 (67\u00a0%)", "Nej", "1 (33\u00a0%)"]
        assert "Urval: Bransch (SNI): 56" in restaurants
        assert '/answers.xlsx?industry=56"' in restaurants and '/report.pdf?industry=56"' in restaurants

        refused = browser.get(f"/admin/consultations/{town.consultation_id}/results?industry=krog")
        assert refused.status_code == 422 and "Skriv en SNI-kod med siffror" in refused.text
        assert 'aria-invalid="true"' in refused.text
        assert browser.get("/admin/consultations/999/results").status_code == 404
        consultation_page = browser.get(f"/admin/consultations/{town.consultation_id}").text
        assert f'href="/admin/consultations/{town.consultation_id}/results"' in consultation_page


def test_an_answer_sheet_is_for_officials_and_each_view_is_logged(app: App, web: LiveServer) -> None:
    town = answered_town(app)
    add_accounts(app)
    anna = town.contact_ids["Anna Ek"]
    sheet_path = f"/admin/consultations/{town.consultation_id}/results/{anna}"
    browser, _ = signed_in(web, "official")
    with closing(browser):
        sheet = browser.get(sheet_path)
        assert sheet.status_code == 200
        assert "Anna Ek" in sheet.text and "Leveranser, Buller och damm" in sheet.text and "Kväll" in sheet.text
        assert browser.get(f"/admin/consultations/{town.consultation_id}/results/999").status_code == 404
    assert [(e.target, e.detail) for e in _audit(app, "response.view")] == [
        (f"contact:{anna}", {"consultation": town.consultation_id})
    ]
    reader, _ = signed_in(web, "representative")
    with closing(reader), closing(client(web)) as anonymous:
        for path in (sheet_path, f"/admin/consultations/{town.consultation_id}/results",
                     f"/admin/consultations/{town.consultation_id}/report"):
            assert reader.get(path).status_code == 403, path
            assert anonymous.get(path).status_code == 303, path
    assert len(_audit(app, "response.view")) == 1  # refusals view nothing


def test_the_exports_follow_the_filter_and_are_logged_with_it(app: App, web: LiveServer) -> None:
    town = answered_town(app)
    add_accounts(app)
    base = f"/admin/consultations/{town.consultation_id}"
    browser, _ = signed_in(web, "official")
    with closing(browser):
        every = list(csv.DictReader(io.StringIO(browser.get(f"{base}/answers.csv").text)))
        dotted = list(csv.DictReader(io.StringIO(browser.get(f"{base}/answers.csv?industry=56.1").text)))
        document = json.loads(browser.get(f"{base}/answers.json?area=Djursholm&channel=email").text)
        workbook = browser.get(f"{base}/answers.xlsx?channel=telegram")
        bad = browser.get(f"{base}/answers.xlsx?industry=x")
    assert len(every) == 8
    assert sorted(row["business_name"] for row in dotted) == ["Café Torget", "Pizzeria Roma"]
    assert document["filter"] == {"area": "Djursholm", "channel": "email"}
    assert sorted(r["contact_name"] for r in document["responses"]) == ["Dan Ro", "Hans Nord"]
    assert workbook.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in workbook.headers["content-disposition"]
    names = [row[4] for row in load_workbook(io.BytesIO(workbook.content)).worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Cilla Ros", "Eva Lund"]
    assert bad.status_code == 422 and "Skriv en SNI-kod" in bad.text
    assert [(e.detail) for e in _audit(app, "consultation.export")] == [
        {"format": "csv"}, {"format": "csv", "industry": "56.1"},
        {"format": "json", "area": "Djursholm", "channel": "email"}, {"format": "xlsx", "channel": "telegram"},
    ]


def test_the_board_report_is_printable_html_and_a_pdf_without_names(app: App, web: LiveServer) -> None:
    town = answered_town(app)
    add_accounts(app)
    base = f"/admin/consultations/{town.consultation_id}"
    browser, _ = signed_in(web, "official")
    with closing(browser):
        page = browser.get(f"{base}/report")
        pdf = browser.get(f"{base}/report.pdf?area=M%C3%B6rby", timeout=60)  # seconds on a busy machine
    assert page.status_code == 200 and page.headers["content-security-policy"].startswith("default-src 'self'")
    html = page.text
    assert "<title>Rapport: Trafiken under byggtiden i Mörby centrum – Samråd</title>" in html
    assert "<dd>Trafik- och vägarbeten</dd>" in html and "<dd>Tidigt skede</dd>" in html and "<dd>Dialog</dd>" in html
    assert "4 av 8 inbjudna skickade in svar (50\u00a0%). 1 svarade att samrådet inte berör dem." in html
    assert "e-post: 4 inbjudna" in html and "Telegram: 2 inbjudna" in html and "ingen kanal: 1 inbjudna" in html
    assert _svg_texts(html, "chart-q4")[:2] == ["Morgon", "1 (25\u00a0%)"]
    assert '<link rel="stylesheet" href="/admin/static/report.css">' in html and "<style>" not in html
    for name in ("Anna Ek", "Cilla", "Eva Lund", "Dan Ro", "anna@bageri.example"):
        assert name not in html
    assert "Ni sa, vi gjorde" not in html and "Teman i fritextsvaren" not in html  # none given yet
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and page_count(pdf.content) >= 2
    assert 'rapport-' in pdf.headers["content-disposition"]


def test_the_report_and_the_xlsx_carry_the_accepted_themes_and_the_published_response(
    app: App, web: LiveServer
) -> None:
    from bot.services import feedback, lifecycle, themes

    town = answered_town(app)
    add_accounts(app)
    with app.session() as session:
        kept = themes.create_theme(session, town.consultation_id, "Tidiga leveranser", actor="test", now=app.clock())
        assert kept.id is not None
        themes.tag(session, town.consultation_id, (town.contact_ids["Anna Ek"], "comments"), kept.id,
                   actor="test", now=app.clock())
        session.commit()
    lifecycle.close(app, town.consultation_id, actor="test")
    with app.engine.begin() as conn:
        feedback.save(conn, town.consultation_id, feedback.FeedbackText("Vi flyttar leveranstiderna till kl. 6.",
                      "We move delivery hours to 6 am."), actor="test", now=app.clock())
    browser, _ = signed_in(web, "official")
    with closing(browser):
        before = browser.get(f"/admin/consultations/{town.consultation_id}/report").text
        assert "Tidiga leveranser (1)" in before and "Vi flyttar leveranstiderna" not in before  # not published yet
        feedback.publish_for(app, town.consultation_id, actor="test")
        after = browser.get(f"/admin/consultations/{town.consultation_id}/report").text
        assert "Vi flyttar leveranstiderna till kl. 6." in after
        assert "säger [namn]." in after and "Anna Ek" not in after  # the quote, without her name
        workbook = load_workbook(io.BytesIO(browser.get(f"/admin/consultations/{town.consultation_id}/answers.xlsx").content))
        themes_sheet = workbook.worksheets[-1]
        assert [cell.value for cell in themes_sheet[2]][:2] == ["Tidiga leveranser", 1]

"""The summary for elected representatives over real HTTP on both databases: a representative who opens
every page they can reach finds the figures, the accepted themes and the published feedback, and no
name, e-mail address, phone number or org number of any contact or business, nor the text of an answer
marked as personal data or as a business secret."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import closing

import httpx
import sqlalchemy as sa

from bot.bootstrap import App
from bot.services import answer_marks, consultations, feedback, themes
from bot.services.teams_webhooks import BROKEN_REASON_PREFIX
from conversations.consultation_file import load_consultation_file
from storage.tables import (
    answers_table,
    businesses_table,
    consultations_table,
    contacts_table,
    feedback_table,
)
from tests import scenario
from tests.bot.services.results_support import answered_town
from tests.bot.web.admin.support import add_accounts, client, signed_in
from tests.live_server import LiveServer

PERSONAL_TEXT = "Min diagnos Qwhelmia gör att jag sällan hinner"
SECRET_TEXT = "Vår marginal Brontaxel-kalkyl är 23,7 procent"
FEEDBACK_TEXT = "Ni sa att leveranserna före sju var viktiga. Vi flyttade arbetena till kvällstid."


def _identity(n: int) -> dict[str, str]:
    """Distinctive, unguessable strings for contact n: none can appear on a page by chance."""
    return {
        "name": f"Yxmira{n} Torvhult{n}", "email": f"yxmira{n}@zephyrbolag.example", "phone": f"070-38{n}9 2714",
        "business": f"Quillbeck{n} Handelsbolag{n}", "org_number": f"55987{n}-31{n}6",
    }


def town_with_secrets(app: App) -> tuple[int, dict[str, int], dict[str, dict[str, str]]]:
    """answered_town with every contact and business renamed to distinctive strings, free texts that name
    them, one answer marked personal data, two marked business secrets, an accepted theme, a broken
    Teams webhook, an audience naming an org number and published feedback."""
    town = answered_town(app)
    ids = town.contact_ids
    people = {name: _identity(n) for n, name in enumerate(sorted(ids))}
    cid = town.consultation_id
    with app.engine.begin() as conn:
        for name, contact_id in ids.items():
            who = people[name]
            business_id = conn.execute(
                sa.select(contacts_table.c.business_id).where(contacts_table.c.id == contact_id)
            ).scalar_one()
            conn.execute(contacts_table.update().where(contacts_table.c.id == contact_id).values(
                name=who["name"], email=who["email"], phone=who["phone"]))
            conn.execute(businesses_table.update().where(businesses_table.c.id == business_id).values(
                name=who["business"], org_number=who["org_number"]))
        # An audience naming a business by its org number: only officials see the rule whole.
        conn.execute(consultations_table.update().where(consultations_table.c.id == cid).values(
            audience={"areas": ["Mörby", "Djursholm"], "org_numbers": [people["Anna Ek"]["org_number"]]}))
        # Ivan Kiosk was never reachable; now it is a Teams webhook that stopped answering.
        conn.execute(contacts_table.update().where(contacts_table.c.id == ids["Ivan Kiosk"]).values(
            unreachable_reason=f"{BROKEN_REASON_PREFIX} (HTTP 404)"))

        def comment(name: str, text: str) -> None:
            conn.execute(answers_table.delete().where(
                answers_table.c.consultation_id == cid, answers_table.c.contact_id == ids[name],
                answers_table.c.question_id == "comments"))
            conn.execute(answers_table.insert().values(
                consultation_id=cid, contact_id=ids[name], question_id="comments", value=text, channel="web",
                answered_at=app.clock()))

        anna, dan = people["Anna Ek"], people["Dan Ro"]
        comment("Anna Ek", f"Leveranser före sju är viktiga, säger {anna['name']} på {anna['business']}, "
                           f"ring {anna['phone']} eller skriv till {anna['email']} ({anna['org_number']}).")
        # Dan declined: his name is not among those who answered, but it is still a name.
        comment("Cilla Ros", f"Vi delar lastzon med {dan['business']} och {dan['name'].upper()} om leveranser.")
        comment("Eva Lund", PERSONAL_TEXT)
        comment("Filip Berg", SECRET_TEXT)
    with app.session() as session:
        now, actor = app.clock(), "official@kommun.example"
        answer_marks.mark(session, cid, ids["Eva Lund"], "comments", "personal_data", actor=actor, now=now)
        answer_marks.mark(session, cid, ids["Filip Berg"], "comments", "business_secret", actor=actor, now=now)
        answer_marks.mark(session, cid, ids["Anna Ek"], "best_time", "business_secret", actor=actor, now=now)
        theme = themes.create_theme(session, cid, "Leveranser", actor=actor, now=now)
        assert theme.id is not None
        for name in ("Anna Ek", "Cilla Ros", "Eva Lund", "Filip Berg"):
            themes.tag(session, cid, (ids[name], "comments"), theme.id, actor=actor, now=now)
        themes.create_theme(session, cid, "Inget godkänt svar", actor=actor, now=now)
        session.commit()
    with app.engine.begin() as conn:
        feedback.save(conn, cid, feedback.FeedbackText(FEEDBACK_TEXT), actor="official@kommun.example", now=app.clock())
        conn.execute(feedback_table.update().values(published_at=app.clock(), published_by="official@kommun.example"))
    return cid, ids, people


def _forbidden(people: dict[str, dict[str, str]]) -> list[str]:
    found = [PERSONAL_TEXT, "Qwhelmia", SECRET_TEXT, "Brontaxel"]
    for who in people.values():
        found += list(who.values())
        found += [part for part in (who["name"].split() + who["business"].split()) if len(part) >= 3]
    return found


def _crawl(browser: httpx.Client, start: list[str]) -> dict[str, httpx.Response]:
    """Every /admin page reachable by a link from `start`, fetched as this browser (GETs only; signing
    out and switching language are forms and redirects, not pages)."""
    seen: dict[str, httpx.Response] = {}
    waiting = list(start)
    while waiting:
        path = waiting.pop()
        if path in seen:
            continue
        seen[path] = page = browser.get(path)
        for href in re.findall(r'href="([^"#]+)"', page.text):
            href = href.replace("&amp;", "&")
            if href.startswith("/admin") and not href.startswith("/admin/static/"):
                waiting.append(href)
    return seen


def _table_row(label: str, count: int, share: str) -> str:
    return f'<tr><th scope="row">{label}</th><td class="num">{count}</td><td class="num">{share}\u00a0%</td></tr>'


def test_a_representative_sees_figures_themes_and_feedback_but_no_one_and_no_secret(app: App, web: LiveServer) -> None:
    cid, _, people = town_with_secrets(app)
    add_accounts(app)
    reader, _ = signed_in(web, "representative")
    with closing(reader):
        pages = _crawl(reader, ["/admin/", "/admin/cases", "/admin/digest", f"/admin/consultations/{cid}",
                                f"/admin/consultations/{cid}/progress"])
        summary_path = f"/admin/consultations/{cid}/summary"
        for wanted in ("/admin/cases/1", summary_path, f"/admin/consultations/{cid}", "/admin/digest", "/admin/password"):
            assert wanted in pages, f"a representative cannot reach {wanted}"
        assert {path: page.status_code for path, page in pages.items() if page.status_code != 200} == {}
        for path, page in pages.items():
            for secret in _forbidden(people):
                assert secret.casefold() not in page.text.casefold(), (path, secret)
            assert "/results" not in page.text and "answers." not in page.text and "/contacts/" not in page.text, path

        # The overview and the case page lead a representative to the summary.
        assert f'href="{summary_path}"' in pages["/admin/"].text and f'href="{summary_path}"' in pages["/admin/cases/1"].text

        html = pages[summary_path].text
        # Figures: 8 invited, 7 sent, 4 submitted, 1 declined; "affected": Anna, Cilla, Eva yes, Filip no.
        assert "Svarsfrekvens: 50\u00a0%" in html
        assert _table_row("Inbjudna", 8, "100") in html and _table_row("Skickade in svar", 4, "50") in html
        assert _table_row("Ja", 3, "75") in html and _table_row("Nej", 1, "25") in html
        # Anna's "best time" is a business secret: evening, morning and night one each of three, not 2 of 4.
        assert _table_row("Kväll", 1, "33") in html and _table_row("Morgon", 1, "33") in html
        assert "1 svar som är markerade som affärshemlighet räknas inte med." in html
        # The comments: four written, Filip's withheld; a free text shows only how many wrote.
        assert "3 har skrivit ett fritextsvar. Fritexten visas inte här" in html
        assert "svarsbladen" not in html
        # The theme counts all four answers; its quotes come from Anna's and Cilla's, masked.
        assert '<th scope="row">Leveranser</th><td class="num">4</td>' in html
        assert "Leveranser före sju är viktiga, säger [namn] på [namn], ring [telefon] eller skriv till [e-post]" in html
        assert "Vi delar lastzon med [namn] och [namn] om leveranser." in html, re.findall(r"<blockquote><p>(.*?)</p>", html)
        assert "Inget godkänt svar" in html  # accepted with no answers: named, counted 0
        assert FEEDBACK_TEXT in html


def test_an_official_reaches_the_summary_from_the_consultation_page_and_keeps_the_full_page(
    app: App, web: LiveServer
) -> None:
    cid, _, people = town_with_secrets(app)
    add_accounts(app)
    official, _ = signed_in(web, "official")
    with closing(official):
        overview = official.get("/admin/").text
        assert f'href="/admin/consultations/{cid}"' in overview
        page = official.get(f"/admin/consultations/{cid}").text
        assert f'href="/admin/consultations/{cid}/summary"' in page
        assert people["Ivan Kiosk"]["business"] in page  # officials are told whose webhook broke
        assert people["Anna Ek"]["org_number"] in page  # and the audience's org numbers
        summary = official.get(f"/admin/consultations/{cid}/summary").text
        assert f'href="/admin/consultations/{cid}"' in summary
        assert all(secret not in summary for secret in _forbidden(people))


def test_the_summary_is_for_signed_in_staff_and_an_unknown_one_is_not_found(app: App, web: LiveServer) -> None:
    cid, _, _ = town_with_secrets(app)
    add_accounts(app)
    with closing(client(web)) as anonymous:
        refused = anonymous.get(f"/admin/consultations/{cid}/summary")
        assert refused.status_code == 303 and refused.headers["location"].startswith("/admin/login")
    for role in ("representative", "admin"):
        browser, _ = signed_in(web, role)
        with closing(browser):
            assert browser.get(f"/admin/consultations/{cid}/summary").status_code == 200
            assert browser.get("/admin/consultations/999/summary").status_code == 404
            assert browser.get("/admin/consultations/abc/summary").status_code == 404


def test_the_summary_of_a_consultation_without_answers_says_so(app: App, web: LiveServer) -> None:
    scenario.import_businesses(app, scenario.BUSINESSES_CSV)
    closes = app.clock() + dt.timedelta(days=3)
    cid = scenario.open_consultation(app, scenario.consultation_yaml(closes=closes))
    with app.session() as session:
        file = load_consultation_file(scenario.consultation_yaml(closes=closes, reference="KS 2025/0099"))
        draft = consultations.create_consultation(session, file, now=app.clock(), actor="test")
        session.commit()
    add_accounts(app)
    reader, _ = signed_in(web, "representative")
    with closing(reader):
        page = reader.get(f"/admin/consultations/{cid}/summary")
        assert page.status_code == 200
        assert "Inga teman är godkända än." in page.text and "Ingen återkoppling är publicerad än." in page.text
        assert "Svarsfrekvens: 0\u00a0%" in page.text
        unsent = reader.get(f"/admin/consultations/{draft.id}/summary")
        assert unsent.status_code == 200 and "utkast" in unsent.text

"""The free-text page over real HTTP on both databases: an official searches the answers, asks for
suggestions, accepts, renames, merges and rejects them, tags and marks answers; every change and every
view is in the audit log; a representative and a form without the session's token are refused."""

from __future__ import annotations

import html
import re
from contextlib import closing

from sqlmodel import select

from bot.bootstrap import App
from bot.services import answer_marks, text_groups, themes
from storage.tables import AuditEntry
from tests.bot.services.free_text_support import EVENING, PARKING, ROADWORKS, with_free_text
from tests.bot.web.admin.support import add_accounts, signed_in
from tests.live_server import LiveServer


def _audit(app: App) -> list[AuditEntry]:
    with app.session() as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]


def _theme_ids(app: App, consultation_id: int) -> dict[str, int]:
    with app.session() as session:
        return {row.name: row.id for row in themes.list_themes(session, consultation_id)}


def test_an_official_searches_decides_on_suggestions_tags_and_marks(app: App, web: LiveServer) -> None:
    # scikit-learn loads once per process, in seconds on a busy machine: here, not inside the client's timeout.
    text_groups.group_texts(["parkering", "parkeringen", "kvällsöppet"])
    town = with_free_text(app)
    cid = town.consultation_id
    page_url = f"/admin/consultations/{cid}/free-text"
    add_accounts(app)
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        assert f'href="{page_url}"' in browser.get(f"/admin/consultations/{cid}").text
        found = browser.get(page_url, params={"q": "KVÄLL"})
        assert found.status_code == 200
        quoted = re.findall(r"<blockquote>(.*?)</blockquote>", found.text)
        assert [html.unescape(text) for text in quoted] == [
            "Vi vill ha längre öppettider på kvällarna", "Kvällsöppet på torsdagar skulle locka fler kunder",
            "Butikerna borde ha öppet senare på kvällen",
        ]
        assert "Företag E AB" in found.text  # the business's name is shown with its answer

        suggested = browser.post(f"{page_url}/suggest", data={"csrf": csrf})
        assert suggested.status_code == 303
        assert "Nya förslag på teman är gjorda." in browser.get(suggested.headers["location"]).text
        ids = _theme_ids(app, cid)
        assert len(ids) == 3
        parking = next(i for name, i in ids.items() if name.startswith("Parkering"))
        others = [i for i in ids.values() if i != parking]

        def decide(theme_id: int, **data: object) -> None:
            response = browser.post(f"{page_url}/themes/{theme_id}", data={"csrf": csrf, **data})
            assert response.status_code == 303, response.text

        decide(parking, action="accept")
        decide(parking, action="rename", name="Parkering nära butikerna")
        decide(others[0], action="merge", into=parking)
        decide(others[1], action="reject")
        refused = browser.post(f"{page_url}/themes/{parking}", data={"csrf": csrf, "action": "rename", "name": " "})
        assert refused.status_code == 409 and "a theme needs a name" in refused.text and 'role="alert"' in refused.text
        with app.session() as session:
            rows = [(r.name, r.status, r.answers) for r in themes.list_themes(session, cid)]
        assert rows == [("Parkering nära butikerna", "accepted", 8)]

        last = town.contact_ids[ROADWORKS[-1]]
        answer_url = f"{page_url}/answers/{last}"
        tagged = browser.post(answer_url, data={"csrf": csrf, "question": "comments", "action": "tag", "theme": parking})
        assert tagged.status_code == 303
        marked = browser.post(answer_url, data={
            "csrf": csrf, "question": "comments", "action": "mark", "kind": "business_secret", "q": "skylta",
        })
        assert marked.headers["location"] == f"{page_url}?done=mark&q=skylta"
        shown = browser.get(marked.headers["location"]).text
        assert "affärshemlighet (OSL 30:23)" in shown and "Ta bort markeringen affärshemlighet" in shown
        bad_mark = browser.post(answer_url, data={"csrf": csrf, "question": "comments", "action": "mark", "kind": "x"})
        assert bad_mark.status_code == 409 and "unknown mark" in bad_mark.text
    with app.session() as session:
        conn = session.connection()
        assert answer_marks.secret_answers(conn, cid) == {(last, "comments")}
        counts = {r.name: r.answers for r in themes.list_themes(session, cid)}
    assert counts == {"Parkering nära butikerna": len(PARKING) + len(EVENING) + 1}
    actions = [entry.action for entry in _audit(app)]
    assert [a for a in actions if a.startswith(("theme.", "answer."))] == [
        "theme.suggest", "theme.accept", "theme.rename", "theme.merge", "theme.reject", "answer.tag", "answer.mark",
    ]
    views = [entry for entry in _audit(app) if entry.action == "free_text.view"]
    assert views[0].detail == {"search": "KVÄLL", "answers": 3}
    assert views[0].actor == "official@kommun.example [127.0.0.1]"


def test_a_representative_and_a_form_without_the_token_are_refused_and_change_nothing(
    app: App, web: LiveServer
) -> None:
    town = with_free_text(app)
    page_url = f"/admin/consultations/{town.consultation_id}/free-text"
    add_accounts(app)
    browser, csrf = signed_in(web, "representative")
    with closing(browser):
        assert browser.get(page_url).status_code == 403
        assert browser.post(f"{page_url}/suggest", data={"csrf": csrf}).status_code == 403
        assert f'href="{page_url}"' not in browser.get(f"/admin/consultations/{town.consultation_id}").text
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        assert browser.post(f"{page_url}/suggest", data={"csrf": "forged"}).status_code == 403
        assert browser.post(f"{page_url}/suggest").status_code == 403
        answer_url = f"{page_url}/answers/{town.contact_ids[0]}"
        refused = browser.post(answer_url, data={"question": "comments", "action": "mark", "kind": "personal_data"})
        assert refused.status_code == 403
        assert browser.get("/admin/consultations/999/free-text").status_code == 404
        malformed = browser.post(answer_url, data={"csrf": csrf, "question": "x" * 5000, "action": "tag", "theme": "abc"})
        assert malformed.status_code == 422 and "text/html" in malformed.headers["content-type"]
        unknown = browser.post(answer_url, data={"csrf": csrf, "question": "comments", "action": "explode"})
        assert unknown.status_code == 409 and "choose tag, untag, mark or unmark" in unknown.text
    assert _theme_ids(app, town.consultation_id) == {}
    with app.session() as session:
        assert answer_marks.marks_of(session.connection(), town.consultation_id) == {}
    assert not [e for e in _audit(app) if e.action.startswith(("theme.", "answer."))]
    # Only the page shown with the last refusal showed the answers; the refused requests showed nothing.
    assert [e.actor for e in _audit(app) if e.action == "free_text.view"] == ["official@kommun.example [127.0.0.1]"]

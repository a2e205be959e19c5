"""The feedback page (write, preview, publish) and each person's own notification page, over real HTTP
on both databases: roles, CSRF, the audit log, and the feedback shown on the consultation and case pages."""

from __future__ import annotations

import html
from contextlib import closing

import sqlalchemy as sa
from sqlmodel import select

from bot.bootstrap import App
from storage.tables import AuditEntry, Consultation, digest_subscriptions_table, outbox_table
from tests.bot.services.feedback_support import closed_consultation
from tests.bot.web.admin.support import EMAILS, add_accounts, client, signed_in
from tests.fakes.channel import FakeChannel
from tests.live_server import LiveServer

SV = "Vi flyttade lastzonen till Golfvägen.\n\nBygget börjar i maj."
EN = "We moved the loading zone to Golfvägen."


def audit(app: App, action: str) -> list[AuditEntry]:
    with app.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def feedback_rows(app: App) -> list[sa.Row]:  # type: ignore[type-arg]
    with app.engine.connect() as conn:
        return list(conn.execute(sa.select(outbox_table).where(outbox_table.c.kind == "feedback")).all())


def test_an_official_writes_previews_and_publishes_the_feedback_once(app: App, web: LiveServer) -> None:
    app.channels.update(telegram=FakeChannel(name="telegram"), email=FakeChannel(name="email"))
    closed = closed_consultation(app)
    add_accounts(app)
    page = f"/admin/consultations/{closed.consultation_id}/feedback"
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        empty = browser.post(page, data={"csrf": csrf, "text_sv": "  ", "text_en": EN})
        assert empty.status_code == 422
        assert "write the feedback in Swedish (the English text is optional)" in empty.text
        assert html.escape(EN) in empty.text  # what was typed is kept

        saved = browser.post(page, data={"csrf": csrf, "text_sv": SV, "text_en": EN})
        assert saved.status_code == 303 and saved.headers["location"] == page + "#preview"
        preview = browser.get(page).text
        assert "Tack för att du deltog i samrådet" in preview and "Thank you for taking part" in preview
        assert "Deltagare som läser svenska (2)" in preview and "Deltagare som läser engelska (1)" in preview
        assert "<td>Telegram</td><td class=\"num\">1</td>" in preview
        assert "<td>e-mail</td><td class=\"num\">1</td>" in preview
        assert "<td>svarssidan på webben (de har ingen annan kanal)</td><td class=\"num\">1</td>" in preview
        assert "Får den inte: 1 avregistrerade, 1 raderade, 1 som inte går att nå." in preview
        assert "Publicera och skicka till 3 deltagare" in preview

        browser.post(page, data={"csrf": csrf, "text_sv": SV, "text_en": ""})
        swedish_only = browser.get(page).text
        assert "Deltagare som läser svenska (3)" in swedish_only and "Thank you for taking part" not in swedish_only
        browser.post(page, data={"csrf": csrf, "text_sv": SV, "text_en": EN})
        published = browser.post(page + "/publish", data={"csrf": csrf})
        assert published.headers["location"] == page + "?done=published&n=2"
        again = browser.post(page + "/publish", data={"csrf": csrf})
        assert again.headers["location"] == page + "?done=again&n=0"
        assert "Återkopplingen var redan publicerad. Inget mer skickades." in browser.get(again.headers["location"]).text

        shown = browser.get(f"/admin/consultations/{closed.consultation_id}").text
        assert "Ni sa, vi gjorde" in shown and "<p>Vi flyttade lastzonen till Golfvägen.</p>" in shown
        with app.session() as session:
            consultation = session.get(Consultation, closed.consultation_id)
            assert consultation is not None
            case_id = consultation.case_id
        assert "<p>Bygget börjar i maj.</p>" in browser.get(f"/admin/cases/{case_id}").text
        too_long = browser.post(page, data={"csrf": csrf, "text_sv": "a" * 4001})
        assert too_long.status_code == 422 and "the Swedish text is 4001 characters long; keep it to 4000" in too_long.text
        changed = browser.post(page, data={"csrf": csrf, "text_sv": "Något annat", "text_en": ""})
        assert changed.status_code == 422 and "can no longer be changed" in changed.text

    assert len(feedback_rows(app)) == 2
    actor = [e.actor.split(" ")[0] for e in audit(app, "feedback.write")]
    assert actor == [EMAILS["official"]] * 3  # the first draft, Swedish only, and both languages again
    assert [e.detail["queued"] for e in audit(app, "feedback.publish")] == [2]


def test_only_officials_with_the_forms_token_may_write_or_publish(app: App, web: LiveServer) -> None:
    app.channels.update(telegram=FakeChannel(name="telegram"), email=FakeChannel(name="email"))
    closed = closed_consultation(app)
    add_accounts(app)
    page = f"/admin/consultations/{closed.consultation_id}/feedback"
    with closing(client(web)) as stranger:
        assert stranger.get(page).status_code == 303
        assert stranger.post(page, data={"text_sv": SV}).status_code == 303
    reader, reader_csrf = signed_in(web, "representative")
    with closing(reader):
        assert reader.get(page).status_code == 403
        assert reader.post(page, data={"csrf": reader_csrf, "text_sv": SV}).status_code == 403
        assert reader.post(page + "/publish", data={"csrf": reader_csrf}).status_code == 403
        assert "Ni sa, vi gjorde" in reader.get(f"/admin/consultations/{closed.consultation_id}").text
    official, _ = signed_in(web, "official")
    with closing(official):
        assert official.post(page, data={"csrf": "forged", "text_sv": SV}).status_code == 403
        assert official.post(page + "/publish", data={"csrf": ""}).status_code == 403
        assert official.get("/admin/consultations/999/feedback").status_code == 404
    assert audit(app, "feedback.write") == [] and feedback_rows(app) == []


def test_anyone_signed_in_chooses_their_own_notifications(app: App, web: LiveServer) -> None:
    add_accounts(app)
    with closing(client(web)) as stranger:
        assert stranger.get("/admin/digest").status_code == 303
    reader, csrf = signed_in(web, "representative")
    with closing(reader):
        page = reader.get("/admin/digest").text
        assert 'value="none" checked' in page and "E-post är inte påslaget här ännu" in page
        assert reader.post("/admin/digest", data={"frequency": "weekly"}).status_code == 403  # no token
        saved = reader.post("/admin/digest", data={"csrf": csrf, "frequency": "weekly"})
        assert saved.headers["location"] == "/admin/digest?done=saved"
        assert 'value="weekly" checked' in reader.get("/admin/digest").text
        refused = reader.post("/admin/digest", data={"csrf": csrf, "frequency": "hourly"})
        assert refused.status_code == 422 and "Välj ett av alternativen." in refused.text
        reader.post("/admin/digest", data={"csrf": csrf, "frequency": "event"})
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(digest_subscriptions_table.c.frequency)).scalars().all()
    assert rows == ["event"]
    assert [e.detail["frequency"] for e in audit(app, "digest.subscribe")] == ["weekly", "event"]

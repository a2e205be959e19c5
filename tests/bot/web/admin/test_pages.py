"""What officials do on the pages, over real HTTP on both databases: import businesses, create, open and
broadcast a consultation, follow it, erase a contact, export, read the audit log and the outbox."""

from __future__ import annotations

import datetime as dt
from contextlib import closing

import sqlalchemy as sa
from sqlmodel import select

from bot.bootstrap import App
from bot.services import consultations, outreach
from bot.services.delivery_report import FAILED_SHOWN
from conversations.consultation_file import load_consultation_file
from storage.tables import AuditEntry, Business, Consultation, Contact, audit_log_table, outbox_table
from tests.bot.web.admin.support import add_accounts, signed_in, switch_language
from tests.live_server import LiveServer
from tests.scenario import BUSINESSES_CSV, consultation_yaml, municipality


def _audit(app: App, action: str) -> list[AuditEntry]:
    with app.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_businesses_file_with_mistakes_is_reported_by_line_and_column_and_nothing_is_imported(
    app: App, web: LiveServer
) -> None:
    add_accounts(app)
    bad = BUSINESSES_CSV + "556016-0681,Fel AB,10711,Mörby,,Eva,not-an-address,,sv,,\n"
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        refused = browser.post(
            "/admin/businesses/import", data={"csrf": csrf}, files={"file": ("foretag.csv", bad.encode(), "text/csv")}
        )
        assert refused.status_code == 422
        assert "line 6, column org_number" in refused.text and "line 6, column contact_email" in refused.text
        assert 'aria-invalid="true"' in refused.text
        with app.session() as session:
            assert session.exec(select(Business)).first() is None
        done = browser.post(
            "/admin/businesses/import",
            data={"csrf": csrf},
            files={"file": ("foretag.csv", ("\ufeff" + BUSINESSES_CSV).encode(), "text/csv")},
        )
        assert done.status_code == 200
        assert "3 företag skapade, 0 uppdaterade; 4 kontakter skapade" in done.text
        listed = browser.get("/admin/businesses?q=5560160680")
        assert "Mörby Bageri AB" in listed.text and "Café Torget" not in listed.text
        assert "Djursholms Blommor" in browser.get("/admin/businesses?area=Djursholm").text
        assert "Mörby Bageri AB" not in browser.get("/admin/businesses?tag=kafé").text
    assert [e.detail for e in _audit(app, "contact.list")] == [{"text": "5560160680"}, {"area": "Djursholm"}, {"tag": "kafé"}]
    (entry,) = _audit(app, "business.import")
    assert entry.actor == "official@kommun.example [127.0.0.1]" and entry.detail["contacts_created"] == 4


def test_a_consultation_from_a_template_is_created_opened_broadcast_and_closed(app: App, web: LiveServer) -> None:
    add_accounts(app)
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        browser.post(
            "/admin/businesses/import", data={"csrf": csrf},
            files={"file": ("foretag.csv", BUSINESSES_CSV.encode(), "text/csv")},
        )
        missing = browser.post("/admin/consultations/template", data={"csrf": csrf, "case_type": "traffic", "stage": "early"})
        assert missing.status_code == 422 and 'id="f-reference-error"' in missing.text
        created = browser.post(
            "/admin/consultations/template",
            data={"csrf": csrf, "case_type": "traffic", "stage": "early", "reference": "KS 2025/0101", "case_title": "Ny gång- och cykelväg"},
        )
        assert created.status_code == 303
        page_url = created.headers["location"].split("?")[0]
        consultation_id = int(page_url.rsplit("/", 1)[1])
        draft = browser.get(created.headers["location"])
        assert "Samrådet är skapat som utkast." in draft.text and "utkast" in draft.text
        assert "alla företag (4 kontakter matchar i dag)" in draft.text  # the template's audience: all
        yaml_text = browser.get(f"{page_url}/consultation.yaml").text
        assert 'reference: "KS 2025/0101"' in yaml_text or "KS 2025/0101" in yaml_text
        opened = browser.post(f"{page_url}/open", data={"csrf": csrf})
        assert opened.status_code == 303 and "n=4" in opened.headers["location"]
        assert "4 kontakter bjöds in" in browser.get(opened.headers["location"]).text
        sent = browser.post(f"{page_url}/broadcast", data={"csrf": csrf})
        # No channel is switched on in tests: everyone is listed with a web link to hand out.
        assert sent.status_code == 200 and "0 inbjudningar lades i kö." in sent.text
        assert "Kan inte nås i någon kanal" in sent.text and "Anna Ek" in sent.text and "http://samrad.test/c/" in sent.text
        # Closing cannot be undone: the page's "Stäng samrådet" leads to a question, and only its button closes.
        page = browser.get(page_url).text
        assert f'href="{page_url}/close"' in page and f'action="{page_url}/close"' not in page
        asked = browser.get(f"{page_url}/close")
        assert asked.status_code == 200 and "Stänga samrådet?" in asked.text and "går inte att öppna igen" in asked.text
        assert "Ja, stäng samrådet" in asked.text
        with app.session() as session:
            still = session.get(Consultation, consultation_id)
            assert still is not None and still.status == "open"
        closed = browser.post(f"{page_url}/close", data={"csrf": csrf})
        assert closed.status_code == 303
        again = browser.post(f"{page_url}/close", data={"csrf": csrf})
        assert again.status_code == 409 and "Samrådet är redan stängt." in again.text and "is not open" not in again.text
        # Asked again once it is closed, there is nothing to close: back to the consultation's page.
        asked_again = browser.get(f"{page_url}/close")
        assert asked_again.status_code == 303 and asked_again.headers["location"].endswith(f"/consultations/{consultation_id}")
    with app.session() as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None and consultation.status == "closed"
    for action in ("consultation.create", "consultation.open", "consultation.close"):
        assert [e.actor for e in _audit(app, action)] == ["official@kommun.example [127.0.0.1]"]


def test_an_uploaded_consultation_file_shows_the_loaders_messages_at_the_field(app: App, web: LiveServer) -> None:
    add_accounts(app)
    good = consultation_yaml(closes=app.clock() + dt.timedelta(days=14))
    bad = good.replace("kind: yesno", "kind: slider", 1)
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        refused = browser.post("/admin/consultations/upload", data={"csrf": csrf}, files={"file": ("samrad.yaml", bad.encode())})
        assert refused.status_code == 422
        assert 'unknown kind &#34;slider&#34;' in refused.text and "samrad.yaml, line " in refused.text
        assert 'aria-describedby="f-yaml-error"' in refused.text
        not_text = browser.post("/admin/consultations/upload", data={"csrf": csrf}, files={"file": ("x.yaml", b"\xff\xfe")})
        assert not_text.status_code == 422 and "inte UTF-8" in not_text.text
        created = browser.post("/admin/consultations/upload", data={"csrf": csrf}, files={"file": ("samrad.yaml", good.encode())})
        assert created.status_code == 303
        assert "Område: Mörby (0 kontakter matchar i dag)" in browser.get(created.headers["location"]).text
        case_list = browser.get("/admin/cases?q=ks%202025/0042")
        assert "KS 2025/0042" in case_list.text
        assert "KS 2025/0042" not in browser.get("/admin/cases?status=closed").text
        assert "KS 2025/0042" in browser.get("/admin/cases?status=draft&type=traffic").text


def test_erasing_a_contact_asks_first_then_erases_and_is_logged(app: App, web: LiveServer) -> None:
    town = municipality(app)
    add_accounts(app)
    contact_id = town.contact_ids[0]
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        contact_page = browser.get(f"/admin/contacts/{contact_id}")
        assert "Anna Ek" in contact_page.text and "anna@bageri.example" in contact_page.text
        confirm = browser.get(f"/admin/contacts/{contact_id}/erase")
        assert "Radera kontaktens personuppgifter?" in confirm.text
        with app.session() as session:
            contact = session.get(Contact, contact_id)
            assert contact is not None and contact.erased_at is None  # asking changed nothing
        erased = browser.post(f"/admin/contacts/{contact_id}/erase", data={"csrf": csrf})
        assert erased.status_code == 303
        after = browser.get(erased.headers["location"])
        assert "Kontaktens personuppgifter är raderade." in after.text and "anna@bageri.example" not in after.text
        twice = browser.post(f"/admin/contacts/{contact_id}/erase", data={"csrf": csrf})
        assert twice.status_code == 409
    assert [e.target for e in _audit(app, "contact.erase")] == [f"contact:{contact_id}"]
    assert len(_audit(app, "contact.view")) == 2  # every view of a person's page is recorded


def test_an_export_is_recorded_and_representatives_see_no_personal_data(app: App, web: LiveServer) -> None:
    town = municipality(app)
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        export = browser.get(f"/admin/consultations/{town.consultation_id}/answers.csv")
        assert export.status_code == 200 and "Anna Ek" in export.text
        assert "attachment" in export.headers["content-disposition"] and export.headers["cache-control"] == "no-store"
    assert [e.target for e in _audit(app, "consultation.export")] == [f"consultation:{town.consultation_id}"]
    reader, _ = signed_in(web, "representative")
    with closing(reader):
        for path in ("/admin/", "/admin/cases", "/admin/cases/1", f"/admin/consultations/{town.consultation_id}"):
            page = reader.get(path)
            assert page.status_code == 200
            assert "Anna Ek" not in page.text and "bageri.example" not in page.text, path
        assert "Trafiken under byggtiden" in reader.get("/admin/").text


def test_the_audit_log_filters_by_actor_action_and_date(app: App, web: LiveServer) -> None:
    add_accounts(app)
    with app.engine.begin() as conn:
        conn.execute(audit_log_table.insert(), [
            {"at": app.clock() - dt.timedelta(days=3), "actor": "cli", "action": "contact.erase", "target": "contact:7", "detail": {}},
            {"at": app.clock(), "actor": "anna@kommun.example [10.0.0.1]", "action": "consultation.open", "target": "consultation:2", "detail": {}},
        ])
    browser, _ = signed_in(web, "admin")
    with closing(browser):
        by_actor = browser.get("/admin/audit?actor=ANNA@")
        assert "consultation:2" in by_actor.text and "contact:7" not in by_actor.text
        by_action = browser.get("/admin/audit?action=contact")
        assert "contact:7" in by_action.text and "consultation:2" not in by_action.text
        by_date = browser.get("/admin/audit?since=2025-02-26")
        assert "consultation:2" in by_date.text and "contact:7" not in by_date.text
        until = browser.get("/admin/audit?until=2025-02-24")
        assert "contact:7" in until.text and "consultation:2" not in until.text
        # Days are the municipality's: 00:30 on the 28th in Stockholm is still the 27th in UTC.
        with app.engine.begin() as conn:
            conn.execute(audit_log_table.insert().values(
                at=dt.datetime(2025, 2, 27, 23, 30, tzinfo=dt.UTC), actor="cli", action="user.add", target="user:9", detail={},
            ))
        assert "user:9" in browser.get("/admin/audit?since=2025-02-28&action=user.add").text
        assert "user:9" not in browser.get("/admin/audit?until=2025-02-27&action=user.add").text
        bad = browser.get("/admin/audit?since=27/2")
        assert bad.status_code == 422 and "ÅÅÅÅ-MM-DD" in bad.text


def test_the_delivery_page_shows_failures_with_their_reason_and_who_cannot_be_reached(
    app: App, web: LiveServer
) -> None:
    town = municipality(app)
    add_accounts(app)
    with app.engine.begin() as conn:
        conn.execute(outbox_table.insert().values(
            channel="email", address="anna@bageri.example", contact_id=town.contact_ids[0],
            consultation_id=town.consultation_id, kind="invitation", priority=outreach.BULK_PRIORITY, payload={},
            idempotency_key="t:1", status="failed", attempts=8, last_error="SMTP 451 try later", due_at=app.clock(),
            created_at=app.clock(),
        ))
    with app.session() as session:
        contact = session.get(Contact, town.contact_ids[1])
        assert contact is not None
        contact.unreachable_at, contact.unreachable_reason = app.clock(), "mailbox does not exist"
        session.commit()
    browser, _ = signed_in(web, "official")
    with closing(browser):
        page = browser.get("/admin/delivery")
    assert "SMTP 451 try later" in page.text
    assert "mailbox does not exist" in page.text
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox_table)).scalar_one() == 1


def test_the_delivery_page_says_its_failures_are_the_newest_of_more(app: App, web: LiveServer) -> None:
    town = municipality(app)
    add_accounts(app)
    with app.engine.begin() as conn:
        conn.execute(outbox_table.insert(), [
            {"channel": "email", "address": "anna@bageri.example", "contact_id": town.contact_ids[0],
             "consultation_id": town.consultation_id, "kind": "invitation", "priority": outreach.BULK_PRIORITY,
             "payload": {}, "idempotency_key": f"t:{n}", "status": "failed", "attempts": 8,
             "last_error": f"SMTP 451 number {n:03d}", "due_at": app.clock() + dt.timedelta(seconds=n),
             "created_at": app.clock() + dt.timedelta(seconds=n)}
            for n in range(FAILED_SHOWN + 3)
        ])
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        page = browser.get("/admin/delivery").text
        switch_language(browser, "en", csrf=csrf)
        english = browser.get("/admin/delivery").text
    assert f"Meddelanden som inte gick fram (de {FAILED_SHOWN} senaste av {FAILED_SHOWN + 3};" in page
    assert f"(the newest {FAILED_SHOWN} of {FAILED_SHOWN + 3};" in english
    assert page.count("SMTP 451 number") == FAILED_SHOWN
    assert f"SMTP 451 number {FAILED_SHOWN + 2:03d}" in page and "SMTP 451 number 000" not in page  # the newest


def test_a_drafts_texts_are_edited_in_both_languages_with_the_loaders_messages_at_the_field(
    app: App, web: LiveServer
) -> None:
    add_accounts(app)
    closes = app.clock() + dt.timedelta(days=14)
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        created = browser.post(
            "/admin/consultations/upload", data={"csrf": csrf},
            files={"file": ("samrad.yaml", consultation_yaml(closes=closes).encode())},
        )
        page_url = created.headers["location"].split("?")[0]
        form = browser.get(f"{page_url}/edit")
        assert form.status_code == 200
        assert 'name="consultation.questions[0].text.en"' in form.text and 'lang="en"' in form.text
        # Options are named by their place, as the answer page numbers them, not by their ids.
        assert "<legend>Svarsalternativ 2 i fråga 3</legend>" in form.text  # "parking"
        assert "<legend>Svarsalternativ 1 i fråga 4</legend>" in form.text and "morning" not in form.text
        emptied = browser.post(f"{page_url}/edit", data={
            "csrf": csrf, "consultation.questions[0].text.sv": "", "consultation.questions[0].text.en": "",
        })
        assert emptied.status_code == 422
        assert 'id="f-consultation-questions-0-text-error"' in emptied.text
        assert "the text is empty" in emptied.text
        assert 'aria-describedby="f-consultation-questions-0-text-error"' in emptied.text
        saved = browser.post(f"{page_url}/edit", data={
            "csrf": csrf, "consultation.questions[0].text.sv": "Berörs ert företag?",
            "consultation.questions[0].text.en": "Is your business affected?",
        })
        assert saved.status_code == 303
        assert "Texterna är sparade." in browser.get(saved.headers["location"]).text
        preview = browser.get(f"{page_url}/preview")
        assert "Berörs ert företag?" in preview.text and "allmän handling" in preview.text
        switch_language(browser, "en", csrf=csrf)
        assert "Is your business affected?" in browser.get(f"{page_url}/preview").text
        browser.post(f"{page_url}/open", data={"csrf": csrf})
        assert browser.get(f"{page_url}/edit").status_code == 409
    with app.session() as session:
        consultation = session.exec(select(Consultation)).one()
        assert consultation.snapshot is not None
        assert consultation.snapshot["questions"][0]["text"]["sv"] == "Berörs ert företag?"
    assert len(_audit(app, "consultation.edit")) == 1


def test_the_pages_name_question_kinds_outbox_states_and_answer_states_in_words_not_codes(
    app: App, web: LiveServer
) -> None:
    """An official reads "(ja/nej)" beside a question, "Väntar" over the outbox's column and "inbjuden"
    beside a contact's consultation, not the stored codes (yesno, pending, invited)."""
    town = municipality(app)
    add_accounts(app)
    with app.engine.begin() as conn:
        conn.execute(outbox_table.insert().values(
            channel="email", address="anna@bageri.example", contact_id=town.contact_ids[0],
            consultation_id=town.consultation_id, kind="reminder", priority=outreach.BULK_PRIORITY, payload={},
            idempotency_key="t:1", status="failed", attempts=8, last_error="SMTP 451 try later", due_at=app.clock(),
            created_at=app.clock(),
        ))
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        pages = [browser.get(f"/admin/consultations/{town.consultation_id}").text,
                 browser.get("/admin/delivery").text, browser.get(f"/admin/contacts/{town.contact_ids[0]}").text]
        switch_language(browser, "en", csrf=csrf)
        english = [browser.get(f"/admin/consultations/{town.consultation_id}").text,
                   browser.get("/admin/delivery").text, browser.get(f"/admin/contacts/{town.contact_ids[0]}").text]
    consultation, delivery, contact = pages
    assert "(ja/nej)" in consultation and "(flera val)" in consultation and "(yesno)" not in consultation
    assert ">Väntar</th>" in delivery and ">Gick inte fram</th>" in delivery and ">pending</th>" not in delivery
    assert "<td>påminnelse</td>" in delivery and "<td>reminder</td>" not in delivery
    assert '<th scope="row">e-post</th>' in delivery and "<td>e-post</td>" in delivery and "<td>email</td>" not in delivery
    assert ": inbjuden, inte börjat svara" in contact and ": invited" not in contact
    consultation, delivery, contact = english
    assert "(yes/no)" in consultation and ">Waiting</th>" in delivery and "<td>reminder</td>" in delivery
    assert ": invited, not started" in contact


def test_a_refused_action_says_why_in_the_officials_words_and_what_to_do(app: App, web: LiveServer) -> None:
    """Opening a draft whose closing time has passed, or sending a draft's invitations, is refused with the
    reason in Swedish (and the way on), not the command line's English."""
    add_accounts(app)
    with app.session() as session:
        late = consultations.create_consultation(
            session, load_consultation_file(consultation_yaml(closes=app.clock() - dt.timedelta(hours=1))),
            now=app.clock() - dt.timedelta(days=2), actor="test",
        )
        session.commit()
        late_id = late.id
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        opened = browser.post(f"/admin/consultations/{late_id}/open", data={"csrf": csrf})
        sent = browser.post(f"/admin/consultations/{late_id}/broadcast", data={"csrf": csrf})
        switch_language(browser, "en", csrf=csrf)
        english = browser.post(f"/admin/consultations/{late_id}/open", data={"csrf": csrf})
    assert opened.status_code == 409
    assert "stängningstid" in opened.text and "har redan passerat" in opened.text
    assert "Tider och påminnelser" in opened.text and "cannot be opened again" not in opened.text
    assert sent.status_code == 409 and "inte öppnat än" in sent.text and "is not open" not in sent.text
    assert "Choose a later closing time under Times and reminders" in english.text
    with app.session() as session:
        still = session.get(Consultation, late_id)
        assert still is not None and still.status == "draft"

"""Moving a case through the dialogue model's stages over real HTTP: the case page proposes the next
stage's participation level and template, and makes the consultation from it."""

from __future__ import annotations

from contextlib import closing

from sqlmodel import select

from bot.bootstrap import App
from bot.services import cases
from storage.tables import AuditEntry, Case, Consultation
from tests.bot.web.admin.support import add_accounts, signed_in
from tests.live_server import LiveServer
from tests.scenario import municipality


def test_the_next_stage_is_proposed_as_the_model_says_and_its_consultation_made_from_the_template(
    app: App, web: LiveServer
) -> None:
    municipality(app)  # case 1: traffic works, early stage, with its consultation
    add_accounts(app)
    official, csrf = signed_in(web, "official")
    with closing(official):
        page = official.get("/admin/cases/1").text
        assert "Förslag för skedet" not in page  # the early stage already has its consultation
        assert "Nästa skede: Samråd/remiss" in page
        assert "delaktighetsnivån Konsultation och mallen \u201dFörslag till tider och avstängningar\u201d" in page
        moved = official.post("/admin/cases/1/stage", data={"csrf": csrf})
        assert moved.status_code == 303 and moved.headers["location"] == "/admin/cases/1?done=moved"
        page = official.get(moved.headers["location"]).text
        assert "Förslag för skedet Samråd/remiss" in page
        assert "\u201dFörslag till tider och avstängningar\u201d (7 frågor)" in page
        assert "Nästa skede: Beslut" in page and "delaktighetsnivån Information" in page
        created = official.post("/admin/cases/1/consultation", data={"csrf": csrf})
        assert created.status_code == 303 and created.headers["location"] == "/admin/consultations/2?done=created"
        assert "Förslag för skedet" not in official.get("/admin/cases/1").text  # made: no longer proposed
    with app.session() as session:
        consultation = session.get(Consultation, 2)
        case = session.get(Case, 1)
        assert consultation is not None and case is not None
        assert consultation.status == "draft" and consultation.title == "Förslag till tider och avstängningar"
        assert consultation.spec["case"]["stage"] == "consultation" and case.stage == "consultation"
        (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "case.stage"))
        assert entry.detail == {"from": "early", "to": "consultation"} and entry.target == "case:1"


def test_the_last_stage_has_no_next_and_a_representative_may_not_move_a_case(app: App, web: LiveServer) -> None:
    municipality(app)
    add_accounts(app)
    with app.session() as session:
        for _ in range(4):
            cases.move_to_next_stage(session, 1, now=app.clock(), actor="test")
        session.commit()
    official, csrf = signed_in(web, "official")
    representative, representative_csrf = signed_in(web, "representative")
    with closing(official), closing(representative):
        page = official.get("/admin/cases/1").text
        assert "Förslag för skedet Uppföljning" in page and "Nästa skede" not in page
        refused = official.post("/admin/cases/1/stage", data={"csrf": csrf})
        assert refused.status_code == 409 and "is at its last stage" in refused.text
        assert representative.post("/admin/cases/1/consultation", data={"csrf": representative_csrf}).status_code == 403
        assert "Skapa samrådet" not in representative.get("/admin/cases/1").text
        assert official.post("/admin/cases/1/stage", data={"csrf": "forged"}).status_code == 403
    with app.session() as session:
        case = session.get(Case, 1)
        assert case is not None and case.stage == "follow_up"
        assert len(list(session.exec(select(Consultation)))) == 1


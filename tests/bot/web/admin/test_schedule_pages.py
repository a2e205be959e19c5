"""A draft's schedule over real HTTP on both databases: open, close and reminders edited, the quiet
hours beside them and the reminders' times as they would fall, in local time (Europe/Stockholm)."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import closing
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.bootstrap import App
from bot.services import consultations
from conversations.consultation_file import load_consultation_file
from storage.tables import AuditEntry, Consultation
from tests.bot.web.admin.support import add_accounts, signed_in
from tests.live_server import LiveServer
from tests.scenario import consultation_yaml, import_businesses

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Opens on Monday 3 March 2025 at 10:17, closes on Friday 14 March at 16:45 (the clock says 27 February).
SCHEDULE = {"opens": "2025-03-03T10:17", "closes": "2025-03-14T16:45", "reminders": "PT36H, 3, 5", "before_close": "1"}


def _draft(app: App) -> int:
    import_businesses(app)
    with app.session() as session:
        file = load_consultation_file(consultation_yaml(closes=app.clock() + dt.timedelta(days=10)))
        consultation = consultations.create_consultation(session, file, now=app.clock(), actor="test")
        session.commit()
        assert consultation.id is not None
        return consultation.id


def _planned(html: str) -> list[str]:
    section = html.split('id="planned-heading"')[1]
    return re.findall(r"<li>([^<]+)</li>", section)


def test_the_reminders_times_are_listed_out_of_quiet_hours_and_weekends_and_the_schedule_saved(
    app: App, web: LiveServer
) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    official, csrf = signed_in(web, "official")
    path = f"/admin/consultations/{consultation_id}/schedule"
    with closing(official):
        page = official.get(path)
        assert page.status_code == 200
        assert "Inga påminnelser skickas 20:00-08:00 (Europe/Stockholm). Inte heller på helger." in page.text
        shown = official.post(path, data={"csrf": csrf, **SCHEDULE, "do": "show"})
        assert shown.status_code == 200
        # 36 h after opening is Tuesday 22:17, quiet: Wednesday 08:00. Three days: Thursday 10:17. Five days
        # is Saturday: Monday 08:00. The day before closing would be a fourth: at most three are sent.
        assert _planned(shown.text) == [
            "2025-03-05 08:00 (efter inbjudan)", "2025-03-06 10:17 (efter inbjudan)", "2025-03-10 08:00 (efter inbjudan)",
        ]
        with app.session() as session:  # showing saved nothing
            consultation = session.get(Consultation, consultation_id)
            assert consultation is not None and consultation.opens_at is None
        saved = official.post(path, data={"csrf": csrf, **SCHEDULE, "reminders": "2", "do": "save"})
        assert saved.status_code == 303 and saved.headers["location"].endswith("?done=schedule")
        again = official.get(path).text
        assert 'value="2025-03-03T10:17"' in again and 'value="P2D"' in again and 'value="P1D"' in again
        assert _planned(again) == ["2025-03-05 10:17 (efter inbjudan)", "2025-03-13 16:45 (före stängning)"]
    with app.session() as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None
        assert consultation.opens_at == dt.datetime(2025, 3, 3, 10, 17, tzinfo=STOCKHOLM)
        assert consultation.closes_at == dt.datetime(2025, 3, 14, 16, 45, tzinfo=STOCKHOLM)
        assert consultation.reminders == ["P2D"] and consultation.remind_before_close == "P1D"
        assert consultation.spec["consultation"]["reminders"] == ["P2D"]
        (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "consultation.schedule"))
        assert entry.detail["closes"] == "2025-03-14T16:45:00+01:00"


def test_a_wrong_schedule_is_explained_at_its_field_and_nothing_is_saved(app: App, web: LiveServer) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    official, csrf = signed_in(web, "official")
    path = f"/admin/consultations/{consultation_id}/schedule"
    with closing(official):
        cases = [
            ({"opens": "next monday"}, "Skriv tiden som ÅÅÅÅ-MM-DD TT:MM."),
            ({"closes": ""}, "Fyll i fältet."),
            ({"opens": "2025-03-20T09:30"}, "must be before closes"),
            ({"reminders": "5, 3"}, "increasing order"),
            ({"reminders": "P1M"}, "years and months have no fixed length"),
            ({"opens": "", "closes": "2025-02-26T12:30"}, "the closing time has already passed"),
        ]
        for change, message in cases:
            refused = official.post(path, data={"csrf": csrf, **SCHEDULE, **change, "do": "save"})
            assert refused.status_code == 422 and message in refused.text, change
            assert 'aria-invalid="true"' in refused.text, change
        assert official.post(path, data={"csrf": "forged", **SCHEDULE, "do": "save"}).status_code == 403
    with app.session() as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None and consultation.opens_at is None and consultation.reminders == ["P3D", "P6D"]
        assert not list(session.exec(select(AuditEntry).where(AuditEntry.action == "consultation.schedule")))


def test_an_open_consultations_schedule_cannot_change(app: App, web: LiveServer) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    with app.session() as session:
        consultations.open_consultation(session, consultation_id, now=app.clock(), actor="test")
        session.commit()
    official, csrf = signed_in(web, "official")
    path = f"/admin/consultations/{consultation_id}/schedule"
    with closing(official):
        assert official.get(path).status_code == 409
        assert official.post(path, data={"csrf": csrf, **SCHEDULE, "do": "save"}).status_code == 409

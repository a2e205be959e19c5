"""Broadcasting a consultation: the audience, each contact's channel, who is skipped and why, and that
broadcasting again queues nothing new."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from bot.bootstrap import App
from bot.services import consultations
from bot.services.broadcast import broadcast
from bot.services.consultations import ConsultationError
from bot.services.dialogues import opt_out
from bot.services.outreach import Identity, Reach, choose_channel
from storage.tables import contacts_table, dialogues_table
from tests import scenario
from tests.bot.services.outreach_support import bind, invitation, org_number, queued, reminders_of, town
from tests.fakes.channel import FakeChannel


def test_each_contact_is_invited_once_on_their_channel(app: App) -> None:
    t = town(app)
    report = broadcast(app, t.consultation_id, actor="test")

    assert report.audience == 4  # Eva is in Djursholm
    assert dict(report.queued) == {"slack": 1, "email": 1, "telegram": 1}
    assert [w.contact_id for w in report.web_only] == [t.nothing]
    assert report.web_only[0].web_link == app.answer_url(t.nothing, t.consultation_id)
    rows = {row.contact_id: row for row in queued(app, kind="invitation")}
    assert {cid: (row.channel, row.address) for cid, row in rows.items()} == {
        t.slack: ("slack", "U0ANNA1"),
        t.email: ("email", "bo@bageri.example"),
        t.telegram: ("telegram", "4242"),
    }
    assert {row.idempotency_key for row in rows.values()} == {
        f"invitation:{t.consultation_id}:{cid}" for cid in (t.slack, t.email, t.telegram)
    }
    assert all(row.priority == 10 and row.status == "pending" for row in rows.values())
    sent = invitation(app, t.consultation_id, t.email)
    assert (sent.channel, sent.invited_at) == ("email", app.clock())
    assert invitation(app, t.consultation_id, t.nothing).invited_at is None


def test_the_invitation_speaks_the_contacts_language_and_carries_its_links(app: App) -> None:
    t = town(app)
    broadcast(app, t.consultation_id, actor="test")
    rows = {row.contact_id: row for row in queued(app, kind="invitation")}

    mail = rows[t.email].payload  # Bo reads English
    assert mail["language"] == "en"
    assert mail["text"].startswith("Hello! Danderyds kommun would like to know what you think about “Traffic")
    assert "Please answer by 13 March 2025 at 09:00." in mail["text"]  # 14 days after Thursday 09:00
    assert mail["extra"]["subject"] == "Consultation: Traffic during the construction in Mörby centrum"
    assert mail["extra"]["web_link"] == app.answer_url(t.email, t.consultation_id)
    assert mail["extra"]["opt_out_link"].startswith("http://samrad.test/u/")

    chat = rows[t.telegram].payload
    assert chat["language"] == "sv"
    assert "Svara senast 13 mars 2025 kl. 09:00." in chat["text"]
    assert chat["text"].endswith("Svara på det här meddelandet så börjar vi.")
    assert chat["extra"]["web_link"] == app.answer_url(t.telegram, t.consultation_id)


def test_broadcasting_again_queues_nothing_new_but_reaches_new_contacts(app: App) -> None:
    t = town(app)
    broadcast(app, t.consultation_id, actor="test")
    again = broadcast(app, t.consultation_id, actor="test")
    assert again.total_queued == 0
    assert again.skipped["already_invited"] == 3

    csv_text = (
        "org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,slack_user_id,"
        f"teams_webhook_url\n{org_number(9)},Mörby Kiosk,47111,Mörby,,Fia Lo,fia@kiosk.example,,sv,,\n"
    )
    scenario.import_businesses(app, csv_text)
    later = broadcast(app, t.consultation_id, actor="test")
    assert dict(later.queued) == {"email": 1}
    assert len(queued(app, kind="invitation")) == 4


def test_contacts_who_opted_out_are_unreachable_or_already_answer_are_skipped(app: App) -> None:
    t = town(app)
    now = app.clock()
    with app.engine.begin() as conn:
        opt_out(conn, t.slack, now=now)
        conn.execute(
            contacts_table.update().where(contacts_table.c.id == t.email).values(unreachable_at=now, unreachable_reason="x")
        )
        conn.execute(  # Dan answered through a handed-out link before the broadcast
            dialogues_table.insert().values(
                contact_id=t.telegram, consultation_id=t.consultation_id, state={}, status="partial", channel="web",
                started_at=now, updated_at=now,
            )
        )
    report = broadcast(app, t.consultation_id, actor="test")

    assert report.total_queued == 0
    assert dict(report.skipped) == {"opted_out": 1, "unreachable": 1, "already_answering": 1}
    assert queued(app) == []
    lines = "\n".join(report.lines())
    assert "not sent: 1 opted out" in lines and "not sent: 1 unreachable" in lines
    assert f"contact {t.nothing} Cilla Ros (Café Torget): http" in lines


def test_a_channel_that_is_switched_off_is_not_used(app: App) -> None:
    t = town(app)
    del app.channels["slack"]
    del app.channels["email"]
    report = broadcast(app, t.consultation_id, actor="test")
    assert dict(report.queued) == {"telegram": 1}
    assert sorted(w.contact_id for w in report.web_only) == sorted([t.slack, t.email, t.nothing])


def test_reminders_are_planned_with_the_invitation(app: App) -> None:
    t = town(app, reminders="[P3D, P6D]", before_close="P1D")
    broadcast(app, t.consultation_id, actor="test")
    planned = reminders_of(app, t.email)
    # Invited Thursday 27 Feb 09:00: +3 days is Sunday (quiet) -> Monday 08:00; +6 days is Wednesday
    # 09:00; one day before closing (13 March 09:00) is Wednesday 12 March 09:00.
    assert [(r.number, r.kind, r.due_at) for r in planned] == [
        (1, "after_invitation", dt.datetime(2025, 3, 3, 7, 0, tzinfo=dt.UTC)),
        (2, "after_invitation", dt.datetime(2025, 3, 5, 8, 0, tzinfo=dt.UTC)),
        (3, "before_close", dt.datetime(2025, 3, 12, 8, 0, tzinfo=dt.UTC)),
    ]
    assert reminders_of(app, t.nothing) == []  # nobody can reach Cilla: no reminders either


def test_a_large_audience_reports_progress(app: App) -> None:
    t = town(app)
    seen: list[tuple[int, int]] = []
    broadcast(app, t.consultation_id, actor="test", progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def test_only_an_open_consultation_is_broadcast(app: App) -> None:
    t = town(app)
    with pytest.raises(ConsultationError, match="there is no consultation 999"):
        broadcast(app, 999, actor="test")
    with app.session() as session:
        consultations.close_consultation(session, t.consultation_id, now=app.clock(), actor="test")
        session.commit()
    with pytest.raises(ConsultationError, match="is closed, not open"):
        broadcast(app, t.consultation_id, actor="test")


def test_the_channel_they_last_answered_on_comes_first() -> None:
    seen = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    reach = Reach(1, "sv", "a@b.example", False, False, False,
                  [Identity("telegram", "42", seen), Identity("slack", "U1", None)], last_channel="slack")
    assert choose_channel(reach, {"telegram", "slack", "email"}) == ("slack", "U1")
    assert choose_channel(reach, {"telegram", "email"}) == ("telegram", "42")  # Slack is off
    reach.last_channel = "email"
    assert choose_channel(reach, {"telegram", "email"}) == ("email", "a@b.example")
    reach.last_channel = "web"  # the web page is no channel to send on
    assert choose_channel(reach, {"telegram", "slack"}) == ("telegram", "42")  # most recently seen
    assert choose_channel(reach, set()) is None


def test_a_chat_bound_later_is_preferred_over_e_mail(app: App) -> None:
    t = town(app)
    bind(app, t.email, "telegram", "777", seen=app.clock())
    broadcast(app, t.consultation_id, actor="test")
    row = next(r for r in queued(app, kind="invitation") if r.contact_id == t.email)
    assert (row.channel, row.address) == ("telegram", "777")


def test_the_audit_log_records_the_broadcast(app: App) -> None:
    from storage.tables import audit_log_table

    t = town(app)
    broadcast(app, t.consultation_id, actor="cli")
    with app.engine.connect() as conn:
        entry = conn.execute(
            sa.select(audit_log_table).where(audit_log_table.c.action == "consultation.broadcast")
        ).one()
    assert entry.actor == "cli" and entry.detail["queued"] == {"slack": 1, "email": 1, "telegram": 1}


def test_a_teams_card_invitation_leads_to_the_web_page_instead_of_asking_for_a_reply(app: App) -> None:
    """A Workflows card cannot take a reply: its invitation ends with the invitation itself, and carries
    the web link (the card's button) and the opt-out link."""
    t = town(app)
    app.channels["teams"] = FakeChannel(name="teams")
    bind(app, t.nothing, "teams", "https://prod-01.westeurope.logic.azure.com/workflows/x?sig=abc")
    broadcast(app, t.consultation_id, actor="test")
    card = {row.contact_id: row for row in queued(app, kind="invitation")}[t.nothing].payload
    assert "Svara på det här meddelandet" not in card["text"]
    assert card["text"].endswith("Svara senast 13 mars 2025 kl. 09:00.")
    assert card["extra"]["web_link"] == app.answer_url(t.nothing, t.consultation_id)
    assert card["extra"]["opt_out_link"] == app.opt_out_url(t.nothing)


def test_contacts_no_channel_reaches_are_told_which_switched_off_channel_would_reach_them(app: App) -> None:
    town_ = town(app)
    del app.channels["email"]  # Bo has only an address; Anna has Slack too
    report = broadcast(app, town_.consultation_id, actor="test")

    assert [w.contact_id for w in report.web_only] == [town_.email, town_.nothing]
    assert dict(report.channels_off) == {"email": 1}
    text = "\n".join(report.lines())
    assert "not reachable by any channel: 2" in text
    assert "1 of them have e-mail, which is switched off here; set SAMRAD_SMTP_URL and SAMRAD_MAIL_FROM" in text

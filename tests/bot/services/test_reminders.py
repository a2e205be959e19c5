"""Reminders: planned at the invitation, sent at their time only to those who have not answered, never
in quiet hours, never more than allowed."""

from __future__ import annotations

import datetime as dt

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.delivery.quiet_hours import QuietHours
from bot.services.broadcast import broadcast
from bot.services.chat import ChatRouter
from bot.services.dialogues import opt_out
from bot.services.lifecycle import close
from bot.services.reminders import plan_reminders, queue_due_reminders
from conversations.messages import TextIn
from tests.bot.services.outreach_support import queued, reminders_of, town

QUIET = QuietHours.parse("20:00-08:00", weekends=True, timezone="Europe/Stockholm")
THURSDAY = dt.datetime(2025, 2, 27, 8, 0, tzinfo=dt.UTC)  # 09:00 in Stockholm
MONDAY_0900 = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)


def answer(app: App, contact_id: int, consultation_id: int, *texts: str) -> None:
    """The contact answers in their Telegram chat."""
    router = ChatRouter(app.dialogues)
    with app.engine.begin() as conn:
        router.start(conn, contact_id, channel="telegram", now=app.clock(), consultation_id=consultation_id)
        for text in texts:
            router.receive(conn, contact_id, TextIn(text), channel="telegram", now=app.clock())


def test_planning_moves_reminders_out_of_quiet_hours_and_drops_those_after_closing() -> None:
    plan = plan_reminders(
        reminders=["P3D", "PT11H", "P20D"], before_close=None, invited_at=THURSDAY,
        closes_at=THURSDAY + dt.timedelta(days=14), quiet=QUIET, limit=5,
    )
    assert plan == [
        (1, "after_invitation", dt.datetime(2025, 2, 28, 7, 0, tzinfo=dt.UTC)),  # 20:00 -> Friday 08:00
        (2, "after_invitation", dt.datetime(2025, 3, 3, 7, 0, tzinfo=dt.UTC)),  # Sunday -> Monday 08:00
    ]  # P20D is after closing


def test_the_reminder_before_closing_stays_before_closing_and_the_limit_holds() -> None:
    closes = dt.datetime(2025, 3, 10, 6, 0, tzinfo=dt.UTC)  # Monday 07:00: one day before is a Sunday
    plan = plan_reminders(reminders=["P3D"], before_close="P1D", invited_at=THURSDAY, closes_at=closes,
                          quiet=QUIET, limit=3)
    assert plan[-1] == (2, "before_close", dt.datetime(2025, 3, 7, 18, 59, tzinfo=dt.UTC))  # Friday 19:59
    assert len(plan_reminders(reminders=["P1D", "P2D", "P5D"], before_close="P1D", invited_at=THURSDAY,
                              closes_at=closes, quiet=QUIET, limit=2)) == 2
    # Too close to another reminder: the one before closing gives way.
    assert plan_reminders(reminders=["P4DT12H"], before_close="P1D", invited_at=THURSDAY,
                          closes_at=THURSDAY + dt.timedelta(days=6), quiet=QUIET, limit=3) == [
        (1, "after_invitation", dt.datetime(2025, 3, 4, 7, 0, tzinfo=dt.UTC)),  # Monday 21:00 -> Tuesday 08:00
    ]  # one day before closing would be Tuesday 09:00, an hour later


def test_only_those_who_have_not_answered_are_reminded(app: App, clock: FixedClock) -> None:
    t = town(app, reminders="[P3D]")
    broadcast(app, t.consultation_id, actor="test")
    answer(app, t.telegram, t.consultation_id, "ja", "4", "1")  # Dan: partial, three questions in
    answer(app, t.slack, t.consultation_id, "berör oss inte")  # Anna declines
    clock.now = MONDAY_0900
    report = queue_due_reminders(app)

    assert dict(report.queued) == {"telegram": 1, "email": 1}
    assert report.skipped["answered"] == 1
    rows = {row.contact_id: row for row in queued(app, kind="reminder")}
    assert set(rows) == {t.telegram, t.email}
    assert rows[t.email].payload["text"].startswith(
        "Reminder: Danderyds kommun would like to hear what you think about “Traffic"
    )
    assert rows[t.email].payload["extra"]["subject"].startswith("Reminder: Traffic")
    assert [r.status for r in reminders_of(app, t.slack)] == ["skipped"]
    assert reminders_of(app, t.slack)[0].reason == "answered"
    assert queue_due_reminders(app).queued == {}  # decided once


def test_a_partial_chat_dialogue_is_reminded_of_what_is_left_and_shown_its_question(app: App, clock: FixedClock) -> None:
    t = town(app, reminders="[P3D]")
    broadcast(app, t.consultation_id, actor="test")
    answer(app, t.telegram, t.consultation_id, "ja", "4")
    clock.now = MONDAY_0900
    queue_due_reminders(app)

    first, *prompt = [row for row in queued(app, kind="reminder") if row.contact_id == t.telegram]
    assert first.payload["text"].startswith(
        "Påminnelse: Du har börjat svara på ”Trafiken under byggtiden i Mörby centrum” (2 frågor besvarade)"
    )
    assert "Svara klart och skicka in senast 13 mars 2025 kl. 09:00." in first.payload["text"]
    assert first.payload["text"].endswith("Här är frågan du var på:")
    assert [row.payload["type"] for row in prompt] == ["question"]
    assert prompt[0].payload["question_id"] == "concerns"


def test_no_reminders_in_quiet_hours(app: App, clock: FixedClock) -> None:
    t = town(app, reminders="[P3D]")
    broadcast(app, t.consultation_id, actor="test")
    clock.now = dt.datetime(2025, 3, 3, 19, 30, tzinfo=dt.UTC)  # Monday 20:30: due, but quiet
    report = queue_due_reminders(app)
    assert report.quiet and queued(app, kind="reminder") == []
    clock.now = dt.datetime(2025, 3, 4, 7, 0, tzinfo=dt.UTC)  # Tuesday 08:00
    assert queue_due_reminders(app).queued


def test_reminders_missed_while_down_are_sent_once_not_twice(app: App, clock: FixedClock) -> None:
    t = town(app, reminders="[P3D, P6D]")
    broadcast(app, t.consultation_id, actor="test")
    clock.now = dt.datetime(2025, 3, 6, 8, 0, tzinfo=dt.UTC)  # both are due by now
    report = queue_due_reminders(app)
    assert report.skipped["superseded"] == 3  # one per reachable contact
    assert [(r.number, r.status) for r in reminders_of(app, t.email)] == [(1, "skipped"), (2, "queued")]
    assert len([row for row in queued(app, kind="reminder") if row.contact_id == t.email]) == 1


def test_opting_out_or_closing_cancels_reminders(app: App, clock: FixedClock) -> None:
    t = town(app, reminders="[P3D]")
    broadcast(app, t.consultation_id, actor="test")
    with app.engine.begin() as conn:
        opt_out(conn, t.email, now=clock.now)
    clock.now = MONDAY_0900
    report = queue_due_reminders(app)
    assert report.skipped["opted out"] == 1
    assert t.email not in {row.contact_id for row in queued(app, kind="reminder")}

    close(app, t.consultation_id, actor="test")
    assert all(r.status != "pending" for cid in (t.slack, t.telegram) for r in reminders_of(app, cid))


def test_the_configured_limit_holds_per_contact(app: App, clock: FixedClock) -> None:
    app.settings = app.settings.model_copy(update={"max_reminders": 1})
    t = town(app, reminders="[P1D, P3D, P6D]")
    broadcast(app, t.consultation_id, actor="test")
    assert len(reminders_of(app, t.email)) == 1

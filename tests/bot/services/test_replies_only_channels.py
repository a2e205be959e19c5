"""A channel that can only answer (a Teams mention, adapters/teams_outgoing.py) is never an address for a
message nobody asked for: invitations, reminders and the notice that a consultation closed all go some
other way, even to a contact whose only, or most recent, identity is there."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from adapters.teams_outgoing import TeamsOutgoingChannel
from bot.bootstrap import App
from bot.clock import FixedClock
from bot.services.broadcast import broadcast
from bot.services.channel_reach import audience_reach
from bot.services.chat import ChatRouter
from bot.services.lifecycle import close
from bot.services.reminders import queue_due_reminders
from conversations.messages import TextIn
from storage.tables import outbox_table
from tests.bot.services.outreach_support import bind, queued, town
from tests.fakes.teams_outgoing import SECURITY_TOKEN

MONDAY_0900 = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)


def _on_teams_mention(app: App) -> None:
    app.channels["teams_mention"] = TeamsOutgoingChannel(SECURITY_TOKEN)  # as SAMRAD_TEAMS_OUTGOING_SECRET does


def _answered_by_mention(app: App, contact_id: int, consultation_id: int, *texts: str) -> None:
    router = ChatRouter(app.dialogues)
    with app.engine.begin() as conn:
        router.start(conn, contact_id, channel="teams_mention", now=app.clock(), consultation_id=consultation_id)
        for text in texts:
            router.receive(conn, contact_id, TextIn(text), channel="teams_mention", now=app.clock())


def _mention_rows(app: App) -> list[sa.Row]:  # type: ignore[type-arg]
    with app.engine.connect() as conn:
        return list(conn.execute(sa.select(outbox_table).where(outbox_table.c.channel == "teams_mention")))


def test_invitations_reminders_and_closing_notices_never_go_to_a_teams_mention(app: App, clock: FixedClock) -> None:
    t = town(app, reminders="[P3D]")
    _on_teams_mention(app)
    later = clock.now + dt.timedelta(hours=1)
    # Cilla has no address but her Teams identity; Dan's Teams identity is newer than his Telegram chat.
    bind(app, t.nothing, "teams_mention", "aad-cilla", seen=later)
    bind(app, t.telegram, "teams_mention", "aad-dan", seen=later)

    report = broadcast(app, t.consultation_id, actor="test")
    assert "teams_mention" not in report.queued and report.queued["telegram"] == 1
    assert t.nothing in [w.contact_id for w in report.web_only]
    assert "teams_mention" not in report.channels_off  # it is on; it just cannot start a conversation
    assert _mention_rows(app) == []

    # Dan answers three questions by mention: his last channel is now Teams, and still nothing goes there.
    _answered_by_mention(app, t.telegram, t.consultation_id, "ja", "4", "1")
    clock.now = MONDAY_0900
    reminders = queue_due_reminders(app)
    assert "teams_mention" not in reminders.queued and reminders.queued["telegram"] == 1
    assert _mention_rows(app) == []
    assert {r.address for r in queued(app, kind="reminder") if r.contact_id == t.telegram} == {"4242"}

    # Closing tells those mid-dialogue where it can: Dan's dialogue is on Teams mentions, so he is not told.
    assert close(app, t.consultation_id, actor="test") == 0
    assert _mention_rows(app) == []


def test_the_preview_of_a_drafts_reach_counts_no_one_on_teams_mentions(app: App) -> None:
    t = town(app)
    _on_teams_mention(app)
    bind(app, t.nothing, "teams_mention", "aad-cilla")
    with app.engine.connect() as conn:
        reach = audience_reach(conn, [t.nothing], app.proactive_channels())
    assert dict(reach.by_channel) == {"web link only": 1} and dict(reach.off) == {}
    assert "teams_mention" in app.channels and "teams_mention" not in app.proactive_channels()

"""Consultations open and close themselves at their times; closing stops reminders and tells contacts in
mid-dialogue, and partial answers stay partial."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.bootstrap import App
from bot.clock import Clock, FixedClock
from bot.services import lifecycle
from bot.services.broadcast import broadcast
from bot.services.consultations import ConsultationError, create_consultation
from conversations.consultation_file import load_consultation_file
from storage.tables import answers_table, consultations_table, dialogues_table
from tests import scenario
from tests.bot.services.outreach_support import queued, reminders_of, town
from tests.bot.services.test_reminders import answer


def status(app: App, consultation_id: int) -> str:
    with app.engine.connect() as conn:
        return str(
            conn.execute(
                sa.select(consultations_table.c.status).where(consultations_table.c.id == consultation_id)
            ).scalar_one()
        )


def test_a_draft_opens_at_its_time_and_its_invitations_are_queued(app: App, clock: FixedClock) -> None:
    t = town(app)  # also registers the fake channels and the contacts
    opens = clock.now + dt.timedelta(hours=2)
    text = scenario.consultation_yaml(closes=clock.now + dt.timedelta(days=10), reference="KS 2025/0099").replace(
        "  closes:", f"  opens: {opens.isoformat()}\n  closes:"
    )
    with app.session() as session:
        draft = create_consultation(session, load_consultation_file(text), now=clock.now, actor="test")
        session.commit()
    assert draft.id is not None and t.consultation_id != draft.id

    assert lifecycle.tick(app).opened == {}
    clock.advance(dt.timedelta(hours=2))
    report = lifecycle.tick(app)

    assert list(report.opened) == [draft.id] and status(app, draft.id) == "open"
    assert dict(report.opened[draft.id].queued) == {"slack": 1, "email": 1, "telegram": 1}
    assert len([row for row in queued(app, kind="invitation") if row.consultation_id == draft.id]) == 3
    assert lifecycle.tick(app).opened == {}  # once


def test_closing_at_its_time_tells_those_in_mid_dialogue_and_keeps_their_answers(app: App, clock: FixedClock) -> None:
    t = town(app, reminders="[P3D]", days_open=2)
    broadcast(app, t.consultation_id, actor="test")
    answer(app, t.telegram, t.consultation_id, "ja", "4")  # Dan is half way, in Telegram
    clock.advance(dt.timedelta(days=2))
    report = lifecycle.tick(app)

    assert report.closed == {t.consultation_id: 1}
    assert status(app, t.consultation_id) == "closed"
    [notice] = queued(app, kind="notice")
    assert (notice.channel, notice.address, notice.contact_id) == ("telegram", "4242", t.telegram)
    assert notice.payload["text"] == (
        "Samrådet ”Trafiken under byggtiden i Mörby centrum” är nu avslutat. Svaren du hann ge är sparade "
        "och kommunen tar del av dem. Tack!"
    )
    with app.engine.connect() as conn:
        dialogue = conn.execute(
            sa.select(dialogues_table.c.status).where(dialogues_table.c.contact_id == t.telegram)
        ).scalar_one()
        answered = conn.execute(
            sa.select(sa.func.count()).select_from(answers_table).where(answers_table.c.contact_id == t.telegram)
        ).scalar_one()
    assert (dialogue, answered) == ("partial", 2)
    assert all(r.status == "skipped" and r.reason == "consultation closed" for r in reminders_of(app, t.email))
    assert {row.status for row in queued(app, kind="invitation")} == {"dropped"}  # never sent, never will be
    assert lifecycle.tick(app).closed == {}


def test_closing_twice_is_refused_with_the_reason(app: App) -> None:
    t = town(app)
    lifecycle.close(app, t.consultation_id, actor="test")
    with pytest.raises(ConsultationError, match=f"consultation {t.consultation_id} is not open \\(it is closed\\)"):
        lifecycle.close(app, t.consultation_id, actor="test")
    with pytest.raises(ConsultationError, match="there is no consultation 404"):
        lifecycle.close(app, 404, actor="test")


@dataclass(frozen=True)
class JustWhatClosingReads:
    """Not the application: the four things closing declares it reads (lifecycle.CloseNeeds), and nothing
    else — no settings, no channels, no links. Closing runs on it as on the whole App."""

    engine: Engine
    clock: Clock
    chats: frozenset[str]

    def is_chat(self, channel: str) -> bool:
        return channel in self.chats

    def proactive_channels(self) -> frozenset[str]:
        return self.chats


def test_closing_needs_only_what_it_declares(app: App, clock: FixedClock) -> None:
    t = town(app, days_open=2)
    broadcast(app, t.consultation_id, actor="test")
    answer(app, t.telegram, t.consultation_id, "ja")
    narrow = JustWhatClosingReads(app.engine, clock, frozenset({"telegram"}))
    assert lifecycle.close(narrow, t.consultation_id, actor="test") == 1  # Dan, mid-dialogue, is told
    assert status(app, t.consultation_id) == "closed"
    [notice] = queued(app, kind="notice")
    assert (notice.channel, notice.contact_id) == ("telegram", t.telegram)

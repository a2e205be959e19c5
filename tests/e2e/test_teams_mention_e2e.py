"""Answering a consultation inside Teams, by @mentioning the team's outgoing webhook, on SQLite and PostgreSQL.

The app is built from settings (SAMRAD_TEAMS_OUTGOING_SECRET switches the channel on through the channel
registry), Teams posts signed activities to /webhooks/teams, and every reply comes back in the HTTP answer:
the person joins with their chat code, answers all seven question kinds by typing after the mention
(numbers and words), has a repeated activity done once, and submits; the export holds the answers, and
nothing was ever queued for the outbox worker to send.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.services.export import export_csv
from bot.settings import Settings
from bot.web.app import create_web_app
from storage.tables import channel_identities_table, dialogues_table, invitations_table, outbox_table
from tests.fakes.teams_outgoing import SECURITY_TOKEN, TeamsMember, teams_signature
from tests.live_server import LiveServer
from tests.scenario import municipality

ANNA_AAD = "6f1c2b8e-4d7a-4c1e-9b0a-3e5f7d2c1a90"


@pytest.fixture
def app(db_engine: Engine, clock: FixedClock) -> App:
    settings = Settings(
        database_url="sqlite://", public_url="http://samrad.test", secret_key="test-secret", sender_process="off",
        teams_outgoing_secret=SECURITY_TOKEN, _env_file=None,  # type: ignore[call-arg]
    )
    return build(settings, clock=clock, engine=db_engine)


@pytest.fixture
def teams_web(app: App, live_server: LiveServer) -> Iterator[LiveServer]:
    web_app = create_web_app(app)
    live_server.app.target = web_app
    yield live_server
    live_server.app.target = None
    web_app.state.writer.stop()


def _code(app: App, contact_id: int) -> str:
    with app.engine.connect() as conn:
        return str(conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == contact_id)
        ).scalar_one())


async def test_a_consultation_is_answered_by_mentions_alone(app: App, teams_web: LiveServer) -> None:
    town = municipality(app)
    anna = TeamsMember(f"{teams_web.url}/webhooks/teams", aad_object_id=ANNA_AAD)

    # Before joining, a mention gets how to get a link, and binds nothing.
    unknown = await anna.reply_to("hej")
    assert "länk" in unknown and "link" in unknown

    # The chat code binds her Teams identity: the consultation's opening and its first question, with
    # options numbered and her own answer page linked.
    opening = await anna.reply_to(_code(app, town.contact_ids[0]))
    assert "_1/7_" in opening and "1. Ja\n2. Nej" in opening
    assert re.search(r"\[Svara på webben i stället\]\(http://samrad\.test/[^)\s]+\)", opening)
    assert "nämna mig med @" in opening

    # yes/no by its number; a scale by its value; a multi-choice by numbers; a choice by its word.
    assert "_2/7_" in await anna.reply_to("1")
    concerns = await anna.reply_to("4")
    assert "_3/7_" in concerns and "1. ☐ Leveranser" in concerns and "4. ☐ Buller och damm" in concerns
    assert "_4/7_" in await anna.reply_to("2, 4")
    assert "_5/7_" in await anna.reply_to("Kväll")

    # A repeated activity (Teams retried) is done once, and answered with the same reply again.
    staff_body = anna.body("12", activity_id="1773134299999")

    first = await anna.post(staff_body, teams_signature(staff_body))
    again = await anna.post(staff_body, teams_signature(staff_body))
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and "_6/7_" in first.json()["text"]

    assert "_7/7_" in await anna.reply_to("2025-03-17")
    # Teams writes & as an entity and a line break as <br>; the answer keeps what she typed.
    summary = await anna.reply_to("Skylta om infarten &amp; tack")
    assert "Skylta om infarten & tack" in summary.replace("\\", "")
    done = await anna.reply_to("ja")
    assert "Tack" in done

    with app.session() as session:
        rows = list(csv.DictReader(io.StringIO(export_csv(session, town.consultation_id))))
    row = next(r for r in rows if r["status"] == "complete")
    assert (row["affected"], row["impact"], row["concerns"], row["best_time"]) == ("yes", "4", "parking;noise", "evening")
    assert (row["staff"], row["start"], row["comments"]) == ("12", "2025-03-17", "Skylta om infarten & tack")

    with app.engine.connect() as conn:
        identities = conn.execute(
            sa.select(channel_identities_table.c.channel, channel_identities_table.c.address, channel_identities_table.c.contact_id)
            .where(channel_identities_table.c.channel == "teams_mention")
        ).all()
        statuses = conn.execute(
            sa.select(outbox_table.c.status, sa.func.count()).where(outbox_table.c.channel == "teams_mention")
            .group_by(outbox_table.c.status)
        ).all()
        dialogue_channel = conn.execute(
            sa.select(dialogues_table.c.channel).where(dialogues_table.c.contact_id == town.contact_ids[0])
        ).scalar_one()
    assert [tuple(i) for i in identities] == [("teams_mention", ANNA_AAD, town.contact_ids[0])]
    # Every reply went in an HTTP answer: recorded as sent, none left for a worker.
    assert [s for s, _ in statuses] == ["sent"]
    assert dialogue_channel == "teams_mention"


async def test_the_webhook_answers_at_its_channel_name_too(app: App, teams_web: LiveServer) -> None:
    municipality(app)
    member = TeamsMember(f"{teams_web.url}/webhooks/teams_mention")
    assert "länk" in await member.reply_to("hej")

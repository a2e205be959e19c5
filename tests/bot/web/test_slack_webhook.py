"""POST /webhooks/slack on a live server, beyond the dialogue (tests/e2e/test_slack_e2e.py): an
official's `/samrad status`, the app uninstalled or its token revoked, and 500 direct messages at once.
Requests are signed exactly as Slack signs them; the app talks to the fake Slack Web API. On SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
import sqlalchemy as sa

from bot.bootstrap import App
from bot.services import users
from bot.services.outreach import BULK_PRIORITY, insert_outbox_rows, outbox_row
from conversations.messages import TextOut
from storage.tables import dialogues_table, outbox_table, processed_events_table
from tests.fakes.slack_api import (
    FORM,
    FakeSlack,
    app_uninstalled,
    event_callback,
    message_event,
    signed,
    slash_command,
    tokens_revoked,
)
from tests.live_server import LiveServer
from tests.scenario import municipality
from tests.slack_support import post_signed

OFFICIAL = "U0KARIN01"


def link_official(app: App, slack_user_id: str = OFFICIAL) -> None:
    with app.session() as session:
        users.add_user(session, "karin@danderyd.example", "official", "ett långt lösenord", now=app.clock(), actor="test")
        users.link_slack(session, "karin@danderyd.example", slack_user_id, now=app.clock(), actor="test")
        session.commit()


def count(app: App, table: sa.Table) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


async def status(web: LiveServer, slack: FakeSlack, user: str, text: str) -> str:
    response = await post_signed(web, slack, slash_command(user, text), FORM)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"  # only the one who asked sees it
    return str(body["text"])


# --- /samrad status -------------------------------------------------------------------------------------


async def test_a_linked_official_gets_the_consultation_s_figures(
    slack_app: App, slack_web: LiveServer, slack_api: FakeSlack
) -> None:
    town = municipality(slack_app)
    link_official(slack_app)
    now = slack_app.clock()
    with slack_app.engine.begin() as conn:  # one answered in full, one half-way
        for contact_id, progress in zip(town.contact_ids, ("complete", "partial"), strict=False):
            conn.execute(dialogues_table.insert().values(
                contact_id=contact_id, consultation_id=town.consultation_id, state={}, status=progress,
                channel="slack", started_at=now, updated_at=now))
    answer = await status(slack_web, slack_api, OFFICIAL, f"status {town.consultation_id}")
    assert answer == (f"Samråd {town.consultation_id} – Trafiken under byggtiden i Mörby centrum (öppet): 3 inbjudna, "
                      "0 nådda, 2 har börjat, 1 har svarat (33 %), 0 avböjde, 0 avregistrerade.")
    assert await status(slack_web, slack_api, OFFICIAL, "status 9999") == "Det finns inget samråd med nummer 9999."
    for wrong in ("status", "status tolv", "status 99999999999"):
        assert (await status(slack_web, slack_api, OFFICIAL, wrong)).startswith("Skriv /samrad status och")
    # Asking writes nothing: no event recorded, nothing queued.
    assert count(slack_app, processed_events_table) == 0 and count(slack_app, outbox_table) == 0


async def test_anyone_not_linked_to_an_officials_account_is_politely_refused(
    slack_app: App, slack_web: LiveServer, slack_api: FakeSlack
) -> None:
    town = municipality(slack_app)
    link_official(slack_app)
    for stranger in ("U0ANNA001", OFFICIAL.lower(), "W0KARIN01"):
        answer = await status(slack_web, slack_api, stranger, f"status {town.consultation_id}")
        assert answer.startswith("Tyvärr, samrådens siffror visas bara för kommunens handläggare.")
        assert "inbjudna" not in answer


async def test_after_unlinking_the_official_is_refused_too(
    slack_app: App, slack_web: LiveServer, slack_api: FakeSlack
) -> None:
    town = municipality(slack_app)
    link_official(slack_app)
    with slack_app.session() as session:
        users.link_slack(session, "karin@danderyd.example", None, now=slack_app.clock(), actor="test")
        session.commit()
    answer = await status(slack_web, slack_api, OFFICIAL, f"status {town.consultation_id}")
    assert answer.startswith("Tyvärr")


async def test_the_code_still_starts_the_dialogue(slack_app: App, slack_web: LiveServer, slack_api: FakeSlack) -> None:
    municipality(slack_app)
    link_official(slack_app)
    reply = await post_signed(slack_web, slack_api, slash_command(OFFICIAL, "no-such-code"), FORM)
    assert reply.json()["text"] == "Tack! Samrådet fortsätter i ditt direktmeddelande från appen."
    assert count(slack_app, processed_events_table) == 1


async def test_a_forged_status_request_is_refused_unread(
    slack_app: App, slack_web: LiveServer, slack_api: FakeSlack
) -> None:
    link_official(slack_app)
    body = slash_command(OFFICIAL, "status 1")
    async with httpx.AsyncClient() as client:
        forged = await client.post(f"{slack_web.url}/webhooks/slack", content=body,
                                   headers=signed("not-the-secret", body, content_type=FORM))
    assert forged.status_code == 401 and "inbjudna" not in forged.text


# --- the app uninstalled, its token revoked ------------------------------------------------------------


def queue(app: App, channel: str, address: str, n: int) -> None:
    rows = [
        outbox_row(channel=channel, address=address, contact_id=None, consultation_id=None, kind="notice",
                   priority=BULK_PRIORITY, message=TextOut(f"meddelande {i}"), language="sv", extra={},
                   idempotency_key=f"test:{channel}:{i}", now=app.clock())
        for i in range(n)
    ]
    with app.engine.begin() as conn:
        insert_outbox_rows(conn, rows)


def by_status(app: App) -> dict[tuple[str, str], int]:
    with app.engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox_table.c.channel, outbox_table.c.status, sa.func.count())
            .group_by(outbox_table.c.channel, outbox_table.c.status)
        ).all()
    return {(channel, status): n for channel, status, n in rows}


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
async def test_an_uninstall_stops_slack_sends_and_says_so(
    slack_app: App, slack_web: LiveServer, slack_api: FakeSlack, caplog: pytest.LogCaptureFixture, event: str
) -> None:
    queue(slack_app, "slack", "U0ANNA001", 3)
    queue(slack_app, "email", "anna@bageri.example", 2)
    body = app_uninstalled() if event == "app_uninstalled" else tokens_revoked()
    with caplog.at_level(logging.ERROR):
        response = await post_signed(slack_web, slack_api, body)
    assert response.status_code == 200
    assert by_status(slack_app) == {("slack", "failed"): 3, ("email", "pending"): 2}
    with slack_app.engine.connect() as conn:
        reasons = set(conn.execute(sa.select(outbox_table.c.last_error).where(outbox_table.c.channel == "slack")).scalars())
    reason = ("the Slack app was uninstalled from the workspace" if event == "app_uninstalled"
              else "the Slack app's bot token was revoked")
    assert reasons == {f"the channel stopped: {reason}"}
    assert f"slack: the channel has stopped ({reason}); 3 pending messages marked failed" in caplog.text
    health = httpx.get(f"{slack_web.url}/healthz").json()  # noqa: ASYNC210 (the server runs in another thread)
    assert health["channels"]["slack"]["stopped"] == reason
    assert "stopped" not in health["channels"].get("email", {})


async def test_a_forged_uninstall_changes_nothing(slack_app: App, slack_web: LiveServer, slack_api: FakeSlack) -> None:
    queue(slack_app, "slack", "U0ANNA001", 2)
    body = app_uninstalled()
    async with httpx.AsyncClient() as client:
        forged = await client.post(f"{slack_web.url}/webhooks/slack", content=body,
                                   headers=signed("not-the-secret", body))
    assert forged.status_code == 401
    assert by_status(slack_app) == {("slack", "pending"): 2}
    assert "stopped" not in httpx.get(f"{slack_web.url}/healthz").json()["channels"]["slack"]  # noqa: ASYNC210


async def test_user_tokens_revoked_leave_the_channel_on(
    slack_app: App, slack_web: LiveServer, slack_api: FakeSlack
) -> None:
    queue(slack_app, "slack", "U0ANNA001", 2)
    assert (await post_signed(slack_web, slack_api, tokens_revoked(bot=(), oauth=("U0ANNA001",)))).status_code == 200
    assert by_status(slack_app) == {("slack", "pending"): 2}


# --- a burst ------------------------------------------------------------------------------------------


async def test_500_direct_messages_at_once_are_all_committed_before_their_200(
    slack_app: App, slack_web: LiveServer, slack_api: FakeSlack
) -> None:
    """Every request is acknowledged only once its event and its reply are committed (nothing is left to
    a task nobody awaits): when the last 200 has come, all 500 are in the database."""
    municipality(slack_app)
    bodies = [event_callback(message_event(f"U{n:08d}", f"D{n:08d}", "hej")) for n in range(500)]
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        url = f"{slack_web.url}/webhooks/slack"
        responses = await asyncio.gather(
            *(client.post(url, content=body, headers=signed(slack_api.signing_secret, body)) for body in bodies)
        )
    assert [r.status_code for r in responses] == [200] * 500
    assert count(slack_app, processed_events_table) == 500
    with slack_app.engine.connect() as conn:
        replies = conn.execute(
            sa.select(sa.func.count(sa.distinct(outbox_table.c.address))).where(outbox_table.c.channel == "slack")
        ).scalar_one()
    assert replies == 500  # each stranger was told how to get a link
    assert json.loads(bodies[0])["event"]["user"] == "U00000000"

"""POST /webhooks/teams (a team's outgoing webhook) on a live server: the HMAC signature before anything
else, repeated activities, and hostile, huge or malformed bodies — never a 5xx, never a change."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.settings import Settings
from bot.web.app import create_web_app
from storage.tables import channel_identities_table, invitations_table, outbox_table, processed_events_table
from tests.bot.web.edge_support import SQLITE_ONLY
from tests.fakes.teams_outgoing import SECURITY_TOKEN, TeamsMember, activity, mention, teams_signature
from tests.live_server import LiveServer
from tests.scenario import municipality

OTHER_TOKEN = base64.b64encode(b"another team's webhook, not ours").decode("ascii")


@pytest.fixture
def app(db_engine: Engine, clock: FixedClock) -> App:
    settings = Settings(
        database_url="sqlite://", public_url="http://samrad.test", secret_key="test-secret", sender_process="off",
        teams_outgoing_secret=SECURITY_TOKEN, _env_file=None,  # type: ignore[call-arg]
    )
    return build(settings, clock=clock, engine=db_engine)


@pytest.fixture
def url(app: App, live_server: LiveServer) -> Iterator[str]:
    web_app = create_web_app(app)
    live_server.app.target = web_app
    yield f"{live_server.url}/webhooks/teams"
    live_server.app.target = None
    web_app.state.writer.stop()


def count(app: App, table: sa.Table) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def code_of(app: App, contact_id: int) -> str:
    with app.engine.connect() as conn:
        return str(conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == contact_id)
        ).scalar_one())


# --- the signature ----------------------------------------------------------------------------------


def _keyed_with_the_undecoded_token(body: bytes) -> str:
    """A signature keyed with the token's text instead of its decoded bytes: not what Teams sends."""
    digest = hmac.new(SECURITY_TOKEN.encode("ascii"), body, hashlib.sha256).digest()
    return "HMAC " + base64.b64encode(digest).decode("ascii")


def _signed_body(app: App) -> bytes:
    town = municipality(app)
    return json.dumps(activity(mention(code_of(app, town.contact_ids[0])), activity_id="1773134251437",
                               aad_object_id="6f1c2b8e-4d7a-4c1e-9b0a-3e5f7d2c1a90")).encode()


@pytest.mark.parametrize(
    ("case", "authorization", "body_change"),
    [
        ("missing header", lambda body: None, lambda body: body),
        ("wrong scheme", lambda body: teams_signature(body).replace("HMAC ", "Bearer "), lambda body: body),
        ("no digest", lambda body: "HMAC", lambda body: body),
        ("digest not base64", lambda body: "HMAC ***", lambda body: body),
        ("wrong token", lambda body: teams_signature(body, OTHER_TOKEN), lambda body: body),
        # Signed, then changed on the way: one digit of the code, and then the whole sender.
        ("tampered body", teams_signature, lambda body: body.replace(b"1773134251437", b"1773134251438")),
        ("tampered sender", teams_signature, lambda body: body.replace(b"6f1c2b8e", b"00000000")),
        ("token as the key, undecoded", _keyed_with_the_undecoded_token, lambda body: body),
    ],
)
async def test_a_request_not_signed_with_the_security_token_is_401_and_changes_nothing(
    app: App, url: str, case: str, authorization: object, body_change: object
) -> None:
    body = _signed_body(app)
    header = authorization(body)  # type: ignore[operator]
    sent = body_change(body)  # type: ignore[operator]
    member = TeamsMember(url)
    refused = await member.post(sent, header)
    assert refused.status_code == 401, case
    assert count(app, processed_events_table) == 0 and count(app, channel_identities_table) == 0
    assert count(app, outbox_table) == 0


async def test_a_body_that_is_not_json_is_refused_as_unauthentic_before_it_is_parsed(app: App, url: str) -> None:
    member = TeamsMember(url)
    garbage = b"\x00 not even json"
    assert (await member.post(garbage, teams_signature(garbage, OTHER_TOKEN))).status_code == 401
    # Signed with the right token it is read, and refused as malformed, not as a server error.
    assert (await member.post(garbage, teams_signature(garbage))).status_code == 400


async def test_a_signed_mention_is_answered_in_the_response(app: App, url: str) -> None:
    body = _signed_body(app)
    answer = await TeamsMember(url).post(body, teams_signature(body))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    reply = answer.json()
    assert reply["type"] == "message" and "1. Ja" in reply["text"]


# --- repeated activities ----------------------------------------------------------------------------


async def test_a_repeated_activity_is_done_once_and_answered_alike(app: App, url: str) -> None:
    town = municipality(app)
    anna = TeamsMember(url)
    await anna.reply_to(code_of(app, town.contact_ids[0]))
    body = anna.body("ja", activity_id="1773134260001")
    first = await anna.post(body, teams_signature(body))
    rows_after_first = count(app, outbox_table)
    second = await anna.post(body, teams_signature(body))
    assert first.json() == second.json() and "_2/7_" in first.json()["text"]
    assert count(app, outbox_table) == rows_after_first  # nothing new written
    # The dialogue moved once: "4" now answers the scale question, the second one.
    assert "_3/7_" in await anna.reply_to("4")


async def test_the_same_activity_id_in_another_conversation_is_another_message(app: App, url: str) -> None:
    """Teams' activity ids are millisecond timestamps: two teams' messages may share one."""
    municipality(app)
    first = activity(mention("hej"), activity_id="1773134270000", aad_object_id="a1")
    other = activity(mention("hej"), activity_id="1773134270000", aad_object_id="b2")
    other["conversation"]["id"] = "19:another-team@thread.skype;messageid=1773134270000"
    member = TeamsMember(url)
    for data in (first, other):
        body = json.dumps(data).encode()
        assert (await member.post(body, teams_signature(body))).status_code == 200
    assert count(app, processed_events_table) == 2


# --- hostile, huge and malformed bodies -------------------------------------------------------------


async def test_a_body_over_the_limit_is_refused_unread(app: App, url: str) -> None:
    huge = json.dumps(activity(mention("x" * 300_000), activity_id="1", aad_object_id="a")).encode()
    refused = await TeamsMember(url).post(huge, teams_signature(huge))
    assert refused.status_code == 413 and count(app, processed_events_table) == 0


@pytest.mark.parametrize(
    "data",
    [
        [],
        "message",
        {"type": "message"},
        {"type": "message", "id": 17, "from": {"aadObjectId": "a"}},
        {"type": "message", "id": "1", "from": "anna"},
        {"type": "message", "id": "1", "from": {}},
        {"type": "message", "id": "1", "from": {"aadObjectId": ""}},
        {"type": "message", "id": "x" * 5000, "from": {"aadObjectId": "a"}},
    ],
)
async def test_a_signed_activity_that_is_not_a_message_teams_sends_is_400(app: App, url: str, data: object) -> None:
    body = json.dumps(data).encode()
    assert (await TeamsMember(url).post(body, teams_signature(body))).status_code == 400
    assert count(app, processed_events_table) == 0


async def test_hostile_text_is_answered_never_with_a_server_error(app: App, url: str) -> None:
    municipality(app)
    hostile = ["<at>Samråd</at>", "<at>Samråd</at> \x00\ud800 <script>alert(1)</script>", "<at>" * 5000,
               "&#0;&#xD800;&nbsp;" * 1000, "<at>Samråd</at> " + "{" * 10_000, "\u202e" * 100]
    member = TeamsMember(url)
    for number, text in enumerate(hostile):
        data = activity(text, activity_id=f"17731342{number}", aad_object_id="hostile")
        body = json.dumps(data).encode("utf-8", "surrogatepass")
        answer = await member.post(body, teams_signature(body))
        assert answer.status_code == 200, text[:40]


@SQLITE_ONLY  # the parser and route are the same on both; the database adds nothing to find here
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.binary(max_size=3000)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=50),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
            ["type", "id", "from", "aadObjectId", "text", "conversation", "locale", "name"]), inner, max_size=6),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode())
)
def test_no_signed_body_whatever_it_holds_gives_a_server_error(app: App, url: str, body: bytes) -> None:
    with httpx.Client(timeout=5.0) as client:
        answer = client.post(url, content=body, headers={"Authorization": teams_signature(body)})
    assert answer.status_code in (200, 400), answer.text

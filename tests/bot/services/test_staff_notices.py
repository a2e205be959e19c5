"""Notifications for the municipality's staff: consultation opened, closed (with its response rate) and
feedback published, to the municipality's own Teams (a card through the fake Workflows endpoint), a Slack
channel (the fake Web API) and subscribers' e-mail; each once, and never with a contact's personal data."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from adapters.base import RateLimits
from adapters.slack import SlackChannel
from adapters.teams import TeamsChannel
from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.delivery.outbox import OutboxWorker, WorkerConfig
from bot.services import digests, feedback, staff_notices
from bot.settings import Settings, settings_problem
from storage.tables import User, answers_table, outbox_table
from tests.bot.delivery.outbox_support import settled, until
from tests.bot.delivery.outbox_support import test_settings as settings_for
from tests.bot.services.feedback_support import PEOPLE, closed_consultation
from tests.fakes.channel import FakeChannel
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_workflows import FakeWorkflows

FAST = WorkerConfig(poll_seconds=0.02, lease_seconds=30, backoff_seconds=60, backoff_max_seconds=3600, exclusive=False)
UNLIMITED = RateLimits(per_second=1000, per_address_per_second=1000, address_burst=1000)
TITLE = "Trafiken under byggtiden i Mörby centrum"
FREE_TEXT = "Lastzonen stör min butik Blommor & Co, ring Dan på 070-1111111"


@pytest.fixture(scope="module")
def fake_workflows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeWorkflows]:
    fake = FakeWorkflows(tmp_path_factory.mktemp("teams-ca")).start()
    yield fake
    fake.stop()


@pytest.fixture
def workflows(fake_workflows: FakeWorkflows, monkeypatch: pytest.MonkeyPatch) -> FakeWorkflows:
    fake_workflows.reset()
    monkeypatch.setenv("SSL_CERT_FILE", str(fake_workflows.ca_file))
    return fake_workflows


def staff_app(engine: Engine, clock: FixedClock, **settings: Any) -> App:
    return build(settings_for(**settings), clock=clock, engine=engine)


def card_text(envelope: Any) -> str:
    """The card's text blocks as a person reads them (the markdown escapes taken out)."""
    body = envelope["attachments"][0]["content"]["body"]
    return "\n".join(re.sub(r"\\(.)", r"\1", block["text"]) for block in body if block["type"] == "TextBlock")


def staff_rows(app: App) -> list[sa.Row]:  # type: ignore[type-arg]
    with app.engine.connect() as conn:
        return list(conn.execute(
            sa.select(outbox_table).where(outbox_table.c.kind == "staff_notice").order_by(outbox_table.c.id)
        ).all())


def subscribe(app: App, email: str, role: str, frequency: str) -> int:
    with app.session() as session:
        user = User(email=email, password_hash="x", role=role, created_at=app.clock())
        session.add(user)
        session.commit()
        assert user.id is not None
        user_id = user.id
    with app.engine.begin() as conn:
        digests.subscribe(conn, user_id, frequency, actor=email, now=app.clock(), timezone=app.settings.timezone)
    return user_id


def publish(app: App, consultation_id: int) -> None:
    with app.engine.begin() as conn:
        feedback.save(conn, consultation_id, feedback.FeedbackText("Vi flyttade lastzonen."), actor="x",
                      now=app.clock())
    feedback.publish_for(app, consultation_id, actor="x")


async def test_the_municipalitys_teams_channel_gets_a_card_for_each_event_once(
    db_engine: Engine, clock: FixedClock, workflows: FakeWorkflows
) -> None:
    url = workflows.url("/workflows/kommunen/triggers/manual/paths/invoke")
    app = staff_app(db_engine, clock, teams_enabled=True, teams_notify_url=url, teams_webhook_hosts=("127.0.0.1",))
    closed = closed_consultation(app)
    publish(app, closed.consultation_id)

    assert staff_notices.tick(app) == 3
    assert staff_notices.tick(app) == 0  # once, however often it ticks
    teams = TeamsChannel(allowed_hosts=("127.0.0.1",), timeout=5.0)
    teams.rate_limits = UNLIMITED
    worker = OutboxWorker(app, config=FAST, channels={"teams": teams})
    worker.start()
    try:
        await until(lambda: settled(app), what="the cards to be posted")
    finally:
        await worker.stop()
        await teams.aclose()

    assert [(r.path, r.problems) for r in workflows.received] == [("/workflows/kommunen/triggers/manual/paths/invoke", [])] * 3
    cards = [card_text(r.payload) for r in workflows.received]
    link = f"Läs mer: https://samrad.test/admin/consultations/{closed.consultation_id}"
    assert f"Samrådet ”{TITLE}” (KS 2025/0042) har öppnat: 7 kontakter bjuds in." in cards[0]
    # Dan, Bo, Cilla, Fia, Gus and Ida answered or declined; Hans did not: 6 of 7 is 86 %.
    assert f"Samrådet ”{TITLE}” (KS 2025/0042) har stängt. Svarsfrekvens 86 %: 6 av 7 inbjudna svarade eller avböjde." in cards[1]
    assert f"Återkopplingen för samrådet ”{TITLE}” (KS 2025/0042) är publicerad och går till 3 deltagare." in cards[2]
    assert all(link in card for card in cards)
    assert {row.status for row in staff_rows(app)} == {"sent"}


async def test_a_slack_channel_gets_the_notices_posted_by_its_id(
    db_engine: Engine, clock: FixedClock, slack_api: FakeSlack
) -> None:
    room = slack_api.channel("C0NOTIFY1")
    app = staff_app(db_engine, clock, slack_bot_token=slack_api.token, slack_signing_secret=slack_api.signing_secret,
                    slack_api_url=slack_api.api_url,
                    slack_notify_channel="C0NOTIFY1")
    closed_consultation(app)
    assert staff_notices.tick(app) == 2  # opened, closed
    slack = app.channels["slack"]
    assert isinstance(slack, SlackChannel)
    slack.rate_limits = UNLIMITED
    worker = OutboxWorker(app, config=FAST, channels={"slack": slack})
    worker.start()
    try:
        await until(lambda: settled(app), what="the Slack notices")
    finally:
        await worker.stop()
        await slack.aclose()
    assert [m.text.split(":")[0] for m in room.messages] == [f"Samrådet ”{TITLE}” (KS 2025/0042) har öppnat",
                                                             f"Samrådet ”{TITLE}” (KS 2025/0042) har stängt. Svarsfrekvens 86 %"]
    assert slack_api.calls_to("conversations.open") == []


def test_subscribers_per_event_get_each_event_from_when_they_subscribed(app: App, clock: FixedClock) -> None:
    app.channels["email"] = FakeChannel(name="email")
    closed = closed_consultation(app)  # opened and closed before anyone subscribed
    clock.advance(dt.timedelta(minutes=7))
    subscribe(app, "rep@kommun.example", "representative", "event")
    subscribe(app, "weekly@kommun.example", "official", "weekly")
    publish(app, closed.consultation_id)

    assert staff_notices.tick(app) == 1
    [row] = staff_rows(app)
    assert (row.channel, row.address, row.contact_id) == ("email", "rep@kommun.example", None)
    assert row.payload["extra"]["subject"] == f"Återkoppling publicerad: {TITLE}"
    assert row.payload["text"].endswith(
        "Du får det här för att du har valt det. Ändra eller avsluta: http://samrad.test/admin/digest"
    )


def test_teams_notices_need_the_teams_channel_on(db_engine: Engine, clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    url = "https://prod-01.westeurope.logic.azure.com/workflows/x?sig=SECRETSIG1"
    app = staff_app(db_engine, clock, teams_notify_url=url)
    closed_consultation(app)
    assert staff_notices.tick(app) == 0 and staff_rows(app) == []
    assert "SAMRAD_TEAMS_NOTIFY_URL is set but the Teams channel is off" in caplog.text
    assert "SECRETSIG1" not in caplog.text


def test_no_notice_or_digest_holds_a_contacts_name_address_phone_or_free_text(
    db_engine: Engine, clock: FixedClock
) -> None:
    app = staff_app(db_engine, clock, teams_enabled=True, teams_notify_url="https://prod-01.westeurope.logic.azure.com/wf?sig=abcdef",
                    slack_notify_channel="C0NOTIFY1")
    app.channels.update(slack=FakeChannel(name="slack"), email=FakeChannel(name="email"))
    subscribe(app, "rep@kommun.example", "representative", "event")
    subscribe(app, "weekly@kommun.example", "official", "weekly")
    closed = closed_consultation(app)
    with app.engine.begin() as conn:
        conn.execute(answers_table.insert().values(
            consultation_id=closed.consultation_id, contact_id=closed.dan, question_id="comment", value=FREE_TEXT,
            channel="telegram", answered_at=app.clock(),
        ))
    publish(app, closed.consultation_id)
    staff_notices.tick(app)
    clock.advance(dt.timedelta(days=4, hours=1))  # Monday 3 March, 10:00: the digest is due
    assert digests.tick(app) == 1

    rows = staff_rows(app)
    assert sorted({(row.channel, row.address) for row in rows}) == [
        ("email", "rep@kommun.example"), ("email", "weekly@kommun.example"),
        ("slack", "C0NOTIFY1"), ("teams", "https://prod-01.westeurope.logic.azure.com/wf?sig=abcdef"),
    ]
    assert len(rows) == 3 * 3 + 1  # three events to three destinations, one digest
    written = "\n".join(json.dumps(row.payload, ensure_ascii=False) for row in rows)
    personal = [value for name, email, phone, _ in PEOPLE for value in (name, email, phone) if value]
    personal += [name.split()[0] for name, *_ in PEOPLE] + [FREE_TEXT, "Blommor", "070-1111111"]
    # Whole words: "Dan" is in "Danderyds kommun", the sender's name, and that is no one's personal data.
    assert [value for value in personal if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", written)] == []
    assert TITLE in written  # the notices do say something


def test_the_weekly_digest_goes_once_from_monday_morning_even_with_two_processes(
    db_engine: Engine, clock: FixedClock
) -> None:
    first = staff_app(db_engine, clock)
    second = staff_app(db_engine, clock)
    for app in (first, second):
        app.channels["email"] = FakeChannel(name="email")
    subscribe(first, "weekly@kommun.example", "official", "weekly")
    closed_consultation(first)  # Thursday 27 February (week 9): opened and closed

    clock.advance(dt.timedelta(days=3, hours=22, minutes=59))  # Monday 3 March, 07:59 in Stockholm
    assert digests.tick(first) == 0
    clock.advance(dt.timedelta(minutes=2))  # 08:01
    assert digests.tick(second) == 1
    assert digests.tick(first) == 0 and digests.tick(second) == 0
    [row] = staff_rows(first)
    assert row.payload["extra"]["subject"] == "Samråd: veckan 2025-W09"
    text = row.payload["text"]
    assert text.startswith("Det här hände i kommunens samråd vecka 2025-W09 (2025-02-24–2025-03-02):")
    assert f"- Samrådet ”{TITLE}” (KS 2025/0042) har öppnat: 7 kontakter bjuds in." in text
    assert "Svarsfrekvens 86 %: 6 av 7" in text
    clock.advance(dt.timedelta(days=7))
    assert digests.tick(first) == 1  # the next week's, saying nothing happened
    assert "Inga samråd öppnade, stängde eller fick återkoppling den veckan." in staff_rows(first)[-1].payload["text"]


def test_a_bad_slack_notify_channel_is_one_clear_line() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, slack_notify_channel="#samrad")  # type: ignore[call-arg]
    assert settings_problem(raised.value) == (
        "bad setting: SAMRAD_SLACK_NOTIFY_CHANNEL: write the channel's ID, such as C0123ABCD "
        "(the channel's name → About), not its name"
    )
    assert Settings(_env_file=None, slack_notify_channel=" C0NOTIFY1 ").slack_notify_channel == "C0NOTIFY1"  # type: ignore[call-arg]
    assert Settings(_env_file=None, slack_notify_channel="").slack_notify_channel is None  # type: ignore[call-arg]


def test_two_processes_ticking_at_the_same_moment_queue_each_notice_and_digest_once(
    db_engine: Engine, clock: FixedClock
) -> None:
    import threading

    apps = [staff_app(db_engine, clock) for _ in range(2)]
    for app in apps:
        app.channels["email"] = FakeChannel(name="email")
    subscribe(apps[0], "event@kommun.example", "official", "event")
    subscribe(apps[0], "weekly@kommun.example", "representative", "weekly")
    clock.advance(dt.timedelta(days=4, hours=1))  # Monday 3 March, 10:00: last week's digest is due
    closed_consultation(apps[0])  # and this opens and closes now
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def tick(job: Any, app: App) -> None:
        start.wait()
        try:
            job(app)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=tick, args=(job, app)) for job in (staff_notices.tick, digests.tick) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    keys = sorted(row.idempotency_key.split(":")[0] + ":" + row.address for row in staff_rows(apps[0]))
    assert keys == ["digest:weekly@kommun.example"] + ["staff:event@kommun.example"] * 2  # opened, closed

"""Feedback to participants: each one who answered or declined gets it once, on their channel (a real
Telegram adapter against the fake Bot API, real SMTP against the fake server, or their web answer page),
in their language; those who opted out, were erased or cannot be reached get nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from adapters.base import RateLimits
from adapters.email import EmailChannel
from adapters.telegram import TelegramChannel
from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.delivery.outbox import OutboxWorker, WorkerConfig
from bot.services import feedback
from bot.web.app import create_web_app
from storage.tables import audit_log_table, outbox_table
from tests.bot.delivery.outbox_support import settled, until
from tests.bot.services.feedback_support import Closed, closed_consultation
from tests.fakes.smtp import SmtpServer
from tests.fakes.telegram_api import FakeTelegram
from tests.live_server import LiveServer
from tests.telegram_support import telegram_settings

SV = "Vi flyttade lastzonen till Golfvägen.\n\nBygget börjar i maj, inte i april."
EN = "We moved the loading zone to Golfvägen.\n\nBuilding starts in May, not April."
TITLE_SV = "Trafiken under byggtiden i Mörby centrum"
TITLE_EN = "Traffic during the construction in Mörby centrum"
FAST = WorkerConfig(poll_seconds=0.02, lease_seconds=30, backoff_seconds=60, backoff_max_seconds=3600, exclusive=False)
UNLIMITED = RateLimits(per_second=1000, per_address_per_second=1000, address_burst=1000)


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp: SmtpServer) -> SmtpServer:
    smtp.received.clear()
    return smtp


@pytest.fixture
def town_app(db_engine: Engine, clock: FixedClock, telegram: FakeTelegram, mailbox: SmtpServer) -> App:
    settings = telegram_settings(telegram, smtp_url=mailbox.url, mail_from="samrad@danderyd.example")
    return build(settings, clock=clock, engine=db_engine)


def write(app: App, closed: Closed, sv: str = SV, en: str | None = EN) -> None:
    with app.engine.begin() as conn:
        feedback.save(conn, closed.consultation_id, feedback.check_text(sv, en), actor="anna@kommun.example",
                      now=app.clock())


def feedback_rows(app: App) -> list[sa.Row]:  # type: ignore[type-arg]
    with app.engine.connect() as conn:
        return list(conn.execute(
            sa.select(outbox_table).where(outbox_table.c.kind == "feedback").order_by(outbox_table.c.id)
        ).all())


async def deliver(app: App, telegram: FakeTelegram, mailbox: SmtpServer) -> None:
    """Send what is queued through the real Telegram and e-mail adapters, to the fakes."""
    chat = TelegramChannel(telegram.token, api_url=telegram.url)
    mail = EmailChannel(mailbox.url, sender="samrad@danderyd.example")
    chat.rate_limits = mail.rate_limits = UNLIMITED
    worker = OutboxWorker(app, config=FAST, channels={"telegram": chat, "email": mail})
    worker.start()
    try:
        await until(lambda: settled(app), what="the feedback to be delivered")
    finally:
        await worker.stop()
        await chat.aclose()
        await mail.aclose()


async def test_each_participant_gets_the_feedback_once_on_their_channel_in_their_language(
    town_app: App, telegram: FakeTelegram, mailbox: SmtpServer
) -> None:
    dan_chat = telegram.person("Dan")
    dan_chat.chat.started = True  # Dan answered in this chat: the bot may write to him
    closed = closed_consultation(town_app, dan_chat=str(dan_chat.chat_id))
    write(town_app, closed)

    first = feedback.publish_for(town_app, closed.consultation_id, actor="anna@kommun.example")
    again = feedback.publish_for(town_app, closed.consultation_id, actor="bertil@kommun.example")

    assert (first.queued, first.already_published) == (2, False)
    assert (again.queued, again.already_published) == (0, True)
    assert first.plan.per_channel() == {"email": 1, "telegram": 1, "web": 1}
    assert dict(first.plan.left_out) == {"opted_out": 1, "erased": 1, "unreachable": 1}
    assert [(row.contact_id, row.channel, row.payload["language"]) for row in feedback_rows(town_app)] == [
        (closed.dan, "telegram", "sv"), (closed.bo, "email", "en")
    ]
    await deliver(town_app, telegram, mailbox)

    assert dan_chat.texts() == [
        f"Tack för att du deltog i samrådet ”{TITLE_SV}”. Så här har kommunen använt svaren:\n\n{SV}"
    ]
    [mail] = mailbox.received
    assert mail.recipients == ["bo@bageri.example"]
    assert mail.message["Subject"] == f"Feedback: {TITLE_EN}"
    body = mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"Thank you for taking part in the consultation “{TITLE_EN}”." in body and EN in body
    assert "Vi flyttade" not in body
    with town_app.engine.connect() as conn:
        published = conn.execute(
            sa.select(audit_log_table.c.actor, audit_log_table.c.detail)
            .where(audit_log_table.c.action == "feedback.publish")
        ).all()
        stored = feedback.load(conn, closed.consultation_id)
    assert [(row.actor, row.detail["per_channel"]) for row in published] == [
        ("anna@kommun.example", {"email": 1, "telegram": 1, "web": 1})
    ]
    assert stored is not None and stored.published_by == "anna@kommun.example"
    assert stored.published_at == town_app.clock()


def test_without_an_english_text_english_speakers_get_the_swedish_one(town_app: App) -> None:
    closed = closed_consultation(town_app)
    write(town_app, closed, en="   ")
    feedback.publish_for(town_app, closed.consultation_id, actor="anna@kommun.example")

    bo = next(row for row in feedback_rows(town_app) if row.contact_id == closed.bo)
    assert bo.payload["language"] == "sv"
    assert bo.payload["text"] == f"Tack för att du deltog i samrådet ”{TITLE_SV}”. Så här har kommunen använt svaren:\n\n{SV}"
    assert bo.payload["extra"]["subject"] == f"Återkoppling: {TITLE_SV}"
    assert bo.payload["extra"]["opt_out_link"].startswith("http://samrad.test/")


def test_a_participant_with_only_the_web_page_reads_it_there_once_published(
    town_app: App, live_server: LiveServer
) -> None:
    closed = closed_consultation(town_app)
    link = town_app.answer_url(closed.cilla, closed.consultation_id).removeprefix("http://samrad.test")
    web_app = create_web_app(town_app)
    live_server.app.target = web_app
    try:
        with httpx.Client(base_url=live_server.url, timeout=10) as browser:
            write(town_app, closed)
            before = browser.get(link)
            feedback.publish_for(town_app, closed.consultation_id, actor="anna@kommun.example")
            after = browser.get(link)
    finally:
        live_server.app.target = None
        web_app.state.writer.stop()

    assert before.status_code == after.status_code == 200
    assert "Golfvägen" not in before.text and "Ni sa, vi gjorde" not in before.text
    assert "Ni sa, vi gjorde: så här har kommunen använt svaren" in after.text
    assert "<p>Vi flyttade lastzonen till Golfvägen.</p>" in after.text
    assert "<p>We moved the loading zone to Golfvägen.</p>" in after.text


def test_refusals_are_one_plain_line_and_change_nothing(town_app: App) -> None:
    closed = closed_consultation(town_app)
    with pytest.raises(feedback.FeedbackError, match=f"^consultation {closed.consultation_id} has no feedback written yet$"):
        feedback.publish_for(town_app, closed.consultation_id, actor="x")
    with pytest.raises(feedback.FeedbackError, match=r"^write the feedback in Swedish \(the English text is optional\)$"):
        feedback.check_text(" \n ", EN)
    with pytest.raises(feedback.FeedbackError, match=r"^the English text is 4001 characters long; keep it to 4000$"):
        feedback.check_text(SV, "x" * 4001)
    assert feedback.check_text("a" * 4000, None).sv == "a" * 4000
    with pytest.raises(feedback.FeedbackError, match=r"^there is no consultation 999$"):
        feedback.plan_for(town_app, 999, feedback.FeedbackText(SV))

    write(town_app, closed)
    feedback.publish_for(town_app, closed.consultation_id, actor="x")
    with pytest.raises(feedback.FeedbackError, match=r"is published and can no longer be changed$"), town_app.engine.begin() as conn:
        feedback.save(conn, closed.consultation_id, feedback.FeedbackText("Annat"), actor="y", now=town_app.clock())
    with town_app.engine.connect() as conn:
        stored = feedback.load(conn, closed.consultation_id)
    assert stored is not None and stored.text == feedback.FeedbackText(SV, EN)


def test_feedback_for_an_open_consultation_waits_until_it_has_closed(app: App) -> None:
    from tests import scenario

    scenario.import_businesses(app)
    import datetime as dt

    consultation_id = scenario.open_consultation(app, scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=3)))
    with app.engine.begin() as conn:
        feedback.save(conn, consultation_id, feedback.FeedbackText(SV), actor="x", now=app.clock())
    with pytest.raises(feedback.FeedbackError, match=f"^consultation {consultation_id} is open: publish the feedback once it has closed$"):
        feedback.publish_for(app, consultation_id, actor="x")
    with app.engine.connect() as conn:
        stored = feedback.load(conn, consultation_id)
    assert stored is not None and not stored.published


def test_a_participant_with_their_businesss_teams_flow_gets_it_as_a_card_there(app: App) -> None:
    from tests.bot.services.outreach_support import bind
    from tests.fakes.channel import FakeChannel

    app.channels.update(teams=FakeChannel(name="teams"), email=FakeChannel(name="email"))
    closed = closed_consultation(app)
    flow = "https://prod-01.westeurope.logic.azure.com/workflows/blommor?sig=abcdef"
    bind(app, closed.cilla, "teams", flow)  # Cilla's business posts to its own Teams channel
    write(app, closed)
    report = feedback.publish_for(app, closed.consultation_id, actor="x")

    assert report.plan.per_channel() == {"email": 2, "teams": 1}  # Dan's Telegram is off here: his e-mail
    [card] = [row for row in feedback_rows(app) if row.channel == "teams"]
    assert (card.contact_id, card.address, card.payload["language"]) == (closed.cilla, flow, "sv")


def test_two_officials_publishing_at_the_same_moment_send_each_participant_one_message(app: App) -> None:
    import threading

    from tests.fakes.channel import FakeChannel

    app.channels.update(email=FakeChannel(name="email"))
    closed = closed_consultation(app)
    write(app, closed)
    start = threading.Barrier(2)
    reports: list[feedback.PublishReport] = []

    def press(actor: str) -> None:
        start.wait()
        reports.append(feedback.publish_for(app, closed.consultation_id, actor=actor))

    threads = [threading.Thread(target=press, args=(f"official{n}@kommun.example",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(report.already_published for report in reports) == [False, True]
    assert sorted(report.queued for report in reports) == [0, 2]  # Dan and Bo by e-mail; Cilla reads it on the web
    assert sorted((row.contact_id, row.channel) for row in feedback_rows(app)) == [
        (closed.dan, "email"), (closed.bo, "email")
    ]

"""E-mail through a real SMTP conversation with a local server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from adapters.base import Delivered, Failed, OutgoingMessage, Unreachable
from adapters.email import EmailChannel, SmtpUrlError, build_message, parse_smtp_url
from bot.clock import FixedClock
from bot.services.broadcast import broadcast
from conversations.messages import QuestionOut, TextOut
from storage.tables import contacts_table, outbox_table
from tests import scenario
from tests.bot.delivery.outbox_support import app_with, settled, until
from tests.fakes.smtp import SmtpServer
from tests.live_server import free_port

LINKS = {
    "subject": "Samråd: Trafiken",
    "web_link": "https://samrad.example/c/abc",
    "opt_out_link": "https://samrad.example/u/xyz",
    "municipality": "Danderyds kommun",
}


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


def outgoing(address: str, text: str = "Hej! Vi vill höra vad ni tycker.", language: str = "sv") -> OutgoingMessage:
    return OutgoingMessage(address, TextOut(text), language, LINKS)  # type: ignore[arg-type]


async def test_an_invitation_arrives_as_text_and_html_with_its_links(mailbox: SmtpServer) -> None:
    channel = EmailChannel(mailbox.url, sender="samrad@danderyd.example")
    result = await channel.send(outgoing("anna@bageri.example"))
    await channel.aclose()

    assert isinstance(result, Delivered) and result.platform_message_id
    [mail] = mailbox.received
    message = mail.message
    assert mail.recipients == ["anna@bageri.example"]
    assert message["From"] == "Danderyds kommun <samrad@danderyd.example>"
    assert message["Subject"] == "Samråd: Trafiken"
    assert message["Message-ID"] == result.platform_message_id
    assert message["Content-Language"] == "sv"
    assert message["List-Unsubscribe"] == "<https://samrad.example/u/xyz>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hej! Vi vill höra vad ni tycker.\n\nSvara här: https://samrad.example/c/abc")
    assert "Avregistrera dig här: https://samrad.example/u/xyz" in text
    html = message.get_body(("html",)).get_content()
    assert '<a href="https://samrad.example/c/abc"' in html and ">Svara på samrådet</a>" in html
    assert '<a href="https://samrad.example/u/xyz">' in html


def test_an_http_opt_out_link_is_no_one_click_link_and_questions_read_as_text() -> None:
    extra = {**LINKS, "opt_out_link": "http://127.0.0.1:8000/u/xyz"}
    question = QuestionOut("q", "yesno", "Påverkas ni?", "Svara ja eller nej.")
    message = build_message(OutgoingMessage("a@b.example", question, "en", extra), sender="x@y.example")
    assert message["List-Unsubscribe"] == "<http://127.0.0.1:8000/u/xyz>"
    assert message["List-Unsubscribe-Post"] is None  # RFC 8058 one-click needs an https link
    assert message.get_body(("plain",)).get_content().startswith("Påverkas ni?")
    assert "Unsubscribe here" in message.get_body(("plain",)).get_content()


async def test_a_permanently_refused_address_is_unreachable_and_a_busy_one_is_retried(mailbox: SmtpServer) -> None:
    channel = EmailChannel(mailbox.url, sender="samrad@danderyd.example")
    gone = await channel.send(outgoing("gone@example.org"))
    busy = await channel.send(outgoing("busy@example.org"))
    fine = await channel.send(outgoing("fine@example.org"))  # the connection is still good
    await channel.aclose()

    assert gone == Unreachable("SMTP 550 for gone@example.org: 5.1.1 No such user here")
    assert isinstance(busy, Failed) and busy.retryable and busy.reason.startswith("SMTP 451")
    assert isinstance(fine, Delivered)
    assert [m.recipients for m in mailbox.received] == [["fine@example.org"]]


async def test_one_connection_carries_many_messages(mailbox: SmtpServer) -> None:
    before = mailbox.handler.connections
    channel = EmailChannel(mailbox.url, sender="samrad@danderyd.example")
    for n in range(3):
        assert isinstance(await channel.send(outgoing(f"n{n}@example.org")), Delivered)
    await channel.aclose()
    assert mailbox.handler.connections - before == 1


async def test_no_server_is_a_failure_worth_retrying() -> None:
    channel = EmailChannel(f"smtp://127.0.0.1:{free_port()}", sender="samrad@danderyd.example", timeout=2)
    result = await channel.send(outgoing("anna@bageri.example"))
    await channel.aclose()
    assert isinstance(result, Failed) and result.retryable and result.reason.startswith("SMTP: ")


def test_smtp_urls() -> None:
    assert parse_smtp_url("smtp://user%40x:p%3Ass@mail.example:587") == {
        "hostname": "mail.example", "port": 587, "username": "user@x", "password": "p:ss", "use_tls": False,
    }
    assert parse_smtp_url("smtps://mail.example")["port"] == 465
    with pytest.raises(SmtpUrlError, match="write smtp://user:password@host:587"):
        parse_smtp_url("http://mail.example")


async def test_contacts_with_only_an_address_are_invited_by_e_mail_end_to_end(
    sqlite_engine: Engine, clock: FixedClock, mailbox: SmtpServer
) -> None:
    from bot.delivery.outbox import OutboxWorker, WorkerConfig

    app = app_with(sqlite_engine, clock, smtp_url=mailbox.url, mail_from="samrad@danderyd.example")
    assert isinstance(app.channels["email"], EmailChannel)
    scenario.import_businesses(app, scenario.BUSINESSES_CSV.replace("cilla@torget.example", "gone@torget.example"))
    consultation_id = scenario.open_consultation(app, scenario.consultation_yaml(closes=clock.now + dt.timedelta(days=14)))
    report = broadcast(app, consultation_id, actor="test")
    assert dict(report.queued) == {"email": 3}

    worker = OutboxWorker(app, config=WorkerConfig(poll_seconds=0.02, exclusive=False))
    worker.start()
    await until(lambda: settled(app), what="the invitations to be mailed")
    await worker.stop()
    await app.channels["email"].aclose()

    assert sorted(r for m in mailbox.received for r in m.recipients) == ["anna@bageri.example", "bo@bageri.example"]
    english = next(m.message for m in mailbox.received if m.recipients == ["bo@bageri.example"])
    assert english["Subject"] == "Consultation: Traffic during the construction in Mörby centrum"
    assert english["Content-Language"] == "en"
    with app.engine.connect() as conn:
        reason = conn.execute(
            sa.select(contacts_table.c.unreachable_reason).where(contacts_table.c.email == "gone@torget.example")
        ).scalar_one()
        failed = conn.execute(sa.select(outbox_table.c.status).where(outbox_table.c.address == "gone@torget.example")).scalar_one()
    assert reason == "email: SMTP 550 for gone@torget.example: 5.1.1 No such user here"
    assert failed == "failed"

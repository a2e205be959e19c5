"""The Teams channel through the real HTTPS stack: aiohttp against the fake Workflows endpoint
(tests/fakes/teams_workflows.py), trusted through SSL_CERT_FILE, never with certificate checks off."""

from __future__ import annotations

import email.utils
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from adapters.base import Delivered, DeliveryResult, Failed, OutgoingMessage, RetryAfter, Unreachable
from adapters.teams import DEFAULT_RETRY_SECONDS, TeamsChannel
from bot.channels import channels_from
from bot.settings import DEFAULT_TEAMS_WEBHOOK_HOSTS, Settings
from conversations.messages import TextOut
from tests.adapters.test_outbound_urls import StaticResolver
from tests.fakes.teams_workflows import HOST_NAME, THROTTLED_TEXT, FakeWorkflows
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
SIG = "s3cr3t-SIGNATURE-value"
LINK = "https://samrad.example/c/abc"


@pytest.fixture(scope="session")
def fake_workflows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeWorkflows]:
    fake = FakeWorkflows(tmp_path_factory.mktemp("teams-ca")).start()
    yield fake
    fake.stop()


@pytest.fixture
def workflows(fake_workflows: FakeWorkflows, monkeypatch: pytest.MonkeyPatch) -> FakeWorkflows:
    """The fake, emptied, and its CA trusted the standard way."""
    fake_workflows.reset()
    monkeypatch.setenv("SSL_CERT_FILE", str(fake_workflows.ca_file))
    return fake_workflows


@pytest.fixture
async def channel(workflows: FakeWorkflows) -> AsyncIterator[TeamsChannel]:
    teams = TeamsChannel(allowed_hosts=("127.0.0.1",), timeout=2.0)
    yield teams
    await teams.aclose()


def card(text: str = "Hej! Danderyds kommun vill veta vad ni tycker.") -> TextOut:
    return TextOut(text, "intro")


async def send(channel: TeamsChannel, url: str, text: str = "Hej!") -> DeliveryResult:
    return await channel.send(OutgoingMessage(url, card(text), "sv", {"web_link": LINK, "kind": "invitation"}))


async def test_a_card_is_posted_to_the_url_as_given_and_202_means_delivered(
    channel: TeamsChannel, workflows: FakeWorkflows
) -> None:
    url = workflows.url()
    result = await send(channel, url, "Åsa på *Mörby* Bageri")

    assert result == Delivered()
    [received] = workflows.received
    assert received.problems == []
    assert received.path == "/workflows/abc/triggers/manual/paths/invoke"
    # The query, signature and percent-encoding included, arrives exactly as the flow gave it.
    assert received.query == url.split("?", 1)[1]
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    content = received.payload["attachments"][0]["content"]
    assert content["body"][0]["text"] == "Åsa på \\*Mörby\\* Bageri"
    assert content["actions"][0]["url"] == LINK


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (200, {}, "1", Delivered()),
        (429, {"Retry-After": "7"}, "", RetryAfter(7.0, "address", "teams: throttled (HTTP 429)")),
        (429, {}, "", RetryAfter(DEFAULT_RETRY_SECONDS, "address", "teams: throttled (HTTP 429)")),
        (429, {"Retry-After": "soon"}, "", RetryAfter(DEFAULT_RETRY_SECONDS, "address", "teams: throttled (HTTP 429)")),
        (200, {}, THROTTLED_TEXT, RetryAfter(DEFAULT_RETRY_SECONDS, "address", f"teams: throttled (HTTP 200): {THROTTLED_TEXT}")),
        (400, {"Retry-After": "12"}, '{"error":{"code":"WorkflowRequestsThrottled"}}',
         RetryAfter(12.0, "address", 'teams: throttled (HTTP 400): {"error":{"code":"WorkflowRequestsThrottled"}}')),
        (404, {}, "", Unreachable("webhook broken (HTTP 404)")),
        (410, {}, "gone", Unreachable("webhook broken (HTTP 410)")),
        (400, {}, "Bad payload", Failed("teams: HTTP 400: Bad payload", retryable=False)),
        (403, {}, "", Failed("teams: HTTP 403", retryable=False)),
        (500, {}, "oops", Failed("teams: HTTP 500: oops", retryable=True)),
        (503, {}, "", Failed("teams: HTTP 503", retryable=True)),
    ],
)
async def test_each_answer_maps_to_its_delivery_result(
    channel: TeamsChannel, workflows: FakeWorkflows, status: int, headers: dict[str, str], body: str,
    expected: DeliveryResult,
) -> None:
    workflows.answer("/hook", status, headers=headers, body=body)
    assert await send(channel, workflows.url("/hook")) == expected


@pytest.mark.parametrize(("inner", "retryable"), [(413, False), (400, False), (500, True)])
async def test_a_200_reporting_a_failed_delivery_is_not_delivered(
    channel: TeamsChannel, workflows: FakeWorkflows, inner: int, retryable: bool
) -> None:
    text = f"Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error {inner} with ContextId x."
    workflows.answer("/hook", 200, body=text)
    result = await send(channel, workflows.url("/hook"))
    assert isinstance(result, Failed) and result.retryable is retryable
    assert f"Teams reported HTTP {inner}" in result.reason


@pytest.mark.parametrize(("offset", "low", "high"), [(120, 115, 121), (-60, 1, 1)])
async def test_retry_after_as_an_http_date(
    channel: TeamsChannel, workflows: FakeWorkflows, offset: int, low: float, high: float
) -> None:
    workflows.answer("/hook", 429, headers={"Retry-After": email.utils.formatdate(time.time() + offset, usegmt=True)})
    result = await send(channel, workflows.url("/hook"))
    assert isinstance(result, RetryAfter) and result.scope == "address"
    assert low <= result.seconds <= high


async def test_a_redirect_is_not_followed(channel: TeamsChannel, workflows: FakeWorkflows) -> None:
    workflows.redirect("/moved", workflows.url("/elsewhere"))
    result = await send(channel, workflows.url("/moved"))
    assert result == Failed("teams: the webhook answered with a redirect (HTTP 302), which is not followed",
                            retryable=False)
    assert [r.path for r in workflows.received] == ["/moved"]


async def test_the_fake_refuses_a_card_teams_would_refuse(workflows: FakeWorkflows) -> None:
    import ssl

    bad = {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
           "contentUrl": None, "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
           "type": "AdaptiveCard", "version": "1.6", "actions": [{"type": "Action.Submit", "title": "Ja"}]}}]}
    context = ssl.create_default_context(cafile=str(workflows.ca_file))
    async with aiohttp.ClientSession() as session, session.post(
        workflows.url("/hook"), data=json.dumps(bad), headers={"Content-Type": "application/json"}, ssl=context
    ) as response:
        assert response.status == 400
        text = await response.text()
    assert "newer than Teams renders" in text and "Action.Submit cannot be used" in text


async def test_network_errors_and_timeouts_are_retried(workflows: FakeWorkflows) -> None:
    teams = TeamsChannel(allowed_hosts=("127.0.0.1",), timeout=0.5)
    try:
        refused = await send(teams, f"https://127.0.0.1:{free_port()}/hook?sig={SIG}")
        workflows.answer("/slow", 202, delay=1.5)
        slow = await send(teams, workflows.url("/slow"))
    finally:
        await teams.aclose()
    assert isinstance(refused, Failed) and refused.retryable and "ClientConnectorError" in refused.reason
    assert isinstance(slow, Failed) and slow.retryable and "Timeout" in slow.reason


async def test_certificates_are_checked_an_untrusted_one_fails(
    workflows: FakeWorkflows, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")  # the system's CAs do not know the test CA
    teams = TeamsChannel(allowed_hosts=("127.0.0.1",))
    try:
        result = await send(teams, workflows.url("/hook"))
    finally:
        await teams.aclose()
    assert isinstance(result, Failed) and result.retryable and "CERTIFICATE_VERIFY_FAILED" in result.reason
    assert workflows.received == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/hook?sig=" + SIG, "must start with https://"),
        ("https://localhost:{port}/hook?sig=" + SIG, "localhost is not an allowed Workflows host"),
        ("https://10.0.0.1:{port}/hook?sig=" + SIG, "10.0.0.1 is a private or local address"),
        ("https://me:pw@127.0.0.1:{port}/hook?sig=" + SIG, "user name or password"),
    ],
)
async def test_a_url_refused_now_is_not_sent_even_if_it_was_stored_earlier(
    channel: TeamsChannel, workflows: FakeWorkflows, url: str, reason: str
) -> None:
    result = await send(channel, url.format(port=workflows.port))
    assert isinstance(result, Failed) and not result.retryable
    assert result.reason.startswith("teams: webhook URL refused: ") and reason in result.reason
    assert workflows.received == []


async def test_a_name_below_an_allowed_suffix_that_resolves_to_a_private_address_is_refused(
    workflows: FakeWorkflows,
) -> None:
    hosts = StaticResolver({HOST_NAME: "127.0.0.1"})
    by_suffix = TeamsChannel(allowed_hosts=(".teams.test",), resolver=hosts)
    exactly = TeamsChannel(allowed_hosts=(HOST_NAME,), resolver=hosts)
    try:
        refused = await send(by_suffix, workflows.url("/hook", host=HOST_NAME))
        assert workflows.received == []
        delivered = await send(exactly, workflows.url("/hook", host=HOST_NAME))
    finally:
        await by_suffix.aclose()
        await exactly.aclose()
    assert isinstance(refused, Failed) and not refused.retryable
    assert f"{HOST_NAME} resolves to a private or local address (127.0.0.1)" in refused.reason
    # Listed exactly, the name may resolve anywhere; the certificate is checked for that name.
    assert delivered == Delivered() and len(workflows.received) == 1


async def test_the_signature_appears_in_no_result_and_no_log(
    channel: TeamsChannel, workflows: FakeWorkflows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    workflows.answer("/gone", 404)
    workflows.answer("/down", 500, body=f"upstream said: sig={SIG} is wrong")  # a body echoing the URL
    workflows.answer("/busy", 429)
    workflows.redirect("/moved", workflows.url("/elsewhere"))
    urls = [workflows.url(path) for path in ("/ok", "/gone", "/down", "/busy", "/moved")]
    urls += [f"https://127.0.0.1:{free_port()}/closed?sig={SIG}", f"https://evil.example/x?sig={SIG}"]
    results = [await send(channel, url) for url in urls]

    assert [type(r).__name__ for r in results] == [
        "Delivered", "Unreachable", "Failed", "RetryAfter", "Failed", "Failed", "Failed"]
    assert all(SIG not in str(result) for result in results)
    assert caplog.records and all(SIG not in record.getMessage() for record in caplog.records)
    assert any(f"127.0.0.1:{workflows.port}/gone" in record.getMessage() for record in caplog.records)


def test_the_channel_keeps_under_teams_documented_caps_per_url() -> None:
    limits = TeamsChannel(allowed_hosts=DEFAULT_TEAMS_WEBHOOK_HOSTS, rate=3.5).rate_limits
    assert limits.per_second == 3.5
    assert limits.per_address_per_second < 4 and limits.address_burst < 4
    assert limits.address_windows == ((30, 60), (3600, 100), (7200, 150), (86400, 1800))


# --- settings ------------------------------------------------------------------------------------


def settings(**env: str) -> Settings:
    for name, value in env.items():
        os.environ[name] = value
    try:
        return Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        for name in env:
            del os.environ[name]


def test_lists_are_read_comma_separated_and_the_channel_switches_on_by_name() -> None:
    read = settings(SAMRAD_TEAMS_WEBHOOK_HOSTS="127.0.0.1, prod-00.westeurope.logic.azure.com,")
    assert read.teams_webhook_hosts == ("127.0.0.1", "prod-00.westeurope.logic.azure.com")
    assert settings(SAMRAD_TEAMS_WEBHOOK_HOSTS='["a.example", "b.example"]').teams_webhook_hosts == (
        "a.example", "b.example")
    assert Settings(_env_file=None).teams_webhook_hosts == DEFAULT_TEAMS_WEBHOOK_HOSTS  # type: ignore[call-arg]
    assert "teams" not in channels_from(Settings(_env_file=None))  # type: ignore[call-arg]
    on = channels_from(settings(SAMRAD_TEAMS_ENABLED="true", SAMRAD_TEAMS_RATE="2"))
    assert isinstance(on["teams"], TeamsChannel) and on["teams"].rate_limits.per_second == 2
    # What the parent process hands the sender process reads back the same.
    assert Settings.model_validate(read.model_dump()).teams_webhook_hosts == read.teams_webhook_hosts


def test_the_notify_url_is_checked_like_a_businesss() -> None:
    good = "https://prod-01.northeurope.logic.azure.com/workflows/x?sig=abc"
    assert settings(SAMRAD_TEAMS_NOTIFY_URL=good).teams_notify_url == good
    with pytest.raises(ValueError, match=r"SAMRAD_TEAMS_NOTIFY_URL: 10\.0\.0\.1 is a private"):
        settings(SAMRAD_TEAMS_NOTIFY_URL="https://10.0.0.1/x?sig=abc")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SAMRAD_TEAMS_NOTIFY_URL": f"http://prod-01.northeurope.logic.azure.com/x?sig={SIG}"},
         "samrad: bad setting: SAMRAD_TEAMS_NOTIFY_URL: a Teams webhook URL must start with https://"),
        ({"SAMRAD_TEAMS_RATE": "fast"}, "samrad: bad setting: SAMRAD_TEAMS_RATE: Input should be a valid number"),
        ({"SAMRAD_TEAMS_WEBHOOK_HOSTS": "[oops"}, "samrad: bad setting: SAMRAD_TEAMS_WEBHOOK_HOSTS: "),
    ],
)
def test_a_bad_setting_stops_a_command_with_one_line(env: dict[str, str], message: str, tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SAMRAD_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "outbox", "status"], cwd=tmp_path, capture_output=True, text=True,
        env={**clean, "PYTHONPATH": str(ROOT), **env}, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert SIG not in result.stderr and "Traceback" not in result.stderr

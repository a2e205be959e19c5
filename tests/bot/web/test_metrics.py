"""GET /metrics through the live server, read back with prometheus_client's own parser."""

from __future__ import annotations

import datetime as dt
import json

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.web.app import create_web_app
from tests.bot.delivery.outbox_support import add_contacts, queue
from tests.fakes.telegram_api import FakeTelegram
from tests.live_server import LiveServer
from tests.scenario import municipality
from tests.telegram_support import WEBHOOK_SECRET


def scrape(url: str) -> list[Sample]:
    response = httpx.get(f"{url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=")
    return [sample for family in text_string_to_metric_families(response.text) for sample in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, f"{name}{labels} in {[(s.name, s.labels) for s in samples if s.name == name]}"
    return found[0]


def test_the_outbox_backlog_per_channel_is_read_at_scrape_time(app: App, clock: FixedClock, web: LiveServer) -> None:
    assert value(scrape(web.url), "samrad_database_up") == 1
    contacts = add_contacts(app, 3, channel="telegram")
    queue(app, contacts, channel="telegram")
    clock.advance(dt.timedelta(minutes=2))

    samples = scrape(web.url)

    assert value(samples, "samrad_outbox_pending", channel="telegram") == 3
    assert value(samples, "samrad_outbox_due", channel="telegram") == 3
    assert value(samples, "samrad_outbox_oldest_due_age_seconds", channel="telegram") == 120
    assert value(samples, "samrad_writer_commits_total") >= 0 and value(samples, "samrad_writer_jobs_total") >= 0


def test_request_latency_is_labelled_by_route_template_never_by_raw_path(app: App, web: LiveServer) -> None:
    httpx.get(f"{web.url}/c/SecretAnswerToken1")  # an unknown link: 404, but its route matched
    httpx.post(f"{web.url}/u/SecretOptOutToken2")
    httpx.get(f"{web.url}/no/such/page/SecretPath3")
    httpx.get(f"{web.url}/static/samrad.css")
    httpx.get(f"{web.url}/healthz")
    httpx.get(f"{web.url}/c/c")  # a token spelled like the literal before it

    text = httpx.get(f"{web.url}/metrics").text
    samples = scrape(web.url)

    count = "samrad_http_request_duration_seconds_count"
    assert value(samples, count, method="GET", route="/c/{token}") == 2
    assert value(samples, count, method="POST", route="/u/{token}") == 1
    assert value(samples, count, method="GET", route="unmatched") == 1
    assert value(samples, count, method="GET", route="/static/{path}") == 1
    assert value(samples, count, method="GET", route="/healthz") == 1
    assert value(samples, count, method="GET", route="/metrics") >= 1
    for secret in ("SecretAnswerToken1", "SecretOptOutToken2", "SecretPath3", "samrad.css"):
        assert secret not in text


def test_each_app_counts_in_a_registry_of_its_own(app: App, web: LiveServer) -> None:
    other = create_web_app(app)  # a second app in the same process: no "Duplicated timeseries" error
    httpx.get(f"{web.url}/healthz")
    assert other.state.metrics.registry is not web.app.target.state.metrics.registry  # type: ignore[attr-defined]
    assert value(scrape(web.url), "samrad_http_request_duration_seconds_count", method="GET", route="/healthz") == 1
    other.state.writer.stop()


async def test_inbound_chat_events_are_counted_per_channel_and_outcome(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram
) -> None:
    municipality(telegram_app)
    anna = telegram.person("Anna")
    update = json.dumps(anna.message_update("hej")).encode()
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    for _ in range(2):  # Telegram delivers an update again when it missed the answer
        assert (await telegram.post(update, headers)).status == 200

    samples = scrape(telegram_web.url)

    assert value(samples, "samrad_chat_events_total", channel="telegram", outcome="handled") == 1
    assert value(samples, "samrad_chat_events_total", channel="telegram", outcome="duplicate") == 1
    assert value(samples, "samrad_http_request_duration_seconds_count",
                 method="POST", route="/webhooks/{channel}") == 2

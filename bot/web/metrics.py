"""GET /metrics: Prometheus text format from a registry of this web app's own (README, "Operations").

Each web app has its own `CollectorRegistry` (not prometheus_client's global one), so tests and several
apps in one process keep their counts apart. Two kinds of figures:
- counted as things happen, in memory: inbound chat events (`ChatWebhooks.handle`) and HTTP request
  latency per route template (`RequestMetrics`, an ASGI middleware);
- read at scrape time (`_Snapshot`): the group-commit writer's, outbox worker's and scheduler's counters,
  and the outbox's backlog per channel (one grouped query, shared with /healthz).
Labels never hold a raw path (it may carry a personal link's token), an address or a name.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.bootstrap import App
from bot.scheduler import Background
from bot.web.health import outbox_backlog
from bot.writer import GroupCommitWriter
from storage.db import deferred

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "RequestMetrics"]

UNMATCHED = "unmatched"  # every path no route matched shares one label: a scanner makes no new series


class Metrics:
    """This web app's registry and the metrics counted as things happen."""

    def __init__(self, app: App, writer: GroupCommitWriter, background: Background | None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.chat_events = Counter(
            "samrad_chat_events",
            "Inbound chat events handled, by channel and outcome (handled, duplicate, ignored).",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "samrad_http_request_duration_seconds",
            "HTTP request latency, by method and route template (such as /c/{token}).",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(_Snapshot(app, writer, background))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Snapshot(Collector):
    """The figures read when Prometheus scrapes: other objects' counters, and the outbox's backlog."""

    def __init__(self, app: App, writer: GroupCommitWriter, background: Background | None) -> None:
        self.app = app
        self.writer = writer
        self.background = background

    def describe(self) -> list[Metric]:
        return []  # nothing to check for name clashes at registration: the names below are fixed

    def collect(self) -> Iterator[Metric]:
        yield _counter("samrad_writer_commits", "Transactions committed by the group-commit writer.",
                       self.writer.batches)
        yield _counter("samrad_writer_jobs", "Write jobs (answers) committed.", self.writer.jobs_done)
        yield from self._backlog()
        if self.background is not None:
            yield from _worker(self.background)
            yield from _scheduler(self.background)

    def _backlog(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("samrad_database_up", "1 when the database answered this scrape, else 0.")
        pending = GaugeMetricFamily("samrad_outbox_pending", "Pending messages, due or not.", labels=["channel"])
        due = GaugeMetricFamily("samrad_outbox_due", "Pending messages whose time has come.", labels=["channel"])
        oldest = GaugeMetricFamily(
            "samrad_outbox_oldest_due_age_seconds",
            "How long the oldest due pending message has waited.",
            labels=["channel"],
        )
        try:
            with deferred(self.app.engine).connect() as conn:
                backlog = outbox_backlog(conn, self.app.clock())
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for channel, b in sorted(backlog.items()):
            pending.add_metric([channel], b.pending)
            due.add_metric([channel], b.due)
            oldest.add_metric([channel], b.oldest_due_seconds)
        yield from (up, pending, due, oldest)


def _counter(name: str, text: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, text, value=value)


def _worker(background: Background) -> Iterator[Metric]:
    stats = background.worker.stats
    sent = CounterMetricFamily(
        "samrad_outbox_sent", "Messages delivered by this process's outbox worker.", labels=["channel"]
    )
    for channel, count in sorted(stats.by_channel.items()):
        sent.add_metric([channel], count)
    yield sent
    sends = CounterMetricFamily(
        "samrad_outbox_sends",
        "Tries by this process's outbox worker, by channel and result "
        "(delivered, rate_limited, retried, failed, unreachable).",
        labels=["channel", "result"],
    )
    for (channel, result), count in sorted(stats.by_result.items()):
        sends.add_metric([channel, result], count)
    yield sends
    last = GaugeMetricFamily(
        "samrad_outbox_last_sent_timestamp_seconds", "When this process last delivered a message, per channel.",
        labels=["channel"],
    )
    for channel, moment in sorted(stats.last_sent_at.items()):
        last.add_metric([channel], moment.timestamp())
    yield last
    for name, value, text in (
        ("rate_limited", stats.rate_limited, "Sends the platform answered with 429 (retried after its pause)."),
        ("retried", stats.retried, "Failed sends given back for a later try (backoff)."),
        ("failed", stats.failed, "Rows given up (failed for good)."),
        ("unreachable", stats.unreachable, "Sends that found the contact unreachable."),
    ):
        yield _counter(f"samrad_outbox_{name}", text, value)
    yield GaugeMetricFamily("samrad_outbox_held", "Rows this process has claimed and not yet sent.",
                            value=background.worker.held())


def _scheduler(background: Background) -> Iterator[Metric]:
    yield _counter("samrad_scheduler_tick_errors", "Scheduler ticks that failed.", background.tick_errors)
    runs = CounterMetricFamily(
        "samrad_scheduler_runs", "Scheduler ticks run, by tick (lifecycle, reminders) and result (ok, error).",
        labels=["tick", "result"],
    )
    for (tick, result), count in sorted(background.runs.items()):
        runs.add_metric([tick, result], count)
    yield runs
    if background.last_tick_at is not None:
        yield GaugeMetricFamily("samrad_scheduler_last_tick_timestamp_seconds", "When a scheduler tick last ended.",
                                value=background.last_tick_at.timestamp())


class RequestMetrics:
    """Times each HTTP request and observes it under its route's path template (`/c/{token}`), never its
    raw path: it may carry a personal link's token."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.histogram = metrics.request_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        root_path = scope.get("root_path", "")
        try:
            await self.app(scope, receive, send)
        finally:
            template = route_template(scope, root_path)
            self.histogram.labels(scope["method"], template).observe(time.perf_counter() - started)


def route_template(scope: Scope, root_path: str) -> str:
    """The matched route's template, rebuilt from the path and the parameters the router matched in it
    (each parameter's segments become `{name}`); `unmatched` when no route matched. Rebuilt rather than
    read from the route object: FastAPI's included routers keep their prefix out of `route.path`.
    A mounted app (/static) moved the scope's `root_path` to its own prefix: `/static/{path}`."""
    if scope.get("endpoint") is None:
        return UNMATCHED
    mounted = str(scope.get("root_path", ""))
    if mounted != root_path:
        return mounted.removeprefix(root_path) + "/{path}"
    template = str(scope["path"])
    # Right to left, the last occurrence of each value: a token equal to a literal segment (`/c/c`) must
    # not replace the literal and stay in the label itself.
    for name, value in reversed(dict(scope.get("path_params") or {}).items()):
        found = list(re.finditer(rf"(?<=/){re.escape(str(value))}(?=/|$)", template))
        if found:
            start, end = found[-1].span()
            template = f"{template[:start]}{{{name}}}{template[end:]}"
    return template

"""The FastAPI application: the web answer page, channel webhooks, opt-out links, the officials' pages,
the JSON API, health and metrics; with `background`, also the outbox worker and the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from adapters.base import ChatChannel, PollingChannel
from bot import channels as channel_registry
from bot.bootstrap import App
from bot.delivery.sender_process import SenderProcess, use_process
from bot.scheduler import Background
from bot.web import admin, api, home, privacy, unsubscribe, webhooks
from bot.web import answer as web_answer
from bot.web.body_limit import BodyLimit
from bot.web.health import health
from bot.web.metrics import CONTENT_TYPE_LATEST, Metrics, RequestMetrics
from bot.web.polling import polling_while_serving
from bot.web.rate_limits import RateLimits
from bot.web.request_id import RequestId
from bot.web.security_headers import SecurityHeaders
from bot.web.webhooks import ChatWebhooks, MessageEditor
from bot.writer import GroupCommitWriter

STATIC = Path(__file__).parent / "static"


def create_web_app(app: App, *, background: bool = False) -> FastAPI:
    """The web app. `background` also runs the outbox worker and the scheduler (bot/scheduler.py) for as
    long as the app is served — sending from a process of its own where SAMRAD_SENDER_PROCESS says so:
    `samrad serve` turns it on; tests of pages leave it off."""
    writer = GroupCommitWriter(app.engine)
    tasks = _background(app, writer) if background else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        writer.start()
        if tasks is not None:
            tasks.start()
        try:
            async with polling_while_serving(polled, chat_webhooks):
                yield
        finally:
            if tasks is not None:
                await tasks.stop()  # the message in flight is sent and recorded; held rows go back
            writer.stop()  # every answer already accepted is committed before the process ends
            for channel in app.channels.values():
                await channel.aclose()

    docs_url = "/api/docs" if app.settings.api_docs else None
    web = FastAPI(title="Samråd", lifespan=lifespan, docs_url=docs_url, redoc_url=None)
    web_metrics = Metrics(app, writer, tasks)  # this app's own registry: apps in one process stay apart
    # The last added runs first: security headers go on every response, the body cap's 413s included.
    web.add_middleware(BodyLimit)
    web.add_middleware(
        SecurityHeaders, https=app.settings.public_url.lower().startswith("https://"), docs_path=docs_url
    )
    # Every request is timed, those refused by the body cap included; outermost, the request id, so that
    # every log line of the request carries it.
    web.add_middleware(RequestMetrics, metrics=web_metrics)
    web.add_middleware(RequestId)
    web.state.app = app
    web.state.metrics = web_metrics
    web.state.rate_limits = RateLimits.from_settings(app.settings)
    web.state.writer = writer
    web.state.background = tasks
    # The channels to call the platforms through: stand-ins for the sender process's, when it runs.
    senders = tasks.sender.channels if tasks is not None and tasks.sender is not None else app.channels
    web.state.senders = senders
    # Chat channels take their events by webhook, or fetch them themselves (polling, where the settings
    # say so): a polling channel has no webhook, so nothing can post events in its name.
    chats = {name: ch for name, ch in app.channels.items() if isinstance(ch, ChatChannel)}
    polling_names = channel_registry.polling(app.settings)
    chat_webhooks = ChatWebhooks(
        app,
        writer,
        {name: ch for name, ch in chats.items() if name not in polling_names},
        # The sender process's stand-ins make `edit` calls too (RemoteChannel), so these are editors.
        {name: cast(MessageEditor, ch) for name, ch in senders.items() if name in chats},
        events=web_metrics.chat_events,
        aliases=channel_registry.webhook_aliases(app.settings),
    )
    polled = {name: ch for name, ch in chats.items() if name in polling_names and isinstance(ch, PollingChannel)}
    web.state.chat_webhooks = chat_webhooks
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    web.include_router(home.router)
    web.include_router(privacy.router)
    web.include_router(web_answer.router)
    web.include_router(unsubscribe.router)
    web.include_router(api.router)
    admin.install(web)
    if chat_webhooks.channels:
        # A plain Starlette route (see that module), first: every event would otherwise be matched
        # against each included router's routes before reaching it.
        web.router.routes.insert(0, webhooks.route)

    @web.get("/healthz")
    def healthz() -> JSONResponse:
        status, report = health(app, tasks)
        return JSONResponse(report, status_code=status)

    @web.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> Response:
        return Response(web_metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return web


def _background(app: App, writer: GroupCommitWriter) -> Background:
    sender = SenderProcess(app.settings, app.channels) if app.channels and use_process(app.settings) else None
    return Background(app, sender=sender, writer=writer)

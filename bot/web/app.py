"""The FastAPI application: the web answer page, channel webhooks, opt-out links, the officials' pages,
the JSON API, health and metrics; with `background`, also the outbox worker and the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from adapters.base import ChatChannel, PollingChannel
from bot import channels as channel_registry
from bot.bootstrap import App
from bot.delivery.sender_process import SenderProcess, use_process
from bot.scheduler import Background, outbox_metrics
from bot.web import admin, api, home, privacy, unsubscribe, webhooks
from bot.web import answer as web_answer
from bot.web.body_limit import BodyLimit
from bot.web.polling import polling_while_serving
from bot.web.rate_limits import RateLimits
from bot.web.security_headers import SecurityHeaders
from bot.web.webhooks import ChatWebhooks, MessageEditor
from bot.writer import GroupCommitWriter
from storage.db import deferred, writer_busy

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
    # The last added runs first: security headers go on every response, the body cap's 413s included.
    web.add_middleware(BodyLimit)
    web.add_middleware(
        SecurityHeaders, https=app.settings.public_url.lower().startswith("https://"), docs_path=docs_url
    )
    web.state.app = app
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

    @web.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> Response:
        # A read that never waits for SQLite's write lock: a long write elsewhere (a large import) is
        # reported, but the server answers pages meanwhile, so it is healthy.
        try:
            with deferred(app.engine).connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            busy = writer_busy(app.engine)
        except sa.exc.SQLAlchemyError:
            return PlainTextResponse("database unavailable\n", status_code=503)
        return PlainTextResponse("ok; database busy: another process is writing\n" if busy else "ok\n")

    @web.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> str:
        return (
            "# HELP samrad_writer_commits_total Transactions committed by the group-commit writer.\n"
            "# TYPE samrad_writer_commits_total counter\n"
            f"samrad_writer_commits_total {writer.batches}\n"
            "# HELP samrad_writer_jobs_total Write jobs (answers) committed.\n"
            "# TYPE samrad_writer_jobs_total counter\n"
            f"samrad_writer_jobs_total {writer.jobs_done}\n"
        ) + (outbox_metrics(tasks) if tasks is not None else "")

    return web


def _background(app: App, writer: GroupCommitWriter) -> Background:
    sender = SenderProcess(app.settings, app.channels) if app.channels and use_process(app.settings) else None
    return Background(app, sender=sender, writer=writer)

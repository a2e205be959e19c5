"""The FastAPI application: the web answer page, channel webhooks, opt-out links, the JSON API, health and
metrics; with `background`, also the outbox worker and the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.bootstrap import App
from bot.delivery.sender_process import SenderProcess, use_process
from bot.scheduler import Background, outbox_metrics
from bot.web import answer as web_answer
from bot.web import api, unsubscribe
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
            if app.settings.telegram_mode == "polling" and "telegram" in app.channels:
                from bot.web.telegram_polling import polling_while_serving

                async with polling_while_serving(app, writer):
                    yield
            else:
                yield
        finally:
            if tasks is not None:
                await tasks.stop()  # the message in flight is sent and recorded; held rows go back
            writer.stop()  # every answer already accepted is committed before the process ends
            for channel in app.channels.values():
                await channel.aclose()

    web = FastAPI(title="Samråd", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    web.state.app = app
    web.state.writer = writer
    web.state.background = tasks
    # The channels to call the platforms through: stand-ins for the sender process's, when it runs.
    web.state.senders = tasks.sender.channels if tasks is not None and tasks.sender is not None else app.channels
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    web.include_router(web_answer.router)
    web.include_router(unsubscribe.router)
    web.include_router(api.router)
    if "telegram" in app.channels:  # the Telegram SDK loads only when the channel is on
        from bot.web import telegram_webhook

        # A plain Starlette route (see that module), first: every update would otherwise be matched
        # against each included router's routes before reaching it.
        web.router.routes.insert(0, telegram_webhook.route)

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

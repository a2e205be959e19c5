"""The FastAPI application: the web answer page, health and metrics (webhooks join in their issues)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from bot import web_answer
from bot.bootstrap import App
from bot.writer import GroupCommitWriter

STATIC = Path(__file__).parent / "static"


def create_web_app(app: App) -> FastAPI:
    writer = GroupCommitWriter(app.engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        writer.start()
        try:
            yield
        finally:
            writer.stop()  # every answer already accepted is committed before the process ends

    web = FastAPI(title="Samråd", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    web.state.app = app
    web.state.writer = writer
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    web.include_router(web_answer.router)

    @web.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> Response:
        try:
            with app.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return PlainTextResponse("database unavailable\n", status_code=503)
        return PlainTextResponse("ok\n")

    @web.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> str:
        return (
            "# HELP samrad_writer_commits_total Transactions committed by the group-commit writer.\n"
            "# TYPE samrad_writer_commits_total counter\n"
            f"samrad_writer_commits_total {writer.batches}\n"
            "# HELP samrad_writer_jobs_total Write jobs (answers) committed.\n"
            "# TYPE samrad_writer_jobs_total counter\n"
            f"samrad_writer_jobs_total {writer.jobs_done}\n"
        )

    return web

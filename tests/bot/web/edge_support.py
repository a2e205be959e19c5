"""Serving a test's app with settings of its own (limits, docs, an https public URL) on the live server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.bootstrap import App
from bot.web.app import create_web_app
from tests.live_server import LiveServer

Serve = Callable[..., LiveServer]

# Tests of the HTTP edge whose outcome does not depend on the database run on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


@pytest.fixture
def serve(app: App, live_server: LiveServer) -> Iterator[Serve]:
    """serve(**settings): the live server serving a new web app of `app` with these settings changed."""
    made: list[Any] = []

    def start(**settings: Any) -> LiveServer:
        app.settings = app.settings.model_copy(update=settings)
        web_app = create_web_app(app)
        made.append(web_app)
        live_server.app.target = web_app
        return live_server

    yield start
    live_server.app.target = None
    for web_app in made:
        web_app.state.writer.stop()


def web_link(app: App, server: LiveServer, contact_id: int, consultation_id: int) -> str:
    return app.answer_url(contact_id, consultation_id).replace(app.settings.public_url, server.url)


def opt_out_link(app: App, server: LiveServer, contact_id: int) -> str:
    return app.opt_out_url(contact_id).replace(app.settings.public_url, server.url)

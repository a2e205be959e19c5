"""Serving: uvicorn with the web app in one process."""

from __future__ import annotations

import uvicorn

from bot.bootstrap import App
from bot.process_tuning import settle_garbage_collector
from bot.web.app import create_web_app


def run_server(app: App, *, host: str, port: int) -> None:
    web = create_web_app(app, background=True)
    settle_garbage_collector()
    uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=True)

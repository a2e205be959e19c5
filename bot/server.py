"""Serving: uvicorn with the web app in one process."""

from __future__ import annotations

import uvicorn

from bot.bootstrap import App
from bot.web import create_web_app


def run_server(app: App, *, host: str, port: int) -> None:
    uvicorn.run(create_web_app(app, background=True), host=host, port=port, log_level="info", proxy_headers=True)

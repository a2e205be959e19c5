"""Serving: uvicorn with the web app in one process, logging without credentials (bot/log_masking.py)."""

from __future__ import annotations

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from bot.bootstrap import App
from bot.log_masking import masked_log_config
from bot.process_tuning import settle_garbage_collector
from bot.web.app import create_web_app


def run_server(app: App, *, host: str, port: int) -> None:
    web = create_web_app(app, background=True)
    settle_garbage_collector()
    uvicorn.run(
        web, host=host, port=port, log_level="info", proxy_headers=True, log_config=masked_log_config(LOGGING_CONFIG)
    )

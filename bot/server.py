"""Serving: uvicorn with the web app in one process, logging without credentials (bot/log_masking.py), as\ntext or, with SAMRAD_LOG_FORMAT=json, as JSON lines (bot/json_logs.py)."""

from __future__ import annotations

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from bot.bootstrap import App
from bot.json_logs import json_log_config
from bot.log_masking import masked_log_config
from bot.process_tuning import settle_garbage_collector
from bot.web.app import create_web_app


def run_server(app: App, *, host: str, port: int) -> None:
    web = create_web_app(app, background=True)
    settle_garbage_collector()
    log_config = masked_log_config(LOGGING_CONFIG)
    if app.settings.log_format == "json":
        log_config = json_log_config(log_config)
    uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=True, log_config=log_config)

"""Logs as JSON lines (SAMRAD_LOG_FORMAT=json), for a log collector: one object per line with the time
(UTC, ISO 8601), level, logger, message and the HTTP request's id (bot/web/request_id.py), and the
traceback when there is one. The masking filter (bot/log_masking.py) has run on the record before it is
formatted here, so the message and the traceback are already without credentials."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from bot.log_masking import mask
from bot.web.request_id import request_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        if record.exc_info and not record.exc_text:  # not through the masking filter: mask it still
            record.exc_text = mask(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def json_log_config(config: dict[str, Any]) -> dict[str, Any]:
    """The logging dictConfig `config` with every formatter writing JSON lines (its handlers, and so
    their masking filters, unchanged)."""
    return {**config, "formatters": {name: {"()": JsonFormatter} for name in config.get("formatters", {})}}

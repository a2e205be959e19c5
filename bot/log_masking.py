"""Credentials never reach a log line: a logging filter that masks them in every record it passes.

Personal links (/c/<token>, /u/<token>) let whoever reads them answer or opt out as someone else;
query parameters such as `token`, `sig`, `secret` or `code`, a bot token in a Bot API URL, a bearer token
and a password in a URL are credentials too. The filter rewrites the record's message, its arguments
(uvicorn's access formatter reads the path from them) and its formatted traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

MASK = "***"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Personal links: the token is the path segment after /c/ or /u/.
    (re.compile(r"(/[cu]/)[^/?#\s\"']+"), r"\g<1>" + MASK),
    # Query parameters that carry credentials.
    (
        re.compile(
            r"([?&;](?:token|access_token|api_key|apikey|key|sig|signature|secret|code|password|start)=)[^&;#\s\"']*",
            re.IGNORECASE,
        ),
        r"\g<1>" + MASK,
    ),
    # Telegram's Bot API puts the bot's token in the path: /bot123456:ABC-DEF/sendMessage.
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), r"\g<1>" + MASK),
    # user:password@ in a URL (SMTP, database).
    (re.compile(r"(://[^/\s:@]*:)[^@\s/]+@"), r"\g<1>" + MASK + "@"),
    (re.compile(r"(Bearer\s+)[^\s\"']+", re.IGNORECASE), r"\g<1>" + MASK),
)


def mask(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _masked(value: Any) -> Any:
    """Numbers stay numbers (formatters use %d); anything else is logged as its masked text."""
    if value is None or isinstance(value, int | float):
        return value
    return mask(str(value))


class MaskCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_masked(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def masked_log_config(base: Mapping[str, Any]) -> dict[str, Any]:
    """A logging dictConfig (uvicorn's, given as `base`) whose every handler masks credentials, and
    whose root logger writes through uvicorn's stderr handler too, so our own loggers are masked."""
    config: dict[str, Any] = {key: value for key, value in base.items() if key not in ("handlers", "filters")}
    config["filters"] = {**base.get("filters", {}), "mask_credentials": {"()": MaskCredentials}}
    config["handlers"] = {
        name: {**handler, "filters": [*handler.get("filters", []), "mask_credentials"]}
        for name, handler in base["handlers"].items()
    }
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    config["loggers"] = {
        **base.get("loggers", {}),
        "bot": {"level": "INFO"},
        "adapters": {"level": "INFO"},
    }
    return config

"""The link-signing key: from the environment, or kept in the database with a warning (never the key)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine

from bot.bootstrap import build
from bot.settings import Settings


def _settings(secret_key: str | None) -> Settings:
    return Settings(database_url="sqlite://", secret_key=secret_key, _env_file=None)  # type: ignore[call-arg]


def test_falling_back_to_the_stored_key_warns_once_without_the_key(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="samrad"):
        first = build(_settings(None), engine=sqlite_engine)
        again = build(_settings(None), engine=sqlite_engine)
    assert first.secret_key == again.secret_key
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "SAMRAD_SECRET_KEY" in warnings[0]
    assert all(first.secret_key not in w for w in warnings)
    assert "\n" not in warnings[0]


def test_a_key_from_the_environment_is_used_without_a_warning(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="samrad"):
        app = build(_settings("from-the-environment"), engine=sqlite_engine)
    assert app.secret_key == "from-the-environment"
    assert caplog.records == []

"""The link-signing key: from the environment, or kept in the database, and then `samrad serve` warns
in one log line that never holds the key."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine

from bot.bootstrap import build, warn_if_secret_key_stored
from bot.settings import Settings


def _settings(secret_key: str | None) -> Settings:
    return Settings(database_url="sqlite://", secret_key=secret_key, _env_file=None)  # type: ignore[call-arg]


def test_serving_with_the_stored_key_warns_in_one_line_without_the_key(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="samrad"):
        first = build(_settings(None), engine=sqlite_engine)
        again = build(_settings(None), engine=sqlite_engine)
        assert caplog.records == []  # building (every CLI command does) is quiet
        warn_if_secret_key_stored(again)
    assert first.secret_key == again.secret_key
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "SAMRAD_SECRET_KEY" in warning and "\n" not in warning
    assert first.secret_key not in warning


def test_a_key_from_the_environment_is_used_without_a_warning(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="samrad"):
        app = build(_settings("from-the-environment"), engine=sqlite_engine)
        warn_if_secret_key_stored(app)
    assert app.secret_key == "from-the-environment"
    assert caplog.records == []

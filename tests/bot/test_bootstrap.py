"""Wiring: the secret key is generated once and shared through the database; channels follow settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from bot.bootstrap import build
from bot.links import read_answer_token
from bot.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_without_a_configured_key_one_is_generated_once_and_kept(db_engine: Engine) -> None:
    first = build(settings(), engine=db_engine)
    second = build(settings(), engine=db_engine)  # another process, or a restart
    assert len(first.secret_key) >= 40
    assert second.secret_key == first.secret_key
    link = first.answer_url(3, 7)
    read = read_answer_token(second.secret_key, link.rsplit("/", 1)[1], now=second.clock(), max_age=dt.timedelta(days=1))
    assert read is not None and (read.contact_id, read.consultation_id) == (3, 7)


def test_a_configured_key_wins_and_channels_are_off_without_credentials(db_engine: Engine) -> None:
    app = build(settings(secret_key="from-the-environment"), engine=db_engine)
    assert app.secret_key == "from-the-environment"
    assert app.channels == {}

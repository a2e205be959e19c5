"""Settings: the only place the environment is read (prefix SAMRAD_, optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TEAMS_WEBHOOK_HOSTS = (
    "prod-00.westeurope.logic.azure.com",
    "environment.api.powerplatform.com",
    "webhook.office.com",
    "outlook.office.com",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAMRAD_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./samrad.db"
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = Field(default=None, description="generated once and kept in the database")
    language: Literal["sv", "en"] = "sv"
    timezone: str = "Europe/Stockholm"
    municipality: str = "Danderyds kommun"

    telegram_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None  # for t.me deep links in invitation lists
    telegram_rate: float = 25.0

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_rate: float = 0.9

    teams_outgoing_secret: str | None = None
    teams_webhook_hosts: tuple[str, ...] = DEFAULT_TEAMS_WEBHOOK_HOSTS
    teams_rate: float = 3.5

    smtp_url: str | None = None
    mail_from: str | None = None

    # Answer links stay valid this long after the consultation closes, so a late click explains itself.
    link_max_age_days: int = 365


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

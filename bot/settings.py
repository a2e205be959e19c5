"""Settings: the only place the environment is read (prefix SAMRAD_, optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import limits
from pydantic import Field, field_validator
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
    telegram_rate: float = 29.0  # messages/s across the bot; Telegram allows about 30
    # "webhook": Telegram POSTs to /webhooks/telegram (register it: samrad telegram set-webhook);
    # "polling": `samrad serve` fetches updates itself (getUpdates), for a bot without a public URL.
    telegram_mode: Literal["webhook", "polling"] = "webhook"

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_rate: float = 0.9

    teams_outgoing_secret: str | None = None
    teams_webhook_hosts: tuple[str, ...] = DEFAULT_TEAMS_WEBHOOK_HOSTS
    teams_rate: float = 3.5

    smtp_url: str | None = None
    mail_from: str | None = None
    email_rate: float = 2.0  # messages/s through the SMTP server; relays often allow little more

    # The outbox worker (see README, "Delivery"): how often it looks for due rows, how long a claim
    # holds, how often it retries a failing send and how long it waits in between.
    outbox_poll_seconds: float = 0.25
    # Where `samrad serve` calls the platforms: in a process of its own ("on"), in the web process ("off"),
    # or in a process of its own when the machine has more than one core ("auto"; bot/delivery/sender_process.py).
    sender_process: Literal["auto", "on", "off"] = "auto"
    outbox_lease_seconds: float = 30.0
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: float = 10.0
    outbox_backoff_max_seconds: float = 3600.0
    outbox_send_timeout_seconds: float = 30.0

    # Reminders: never in quiet hours (local time, `timezone`), nor on weekends when quiet_weekends;
    # at most max_reminders per contact and consultation.
    quiet_hours: str = "20:00-08:00"
    quiet_weekends: bool = True
    max_reminders: int = 3
    # How often the scheduler opens and closes consultations and queues due reminders.
    scheduler_tick_seconds: float = 30.0

    # Bearer token for the JSON API's actions (POST /api/…); the API's actions are off when unset.
    api_token: str | None = None

    # Answer links work this long after they were made (every invitation, reminder and
    # `consultation invites` makes fresh ones); older ones are refused as unknown. Opt-out links never
    # expire: opting out must always be possible.
    link_max_age_days: int = Field(default=90, ge=1, le=3650)

    # Rate limits (`limits` notation: "N/second|minute|hour|day"), counted per process (bot/web/rate_limits.py).
    rate_limit_answer_link: str = "60/minute"  # answer-page POSTs per link
    rate_limit_answer_client: str = "300/minute"  # answer-page POSTs per client address
    rate_limit_opt_out: str = "10/minute"  # opt-out POSTs per client address
    rate_limit_api: str = "60/minute"  # API requests per client address

    # Swagger UI at /api/docs loads its script from a CDN: off unless asked for (/openapi.json is always served).
    api_docs: bool = False

    @field_validator("rate_limit_answer_link", "rate_limit_answer_client", "rate_limit_opt_out", "rate_limit_api")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            limits.parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as 60/minute") from None
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

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

    # The officials' pages (/admin): a sign-in ends after this long without a request, and in any case
    # this long after signing in.
    admin_session_idle_minutes: float = 30.0
    admin_session_max_hours: float = 10.0
    # Failed sign-ins refused for `admin_login_window_minutes` once an account has this many (or one
    # client address this many, for guessing across accounts) within that window.
    admin_login_max_failures: int = 5
    admin_login_max_failures_per_address: int = 20
    admin_login_window_minutes: float = 15.0

    # Answer links stay valid this long after the consultation closes, so a late click explains itself.
    link_max_age_days: int = 365


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

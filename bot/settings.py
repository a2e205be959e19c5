"""Settings: the only place the environment is read (prefix SAMRAD_, optional .env file)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import limits
import platformdirs
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from adapters.outbound_urls import check_workflows_url

# Where Microsoft's Workflows webhooks live: `prod-NN.<region>.logic.azure.com` (older flows) and
# `<id>.<nn>.environment.api.powerplatform.com` (flows made or moved since 2025). A leading dot allows
# every name below it (adapters/outbound_urls.py).
DEFAULT_TEAMS_WEBHOOK_HOSTS = (".logic.azure.com", ".environment.api.powerplatform.com")


DATABASE_FILE = "samrad.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAMRAD_", env_file=".env", extra="ignore")

    # Where Samråd keeps its files: the SQLite database unless database_url says otherwise. Not the
    # current folder: every command finds the same database wherever it is run from.
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("samrad")))
    database_url: str = ""  # empty: SQLite in data_dir (see _default_database)
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = Field(default=None, description="generated once and kept in the database")
    language: Literal["sv", "en"] = "sv"
    timezone: str = "Europe/Stockholm"
    municipality: str = "Danderyds kommun"
    # How a person reaches the municipality, shown wherever they are told to contact it (free text),
    # e.g. "Näringslivsenheten, 08-568 910 00, naringsliv@danderyd.se".
    municipality_contact: str | None = None
    # The privacy page (/integritet, GDPR art. 13), free text each: the controller (None: `municipality`),
    # the data protection officer's contact (None: the page says to ask the municipality), and how long
    # data is kept (None: a default text in the page's language).
    privacy_controller: str | None = None
    data_protection_officer: str | None = None
    privacy_retention: str | None = None

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
    # For the link to the app's direct messages in invitation lists (slack.com/app_redirect): asked of
    # Slack (auth.test, bots.info) when not set.
    slack_app_id: str | None = None
    slack_team_id: str | None = None

    # Teams: cards posted to each business's own Workflows webhook. It needs no credential of ours, so
    # it is switched on by name; the webhook URLs come with the businesses (teams_webhook_url).
    teams_enabled: bool = False
    teams_outgoing_secret: str | None = None
    # Comma-separated, as people write it: SAMRAD_TEAMS_WEBHOOK_HOSTS=.logic.azure.com,127.0.0.1
    teams_webhook_hosts: Annotated[tuple[str, ...], NoDecode] = DEFAULT_TEAMS_WEBHOOK_HOSTS
    teams_rate: float = 3.5
    # A Workflows URL in the municipality's own Teams, for officials' notifications (checked like a
    # business's URL against teams_webhook_hosts).
    teams_notify_url: str | None = None

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
    # `samrad serve`'s log lines: uvicorn's text, or one JSON object per line for a log collector.
    log_format: Literal["text", "json"] = "text"

    @field_validator("rate_limit_answer_link", "rate_limit_answer_client", "rate_limit_opt_out", "rate_limit_api")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            limits.parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as 60/minute") from None
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret_characters(cls, value: str | None) -> str | None:
        # Telegram's setWebhook takes 1-256 of these only; a secret it refuses could never match, and one
        # outside ASCII was once compared after a lossy encoding.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("must be 1-256 of A-Z a-z 0-9 _ - (what Telegram accepts)")
        return value

    @field_validator("teams_webhook_hosts", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        """`a,b` (or a JSON list, as pydantic-settings reads lists by default) from the environment."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            return json.loads(value)  # a ValueError here becomes the setting's validation error
        return tuple(item.strip() for item in value.split(",") if item.strip())

    @model_validator(mode="after")
    def _teams_notify_url_allowed(self) -> Settings:
        if self.teams_notify_url:
            reason = check_workflows_url(self.teams_notify_url, self.teams_webhook_hosts)
            if reason is not None:
                raise ValueError(f"SAMRAD_TEAMS_NOTIFY_URL: {reason}")
        return self

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir.expanduser().resolve() / DATABASE_FILE}"
        return self


def settings_problem(error: ValidationError | SettingsError) -> str:
    """A bad setting in one line, naming the variable and never echoing its value (a webhook URL's
    signature, a token)."""
    if isinstance(error, SettingsError):
        return str(error).splitlines()[0]
    return "bad setting: " + "; ".join(settings_problems(error))


def settings_problems(error: ValidationError | SettingsError) -> list[str]:
    """Each bad setting on its own (`samrad doctor` gives each a line), named, never with its value."""
    if isinstance(error, SettingsError):
        return [str(error).splitlines()[0]]
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        name = "SAMRAD_" + "_".join(str(part) for part in item["loc"][:1]).upper() if item["loc"] else ""
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{name}: {message}" if name else message)
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

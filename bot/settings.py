"""Settings: the only place the environment is read (prefix SAMRAD_, optional .env file)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import limits
import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from adapters.outbound_urls import check_workflows_url
from conversations.dialogue_model import CASE_TYPES

# Where Microsoft's Workflows webhooks live: `prod-NN.<region>.logic.azure.com` (older flows) and
# `<id>.<nn>.environment.api.powerplatform.com` (flows made or moved since 2025). A leading dot allows
# every name below it (adapters/outbound_urls.py).
DEFAULT_TEAMS_WEBHOOK_HOSTS = (".logic.azure.com", ".environment.api.powerplatform.com")


DATABASE_FILE = "samrad.db"

# A host name, or with a leading dot every name below it (adapters/outbound_urls.py).
_HOST_ENTRY = re.compile(r"\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.?")


def _is_ip(entry: str) -> bool:
    try:
        ipaddress.ip_address(entry)
    except ValueError:
        return False
    return True


class RetentionPeriods(BaseModel):
    """One case type's retention periods (README, "Data protection"); a period left out is the default's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Contacts who did not answer: their personal data is erased this many days after the consultation closed.
    unanswered_days: int | None = Field(default=None, ge=0, le=36500)
    # Contacts who answered: who they are is removed this many months after the case's last consultation
    # closed; their answers stay, with the business's area and industry.
    answered_months: int | None = Field(default=None, ge=0, le=1200)


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
    # A Slack channel's ID (C0123ABCD: the channel's name → About) for the staff's notifications, posted
    # by the bot (invite it to the channel) when Slack is on.
    slack_notify_channel: str | None = None
    # For the link to the app's direct messages in invitation lists (slack.com/app_redirect): asked of
    # Slack (auth.test, bots.info) when not set.
    slack_app_id: str | None = None
    slack_team_id: str | None = None

    # Teams: cards posted to each business's own Workflows webhook. It needs no credential of ours, so
    # it is switched on by name; the webhook URLs come with the businesses (teams_webhook_url).
    teams_enabled: bool = False
    # Answers to @mentions in a team's channel (an outgoing webhook, posting to /webhooks/teams): the
    # security token Teams showed when the webhook was made, as shown (base64); several teams' tokens
    # comma-separated. Unset: switched off.
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
    # Retention (bot/services/retention.py, README "Data protection"): the defaults, and per case type
    # (the dialogue model's ids) where the municipality's records plan says otherwise, as JSON:
    # SAMRAD_RETENTION_CASE_TYPES='{"procurement": {"answered_months": 120}}'.
    retention_unanswered_days: int = Field(default=90, ge=0, le=36500)
    retention_answered_months: int = Field(default=24, ge=0, le=1200)
    retention_case_types: dict[str, RetentionPeriods] = Field(default_factory=dict)

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

    @field_validator("retention_case_types")
    @classmethod
    def _known_case_types(cls, value: dict[str, RetentionPeriods]) -> dict[str, RetentionPeriods]:
        unknown = sorted(set(value) - set(CASE_TYPES.ids()))
        if unknown:
            raise ValueError(
                f"unknown case type {', '.join(unknown)} (expected one of {', '.join(CASE_TYPES.ids())})"
            )
        return value

    def retention_days_unanswered(self, case_type: str) -> int:
        periods = self.retention_case_types.get(case_type)
        chosen = periods.unanswered_days if periods is not None else None
        return self.retention_unanswered_days if chosen is None else chosen

    def retention_months_answered(self, case_type: str) -> int:
        periods = self.retention_case_types.get(case_type)
        chosen = periods.answered_months if periods is not None else None
        return self.retention_answered_months if chosen is None else chosen

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret_characters(cls, value: str | None) -> str | None:
        # Telegram's setWebhook takes 1-256 of these only; a secret it refuses could never match, and one
        # outside ASCII was once compared after a lossy encoding.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("must be 1-256 of A-Z a-z 0-9 _ - (what Telegram accepts)")
        return value

    @field_validator("teams_outgoing_secret")
    @classmethod
    def _teams_security_token(cls, value: str | None) -> str | None:
        # Teams shows the token in base64 and keys its signatures with the decoded bytes: a token that
        # does not decode (a character lost when copying) could never verify a request.
        # One token per team's webhook, comma-separated (base64 has no commas); none is ever echoed.
        if value is None or not value.strip():
            return None  # set but empty, as in an .env template: switched off
        tokens = [token.strip() for token in value.split(",") if token.strip()]
        for number, token in enumerate(tokens, start=1):
            try:
                decoded = base64.b64decode(token, validate=True)
            except (binascii.Error, ValueError):
                decoded = b""
            if not decoded:
                which = f"token {number} " if len(tokens) > 1 else ""
                raise ValueError(f"{which}is not the base64 security token Teams showed when the outgoing "
                                 "webhook was made (copy it again, whole)")
        return ",".join(tokens)

    @field_validator("slack_notify_channel")
    @classmethod
    def _slack_channel_id(cls, value: str | None) -> str | None:
        # A name ("#samrad") would make chat.postMessage guess; an ID names one channel for good.
        if value is None or not value.strip():
            return None
        if not re.fullmatch(r"[CG][A-Z0-9]{6,20}", value.strip()):
            raise ValueError("write the channel's ID, such as C0123ABCD (the channel's name → About), not its name")
        return value.strip()

    @field_validator("teams_webhook_hosts", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        """`a,b` (or a JSON list, as pydantic-settings reads lists by default) from the environment."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError("is neither a comma-separated list nor a JSON list of host names") from None
        return tuple(item.strip() for item in value.split(",") if item.strip())

    @field_validator("teams_webhook_hosts")
    @classmethod
    def _host_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # An entry is compared with a URL's host: a scheme, path or port in it would never match, and
        # the entry is not echoed (someone may have pasted a whole webhook URL, signature and all).
        if not value:
            raise ValueError("lists no host; write names such as .logic.azure.com, comma-separated")
        for number, entry in enumerate(value, start=1):
            if not _HOST_ENTRY.fullmatch(entry) and not _is_ip(entry):
                raise ValueError(
                    f"entry {number} is not a host name or IP address (write e.g. prod-00.westeurope.logic."
                    "azure.com or .logic.azure.com, without https:// or a path, comma-separated)"
                )
        return value

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

"""`samrad doctor`: checks the configuration and says what is wrong in plain words.

One finding per part: the database (reachable, migrated, where it is), the secret key's source, the
public URL, each channel that is switched on (its `unsafe` reasons and a harmless call with its
credentials, bot/channels.py's `probe`), and the quiet hours and time zone. A *problem* stops something
from working (the command exits 1); a *warning* works but is risky; *ok* says what was found. Nothing is
written and nothing is sent; no line carries a secret (they are masked in every line, whatever a server
answered).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from bot import channels as channel_registry
from bot.bootstrap import SECRET_KEY_SETTING
from bot.channels import ChannelEntry, Probed
from bot.cli import database
from bot.delivery.quiet_hours import QuietHours
from bot.settings import Settings, settings_problems
from storage import migrate
from storage.db import deferred, make_engine
from storage.tables import Setting

Level = Literal["ok", "warning", "problem"]

# How long a channel's platform (or the database server) may take to answer.
PROBE_TIMEOUT_SECONDS = 5.0
_MASK = "•••"


@dataclass(frozen=True)
class Finding:
    level: Level
    part: str
    text: str

    def line(self) -> str:
        return f"{self.level:<8} {self.part}: {self.text}"


def failed(findings: Iterable[Finding]) -> bool:
    """Whether anything is wrong (the command's exit code 1); warnings alone are not."""
    return any(finding.level == "problem" for finding in findings)


def bad_settings(error: ValidationError | SettingsError) -> list[Finding]:
    """Settings that do not even load: one problem line per setting (never its value)."""
    return [Finding("problem", "settings", problem) for problem in settings_problems(error)]


def check(settings: Settings, *, timeout: float = PROBE_TIMEOUT_SECONDS) -> list[Finding]:
    findings, engine = _database(settings, timeout)
    try:
        findings.append(_secret_key(settings, engine))
    finally:
        if engine is not None:
            engine.dispose()
    findings.append(_public_url(settings))
    findings.extend(asyncio.run(_channels(settings, timeout)))
    findings.extend(_schedule(settings))
    return [_masked(finding, _secrets(settings)) for finding in findings]


# --- the database ----------------------------------------------------------------------------------


def _database(settings: Settings, timeout: float) -> tuple[list[Finding], Engine | None]:
    """The database's finding, and an engine on it when it is reachable and migrated (else None)."""
    url = settings.database_url
    where = database.describe(url)
    path = database.sqlite_path(url)
    if path is not None and not path.exists():  # connecting would create an empty file
        return [Finding("problem", "database", f"there is no database at {path}; create it with: samrad db upgrade")], None
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(max(1, round(timeout)))})
    engine = make_engine(parsed)
    try:
        current = migrate.current_revision(deferred(engine))
    except SQLAlchemyError as error:
        engine.dispose()
        reason = str(error.orig if isinstance(error, DBAPIError) else error).strip().splitlines()
        return [Finding("problem", "database", f"cannot open {where}: {reason[0] if reason else type(error).__name__}")], None
    if current is None:
        engine.dispose()
        return [Finding("problem", "database", f"{where} is empty; set it up with: samrad db upgrade")], None
    head = migrate.head_revision()
    if current != head:
        engine.dispose()
        return [Finding("problem", "database", f"{where} is not up to date ({current}, the newest is {head}); "
                        "run samrad db upgrade")], None
    return [Finding("ok", "database", f"{where}, up to date ({head})")], engine


# --- the secret key --------------------------------------------------------------------------------


def _secret_key(settings: Settings, engine: Engine | None) -> Finding:
    if settings.secret_key:
        return Finding("ok", "secret key", "from SAMRAD_SECRET_KEY")
    risk = ("whoever has a copy of the database (a backup) can forge answer links; set SAMRAD_SECRET_KEY in "
            "the environment instead")
    if engine is None:
        return Finding("warning", "secret key", f"SAMRAD_SECRET_KEY is not set, so the key is kept in the database: {risk}")
    with Session(deferred(engine)) as reading:
        stored = reading.get(Setting, SECRET_KEY_SETTING)
    if stored is None:
        return Finding("warning", "secret key", "SAMRAD_SECRET_KEY is not set: the first start makes one and keeps "
                       f"it in the database, and then {risk}")
    return Finding("warning", "secret key", f"the key that signs links is kept in the database: {risk}")


# --- the public URL --------------------------------------------------------------------------------


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _public_url(settings: Settings) -> Finding:
    url = settings.public_url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding("problem", "public URL", f"SAMRAD_PUBLIC_URL {url!r} is not a web address such as "
                       "https://samrad.kommun.se")
    if parts.scheme == "https":
        return Finding("ok", "public URL", url)
    if _loopback(parts.hostname):
        return Finding("ok", "public URL", f"{url} (this machine only: fine for trying Samråd out)")
    return Finding("warning", "public URL", f"SAMRAD_PUBLIC_URL {url} is http: links in messages, Telegram "
                   "webhooks and one-click unsubscribe need https")


# --- channels --------------------------------------------------------------------------------------


async def _channels(settings: Settings, seconds: float) -> list[Finding]:
    entries = [entry for entry in channel_registry.REGISTRY if entry.is_on(settings)]
    if not entries:
        return [Finding("ok", "channels", "none switched on (people answer on the web answer page only)")]
    results = await asyncio.gather(*(_channel(entry, settings, seconds) for entry in entries))
    return [finding for findings in results for finding in findings]


async def _channel(entry: ChannelEntry, settings: Settings, seconds: float) -> list[Finding]:
    part = entry.title or entry.name
    findings: list[Finding] = []
    reason = entry.unsafe(settings)
    if reason is not None:
        findings.append(Finding("problem", part, f"samrad serve refuses to start: {reason}"))
    try:
        async with asyncio.timeout(seconds):
            probed = await entry.probe(settings)
    except TimeoutError:
        probed = Probed((f"no answer within {seconds:g} seconds",))
    except Exception as error:  # any failure is one line; its message may hold a URL with a token
        probed = Probed((f"the check failed ({type(error).__name__})",))
    findings.extend(Finding("problem", part, problem) for problem in probed.problems)
    if not findings:
        findings.append(Finding("ok", part, probed.found or "on"))
    return findings


# --- quiet hours and the time zone ---------------------------------------------------------------


def _schedule(settings: Settings) -> list[Finding]:
    """The time zone and the quiet hours, each wrong one on its own line."""
    findings: list[Finding] = []
    zone = settings.timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        findings.append(Finding("problem", "time zone", f"SAMRAD_TIMEZONE {zone!r} is not a time zone; write one "
                                "such as Europe/Stockholm"))
        zone = "UTC"  # to check the quiet hours all the same
    try:
        QuietHours.parse(settings.quiet_hours, weekends=settings.quiet_weekends, timezone=zone)
    except ValueError as error:
        findings.append(Finding("problem", "quiet hours", f"SAMRAD_QUIET_HOURS: {error}"))
    if not findings:
        weekends = " and all weekend" if settings.quiet_weekends else ""
        findings.append(Finding("ok", "quiet hours", f"{settings.quiet_hours}{weekends}, {settings.timezone} time"))
    return findings


# --- secrets never shown ----------------------------------------------------------------------------


def _secrets(settings: Settings) -> list[str]:
    values = [settings.secret_key, settings.telegram_token, settings.telegram_webhook_secret,
              settings.slack_bot_token, settings.slack_signing_secret, settings.teams_outgoing_secret,
              settings.api_token]
    if settings.smtp_url:
        password = urlsplit(settings.smtp_url).password
        values.append(password)
    database_password = make_url(settings.database_url).password
    values.append(str(database_password) if database_password else None)
    if settings.telegram_token:
        values.append(settings.telegram_token.partition(":")[2])  # the token's secret half alone
    # Longest first, so a secret containing another is masked whole; short ones would mask ordinary words.
    return sorted({value for value in values if value and len(value) >= 6}, key=len, reverse=True)


def _masked(finding: Finding, secrets: list[str]) -> Finding:
    text = finding.text
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return replace(finding, text=text) if text != finding.text else finding

"""Settings that Teams' answering needs: the outgoing webhook's security token, checked as base64, and the
comma-separated host list, each entry checked; a bad one stops a command with one line naming it."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.channels import channels_from, proactive, webhook_aliases
from bot.settings import Settings, settings_problem

ROOT = Path(__file__).resolve().parents[2]
TOKEN = base64.b64encode(bytes(range(100, 132))).decode("ascii")  # 32 bytes in base64, as Teams shows it
PASTED_URL = "https://prod-00.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=SECRETSIG"


def settings(**env: str) -> Settings:
    for name, value in env.items():
        os.environ[name] = value
    try:
        return Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        for name in env:
            del os.environ[name]


def problem(**env: str) -> str:
    with pytest.raises(ValidationError) as raised:
        settings(**env)
    return settings_problem(raised.value)


def test_the_security_token_switches_teams_mentions_on_at_webhooks_teams() -> None:
    on = settings(SAMRAD_TEAMS_OUTGOING_SECRET=f" {TOKEN} ")
    assert on.teams_outgoing_secret == TOKEN
    channels = channels_from(on)
    assert "teams_mention" in channels and "teams" not in channels  # the outbound channel is separate
    assert webhook_aliases(on) == {"teams": "teams_mention"}
    assert proactive(channels) == frozenset()  # on, yet never an address for a message nobody asked for
    off = settings(SAMRAD_TEAMS_OUTGOING_SECRET="")
    assert off.teams_outgoing_secret is None and "teams_mention" not in channels_from(off)
    assert webhook_aliases(off) == {}


@pytest.mark.parametrize("token", ["not base64!", TOKEN[:-3], "====", "c2Ftcm\u00e5ZA=="])
def test_a_security_token_that_is_not_base64_is_named_in_one_line(token: str) -> None:
    message = problem(SAMRAD_TEAMS_OUTGOING_SECRET=token)
    assert message.startswith("bad setting: SAMRAD_TEAMS_OUTGOING_SECRET: is not the base64 security token")
    assert token not in message and "\n" not in message


def test_host_lists_are_read_comma_separated_with_names_and_addresses() -> None:
    read = settings(SAMRAD_TEAMS_WEBHOOK_HOSTS="127.0.0.1,prod-00.westeurope.logic.azure.com")
    assert read.teams_webhook_hosts == ("127.0.0.1", "prod-00.westeurope.logic.azure.com")
    spaced = settings(SAMRAD_TEAMS_WEBHOOK_HOSTS=" .logic.azure.com , ::1 ,")
    assert spaced.teams_webhook_hosts == (".logic.azure.com", "::1")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (PASTED_URL, "entry 1 is not a host name or IP address"),
        ("127.0.0.1,prod-00.westeurope.logic.azure.com:443", "entry 2 is not a host name or IP address"),
        ("a.example,b example", "entry 2 is not a host name"),
        (",", "lists no host"),
        ("[oops", "is neither a comma-separated list nor a JSON list"),
    ],
)
def test_a_bad_host_list_is_named_in_one_line_without_its_value(value: str, expected: str) -> None:
    message = problem(SAMRAD_TEAMS_WEBHOOK_HOSTS=value)
    assert message.startswith(f"bad setting: SAMRAD_TEAMS_WEBHOOK_HOSTS: {expected}"), message
    assert "SECRETSIG" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SAMRAD_TEAMS_OUTGOING_SECRET": "abc$"}, "samrad: bad setting: SAMRAD_TEAMS_OUTGOING_SECRET: is not the base64"),
        ({"SAMRAD_TEAMS_WEBHOOK_HOSTS": PASTED_URL}, "samrad: bad setting: SAMRAD_TEAMS_WEBHOOK_HOSTS: entry 1"),
    ],
)
def test_a_command_stops_with_that_one_line(env: dict[str, str], message: str, tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SAMRAD_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "outbox", "status"], cwd=tmp_path, capture_output=True, text=True,
        env={**clean, "PYTHONPATH": str(ROOT), **env}, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert "SECRETSIG" not in result.stderr and "Traceback" not in result.stderr


def test_several_teams_tokens_are_comma_separated_and_a_bad_one_is_named_by_its_place() -> None:
    other = base64.b64encode(b"the second team's webhook token").decode("ascii")
    assert settings(SAMRAD_TEAMS_OUTGOING_SECRET=f"{TOKEN}, {other},").teams_outgoing_secret == f"{TOKEN},{other}"
    message = problem(SAMRAD_TEAMS_OUTGOING_SECRET=f"{TOKEN},{other[:-2]}")
    assert message.startswith("bad setting: SAMRAD_TEAMS_OUTGOING_SECRET: token 2 is not the base64 security token")
    assert other[:-2] not in message

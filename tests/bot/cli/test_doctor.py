"""`samrad doctor`: each wrong setting is one plain line, the exit code says whether anything is wrong, and
the channels are probed with their real SDKs against the fake platforms on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bot.bootstrap import build
from bot.channels import entry
from bot.cli import doctor
from bot.settings import Settings, get_settings
from storage import migrate
from tests.bot.cli.test_cli import Result, Run
from tests.fakes.slack_api import FakeSlack
from tests.fakes.smtp import SmtpServer
from tests.fakes.telegram_api import FakeTelegram
from tests.live_server import free_port

PUBLIC_URL = "https://samrad.example"  # the `samrad` fixture's SAMRAD_PUBLIC_URL
WEBHOOK = f"{PUBLIC_URL}/webhooks/telegram"


def lines(result: Result, part: str) -> list[str]:
    """The output's lines about one part, e.g. "Telegram"."""
    return [line for line in result.stdout.splitlines() if line.split(None, 1)[1].startswith(f"{part}:")]


def level(result: Result, part: str) -> str:
    found = lines(result, part)
    assert len(found) == 1, result.stdout
    return found[0].split()[0]


@pytest.fixture
def migrated(samrad: Run) -> Run:
    assert samrad("db", "upgrade").exit_code == 0
    return samrad


def test_a_good_configuration_is_ok_line_by_line_and_exits_0(migrated: Run, tmp_path: Path) -> None:
    result = migrated("doctor")
    assert result.exit_code == 0, result.stdout
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["ok"] * 5, result.stdout
    assert str(tmp_path / "cli.db") in lines(result, "database")[0]  # where the database is
    assert "Traceback" not in result.stdout + result.stderr


def test_a_missing_database_says_where_and_how_to_create_it(samrad: Run, tmp_path: Path) -> None:
    result = samrad("doctor")
    assert result.exit_code == 1
    assert lines(result, "database") == [
        f"problem  database: there is no database at {tmp_path / 'cli.db'}; create it with: samrad db upgrade"
    ]
    assert not (tmp_path / "cli.db").exists()  # the check creates nothing
    assert level(result, "public URL") == "ok"  # the other parts are still checked


def test_a_database_behind_the_newest_migration_says_run_db_upgrade(samrad: Run, tmp_path: Path) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    previous = script.get_revision(migrate.head_revision()).down_revision
    assert isinstance(previous, str)
    migrate.upgrade(f"sqlite:///{tmp_path / 'cli.db'}", previous)
    result = samrad("doctor")
    assert result.exit_code == 1
    [line] = lines(result, "database")
    assert line.startswith("problem") and "not up to date" in line and line.endswith("run samrad db upgrade")


def test_an_empty_database_file_is_a_problem(samrad: Run, tmp_path: Path) -> None:
    (tmp_path / "cli.db").touch()
    result = samrad("doctor")
    assert result.exit_code == 1
    assert "is empty; set it up with: samrad db upgrade" in lines(result, "database")[0]


@pytest.mark.postgres
def test_postgresql_reachable_and_migrated_is_ok_and_its_password_never_shown(
    migrated: Run, postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_engine.url.set(password="not-the-real-password-123")
    monkeypatch.setenv("SAMRAD_DATABASE_URL", postgres_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    result = migrated("doctor")
    assert level(result, "database") == "ok", result.stdout
    assert result.exit_code == 0
    monkeypatch.setenv("SAMRAD_DATABASE_URL", url.set(port=free_port()).render_as_string(hide_password=False))
    get_settings.cache_clear()
    result = migrated("doctor")
    assert result.exit_code == 1
    [line] = lines(result, "database")
    assert line.startswith("problem  database: cannot open postgresql")
    assert "not-the-real-password-123" not in result.stdout


def test_a_secret_key_kept_in_the_database_is_a_warning_not_a_failure(
    migrated: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert level(migrated("doctor"), "secret key") == "ok"
    monkeypatch.delenv("SAMRAD_SECRET_KEY")
    get_settings.cache_clear()
    result = migrated("doctor")
    assert "first start makes one" in lines(result, "secret key")[0]
    build(get_settings()).engine.dispose()  # the first start stores one
    result = migrated("doctor")
    [line] = lines(result, "secret key")
    assert line.startswith("warning") and "kept in the database" in line and "forge" in line
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [("http://samrad.kommun.example", "warning"), ("http://127.0.0.1:8000", "ok"), ("http://localhost:8000", "ok"),
     ("samrad.kommun.example", "problem")],
)
def test_the_public_url_must_be_https_unless_it_is_this_machine(
    migrated: Run, monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("SAMRAD_PUBLIC_URL", url)
    get_settings.cache_clear()
    result = migrated("doctor")
    assert level(result, "public URL") == expected, result.stdout
    assert result.exit_code == (1 if expected == "problem" else 0)
    if expected == "warning":
        assert "need https" in result.stdout


def test_a_wrong_time_zone_and_quiet_hours_each_get_their_own_line(
    migrated: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMRAD_TIMEZONE", "Europe/Stokholm")
    monkeypatch.setenv("SAMRAD_QUIET_HOURS", "20-08")
    get_settings.cache_clear()
    result = migrated("doctor")
    assert result.exit_code == 1
    assert "SAMRAD_TIMEZONE 'Europe/Stokholm' is not a time zone" in lines(result, "time zone")[0]
    assert "SAMRAD_QUIET_HOURS: quiet hours '20-08': write them as HH:MM-HH:MM" in lines(result, "quiet hours")[0]


def test_settings_that_do_not_load_are_one_line_each(samrad: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMRAD_TELEGRAM_WEBHOOK_SECRET", "not allowed: SECRETVALUE")
    monkeypatch.setenv("SAMRAD_LINK_MAX_AGE_DAYS", "0")
    get_settings.cache_clear()
    result = samrad("doctor")
    assert result.exit_code == 1
    assert [line.split(":")[1].strip() for line in result.stdout.splitlines()] == [
        "SAMRAD_TELEGRAM_WEBHOOK_SECRET", "SAMRAD_LINK_MAX_AGE_DAYS"
    ], result.stdout
    assert "SECRETVALUE" not in result.stdout + result.stderr


def test_a_teams_notify_url_outside_the_policy_is_named_without_its_signature(
    samrad: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMRAD_TEAMS_ENABLED", "true")
    monkeypatch.setenv("SAMRAD_TEAMS_NOTIFY_URL", "https://evil.example/hook?sig=SECRETSIGNATURE")
    get_settings.cache_clear()
    result = samrad("doctor")
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith("problem  settings: SAMRAD_TEAMS_NOTIFY_URL: ")
    assert "SECRETSIGNATURE" not in result.stdout + result.stderr


def test_teams_with_an_allowed_notify_url_is_ok_without_posting(migrated: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMRAD_TEAMS_ENABLED", "true")
    monkeypatch.setenv("SAMRAD_TEAMS_NOTIFY_URL", "https://prod-01.westeurope.logic.azure.com/workflows/x?sig=SIG123456")
    get_settings.cache_clear()
    result = migrated("doctor")
    assert level(result, "Teams") == "ok" and result.exit_code == 0
    assert "SIG123456" not in result.stdout


def test_the_teams_probe_applies_the_url_policy() -> None:
    # Settings refuse such a URL when they load; the probe checks it again should settings be built otherwise.
    settings = Settings.model_construct(teams_enabled=True, teams_notify_url="http://127.0.0.1/hook",
                                        teams_webhook_hosts=(".logic.azure.com",))
    teams = entry("teams")
    assert teams is not None
    probed = asyncio.run(teams.probe(settings))
    assert probed.problems and probed.problems[0].startswith("SAMRAD_TEAMS_NOTIFY_URL: ")


# --- Telegram ------------------------------------------------------------------------------------------


@pytest.fixture
def on_telegram(migrated: Run, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("SAMRAD_TELEGRAM_TOKEN", telegram.token)
    monkeypatch.setenv("SAMRAD_TELEGRAM_API_URL", telegram.url)
    monkeypatch.setenv("SAMRAD_TELEGRAM_WEBHOOK_SECRET", "a-webhook-secret")
    get_settings.cache_clear()
    return migrated


def test_telegram_with_a_good_token_and_its_webhook_set_is_ok(on_telegram: Run, telegram: FakeTelegram) -> None:
    assert on_telegram("telegram", "set-webhook").exit_code == 0
    result = on_telegram("doctor")
    assert lines(result, "Telegram") == [f"ok       Telegram: @{telegram.username}, webhook {WEBHOOK}"]
    assert result.exit_code == 0
    assert telegram.calls_to("getMe") and telegram.calls_to("getWebhookInfo")
    assert not telegram.calls_to("sendMessage")


def test_a_wrong_telegram_token_is_one_line_without_the_token(
    on_telegram: Run, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMRAD_TELEGRAM_TOKEN", "4242:a-wrong-token-abcdef")
    get_settings.cache_clear()
    result = on_telegram("doctor")
    assert result.exit_code == 1
    [line] = lines(result, "Telegram")
    assert line.startswith("problem  Telegram: Telegram refused the token") and "SAMRAD_TELEGRAM_TOKEN" in line
    assert "a-wrong-token-abcdef" not in result.stdout + result.stderr


def test_a_telegram_webhook_set_elsewhere_or_not_at_all_is_a_problem(
    on_telegram: Run, telegram: FakeTelegram
) -> None:
    result = on_telegram("doctor")
    assert result.exit_code == 1
    assert "no webhook is set" in lines(result, "Telegram")[0]
    telegram.webhook_url = "https://old-server.example/webhooks/telegram"
    result = on_telegram("doctor")
    assert result.exit_code == 1
    [line] = lines(result, "Telegram")
    assert "the webhook is https://old-server.example/webhooks/telegram, not " + WEBHOOK in line
    assert line.endswith("run samrad telegram set-webhook")


def test_telegrams_last_webhook_error_is_reported(on_telegram: Run, telegram: FakeTelegram) -> None:
    telegram.webhook_url = WEBHOOK
    telegram.webhook_last_error = "Wrong response from the webhook: 502 Bad Gateway"
    result = on_telegram("doctor")
    assert result.exit_code == 1
    assert "last delivery to the webhook failed" in lines(result, "Telegram")[0]
    assert "502 Bad Gateway" in lines(result, "Telegram")[0]


def test_in_polling_mode_a_webhook_set_is_a_problem(
    on_telegram: Run, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMRAD_TELEGRAM_MODE", "polling")
    get_settings.cache_clear()
    assert level(on_telegram("doctor"), "Telegram") == "ok"
    telegram.webhook_url = WEBHOOK
    result = on_telegram("doctor")
    assert result.exit_code == 1
    assert "SAMRAD_TELEGRAM_MODE=polling" in lines(result, "Telegram")[0]


def test_an_unsafe_channel_is_named_with_its_reason(
    on_telegram: Run, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAMRAD_TELEGRAM_WEBHOOK_SECRET")
    get_settings.cache_clear()
    telegram.webhook_url = WEBHOOK
    result = on_telegram("doctor")
    assert result.exit_code == 1
    [line] = lines(result, "Telegram")
    assert line.startswith("problem  Telegram: samrad serve refuses to start: SAMRAD_TELEGRAM_WEBHOOK_SECRET is not set")


# --- Slack ---------------------------------------------------------------------------------------------


@pytest.fixture
def on_slack(migrated: Run, slack_api: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("SAMRAD_SLACK_BOT_TOKEN", slack_api.token)
    monkeypatch.setenv("SAMRAD_SLACK_SIGNING_SECRET", slack_api.signing_secret)
    monkeypatch.setenv("SAMRAD_SLACK_API_URL", slack_api.api_url)
    get_settings.cache_clear()
    return migrated


def test_slack_with_a_good_token_is_ok(on_slack: Run, slack_api: FakeSlack) -> None:
    result = on_slack("doctor")
    assert level(result, "Slack") == "ok" and result.exit_code == 0, result.stdout
    assert slack_api.calls_to("auth.test")


def test_a_wrong_slack_token_is_invalid_auth_without_the_token(
    on_slack: Run, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SAMRAD_SLACK_BOT_TOKEN", "xoxb-a-wrong-slack-token")
    get_settings.cache_clear()
    result = on_slack("doctor")
    assert result.exit_code == 1
    [line] = lines(result, "Slack")
    assert line.startswith("problem  Slack: Slack refused the bot token") and "invalid_auth" in line
    assert "xoxb-a-wrong-slack-token" not in result.stdout + result.stderr
    assert result.stderr == ""
    assert caplog.records == []  # not the adapter's warning as well (on stderr): the finding says it


@pytest.mark.parametrize("code", ["token_revoked", "account_inactive"])
def test_an_uninstalled_slack_app_is_named_as_such(on_slack: Run, slack_api: FakeSlack, code: str) -> None:
    slack_api.fail_next("auth.test", code)
    result = on_slack("doctor")
    assert result.exit_code == 1
    [line] = lines(result, "Slack")
    assert line.startswith("problem  Slack: the Slack app was uninstalled or its token revoked")
    assert f"auth.test: {code}" in line and "reinstall the app" in line


# --- e-mail --------------------------------------------------------------------------------------------


@pytest.fixture
def smtp_login() -> Iterator[SmtpServer]:
    server = SmtpServer(login=("samrad", "right-password"))
    server.start()
    yield server
    server.stop()


def on_email(run: Run, monkeypatch: pytest.MonkeyPatch, url: str) -> Result:
    monkeypatch.setenv("SAMRAD_SMTP_URL", url)
    monkeypatch.setenv("SAMRAD_MAIL_FROM", "Danderyds kommun <samrad@danderyd.example>")
    get_settings.cache_clear()
    return run("doctor")


def test_email_logs_in_and_sends_nothing(migrated: Run, smtp_login: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    result = on_email(migrated, monkeypatch, f"smtp://samrad:right-password@127.0.0.1:{smtp_login.port}")
    assert lines(result, "e-mail") == [f"ok       e-mail: 127.0.0.1:{smtp_login.port}, logged in"]
    assert result.exit_code == 0
    assert smtp_login.authenticator is not None and smtp_login.authenticator.attempts == 1
    assert smtp_login.received == []


def test_a_wrong_smtp_password_is_one_line_without_it(
    migrated: Run, smtp_login: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = on_email(migrated, monkeypatch, f"smtp://samrad:wrong-password@127.0.0.1:{smtp_login.port}")
    assert result.exit_code == 1
    [line] = lines(result, "e-mail")
    assert line.startswith("problem  e-mail: the SMTP server 127.0.0.1:") and "refused the user and password" in line
    assert "wrong-password" not in result.stdout + result.stderr


def test_an_smtp_port_nobody_listens_on(migrated: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    result = on_email(migrated, monkeypatch, f"smtp://samrad:pw-secret@127.0.0.1:{free_port()}")
    assert result.exit_code == 1
    [line] = lines(result, "e-mail")
    assert line.startswith("problem  e-mail: cannot connect to the SMTP server 127.0.0.1:")
    assert "pw-secret" not in result.stdout


def test_a_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'none.db'}",  # type: ignore[call-arg]
                            smtp_url=f"smtp://127.0.0.1:{port}", mail_from="samrad@danderyd.example")
        findings = doctor.check(settings, timeout=0.5)
    [email] = [f for f in findings if f.part == "e-mail"]
    assert (email.level, email.text) == ("problem", "no answer within 0.5 seconds")


def test_a_secret_a_server_repeats_is_masked(on_telegram: Run, telegram: FakeTelegram) -> None:
    telegram.webhook_url = WEBHOOK
    telegram.webhook_last_error = f"Wrong response from https://x.example/bot{telegram.token}/"
    result = on_telegram("doctor")
    [line] = lines(result, "Telegram")
    assert telegram.token.partition(":")[2] not in result.stdout
    assert "https://x.example/bot•••/" in line


def test_a_malformed_smtp_url_is_named_without_its_password(migrated: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    result = on_email(migrated, monkeypatch, "mailto://samrad:pw-in-url@127.0.0.1:25")
    assert result.exit_code == 1
    assert lines(result, "e-mail") == [
        "problem  e-mail: SAMRAD_SMTP_URL: write smtp://user:password@host:587 or smtps://user:password@host:465"
    ]
    assert "pw-in-url" not in result.stdout

"""The command line's Slack parts: linking an official's account to their Slack user, and the Slack
columns of the invitation list (the app's direct-message link and what to type there)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.settings import get_settings
from storage.db import make_engine
from storage.tables import audit_log_table, users_table
from tests import scenario
from tests.bot.cli.test_cli import Run, write
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def with_official(samrad: Run) -> Run:
    assert samrad("db", "upgrade").exit_code == 0
    added = samrad("user", "add", "karin@danderyd.example", "--role", "official", input="ett långt lösenord\n")
    assert added.exit_code == 0
    return samrad


def linked(tmp_path: Path) -> dict[str, str | None]:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as conn:
        rows = conn.execute(sa.select(users_table.c.email, users_table.c.slack_user_id)).all()
        actions = list(conn.execute(sa.select(audit_log_table.c.action)).scalars())
    engine.dispose()
    assert actions.count("user.link_slack") >= 1
    return dict(rows)  # type: ignore[arg-type]


def test_an_official_is_linked_to_their_slack_user_and_unlinked(with_official: Run, tmp_path: Path) -> None:
    done = with_official("user", "link-slack", "Karin@Danderyd.example", "U012AB3CD")
    assert done.exit_code == 0
    assert done.stdout.strip() == "karin@danderyd.example is linked to Slack user U012AB3CD: /samrad status answers them in Slack"
    assert linked(tmp_path) == {"karin@danderyd.example": "U012AB3CD"}
    undone = with_official("user", "link-slack", "karin@danderyd.example", "--unlink")
    assert undone.stdout.strip() == "karin@danderyd.example is no longer linked to a Slack user"
    assert linked(tmp_path) == {"karin@danderyd.example": None}


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("nobody@danderyd.example", "U012AB3CD"), "there is no account for 'nobody@danderyd.example'"),
        (("karin@danderyd.example", "karin"), "'karin' is not a Slack user id (like U012AB3CD"),
        (("karin@danderyd.example", "U012AB3CD", "--unlink"), "give the Slack user id (like U012AB3CD), or --unlink"),
        (("karin@danderyd.example",), "give the Slack user id (like U012AB3CD), or --unlink"),
    ],
)
def test_a_wrong_link_is_one_plain_line(with_official: Run, args: tuple[str, ...], error: str) -> None:
    result = with_official("user", "link-slack", *args)
    assert result.exit_code == 1
    assert error in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_slack_user_belongs_to_one_account(with_official: Run) -> None:
    with_official("user", "add", "per@danderyd.example", input="ett annat långt lösenord\n")
    assert with_official("user", "link-slack", "karin@danderyd.example", "U012AB3CD").exit_code == 0
    taken = with_official("user", "link-slack", "per@danderyd.example", "U012AB3CD")
    assert taken.exit_code == 1 and "already linked to karin@danderyd.example" in taken.stderr


def _opened(samrad: Run, tmp_path: Path) -> str:
    assert samrad("db", "upgrade").exit_code == 0
    samrad("business", "import", write(tmp_path, "b.csv", scenario.BUSINESSES_CSV))
    closes = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    created = samrad("consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes)))
    consultation_id = created.stdout.strip().splitlines()[-1]
    samrad("consultation", "open", consultation_id)
    return consultation_id


def test_the_invitation_list_has_the_slack_link_and_command(
    samrad: Run, tmp_path: Path, slack_api: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    consultation_id = _opened(samrad, tmp_path)
    monkeypatch.setenv("SAMRAD_SLACK_BOT_TOKEN", slack_api.token)
    monkeypatch.setenv("SAMRAD_SLACK_SIGNING_SECRET", slack_api.signing_secret)
    monkeypatch.setenv("SAMRAD_SLACK_API_URL", slack_api.api_url)
    get_settings.cache_clear()
    rows = list(csv.DictReader(io.StringIO(samrad("consultation", "invites", consultation_id).stdout)))
    assert len(rows) == 3
    assert {row["slack_link"] for row in rows} == {"https://slack.com/app_redirect?app=A0SAMRAD1&team=T0SAMRAD1"}
    assert all(row["slack_command"] == f"/samrad {row['chat_code']}" for row in rows)

    # Set in the settings, the workspace is not asked; unknown, the column is left empty.
    monkeypatch.setenv("SAMRAD_SLACK_APP_ID", "A0OTHER22")
    monkeypatch.setenv("SAMRAD_SLACK_TEAM_ID", "T0OTHER22")
    get_settings.cache_clear()
    slack_api.calls.clear()
    rows = list(csv.DictReader(io.StringIO(samrad("consultation", "invites", consultation_id).stdout)))
    assert rows[0]["slack_link"] == "https://slack.com/app_redirect?app=A0OTHER22&team=T0OTHER22"
    assert slack_api.calls == []
    monkeypatch.delenv("SAMRAD_SLACK_APP_ID")
    get_settings.cache_clear()
    slack_api.fail_next("bots.info", "missing_scope")
    rows = list(csv.DictReader(io.StringIO(samrad("consultation", "invites", consultation_id).stdout)))
    assert rows[0]["slack_link"] == "" and rows[0]["slack_command"].startswith("/samrad ")


def test_without_slack_the_columns_are_empty(samrad: Run, tmp_path: Path) -> None:
    consultation_id = _opened(samrad, tmp_path)
    rows = list(csv.DictReader(io.StringIO(samrad("consultation", "invites", consultation_id).stdout)))
    assert [(row["slack_link"], row["slack_command"]) for row in rows] == [("", "")] * 3

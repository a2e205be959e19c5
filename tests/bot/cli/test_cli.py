"""The `samrad` command as an official uses it: files in, one-line errors, ids on the last line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app as cli_app
from bot.settings import get_settings
from tests import scenario

Run = Callable[..., "Result"]


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr


@pytest.fixture
def samrad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `samrad …` in-process against a fresh SQLite file database."""
    monkeypatch.setenv("SAMRAD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAMRAD_SECRET_KEY", "cli-secret")
    monkeypatch.setenv("SAMRAD_PUBLIC_URL", "https://samrad.example")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(cli_app, list(args), input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, result.stderr)

    yield run  # type: ignore[misc]
    get_settings.cache_clear()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def closes() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=14)


def test_an_official_runs_a_consultation_from_the_command_line(samrad: Run, tmp_path: Path) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    imported = samrad("business", "import", write(tmp_path, "b.csv", scenario.BUSINESSES_CSV))
    assert imported.exit_code == 0
    assert "businesses: 3 created" in imported.stdout
    again = samrad("business", "import", str(tmp_path / "b.csv"))
    assert "businesses: 0 created, 0 updated; contacts: 0 created, 0 updated" in again.stdout

    created = samrad(
        "consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes()))
    )
    assert created.exit_code == 0
    consultation_id = created.stdout.strip().splitlines()[-1]
    assert consultation_id == "1"

    listed = samrad("consultation", "list").stdout
    assert "draft" in listed and "audience    3" in listed
    draft = samrad("consultation", "show", consultation_id).stdout
    assert "audience:      3 (contacts opening it now would invite)" in draft
    assert "reachable:     web link only 3" in draft
    assert "3 of them have e-mail, which is switched off here; set SAMRAD_SMTP_URL and SAMRAD_MAIL_FROM" in draft
    opened = samrad("consultation", "open", consultation_id).stdout
    assert "invited" not in opened and "nothing has been sent yet" in opened
    assert f"send the invitations with: samrad consultation broadcast {consultation_id}" in opened
    shown = samrad("consultation", "show", consultation_id).stdout
    assert "audience:      3" in shown and "status:        open" in shown

    invites = list(csv.DictReader(io.StringIO(samrad("consultation", "invites", consultation_id).stdout)))
    assert len(invites) == 3
    assert all(row["web_link"].startswith("https://samrad.example/c/") for row in invites)
    assert all(len(row["chat_code"]) >= 20 for row in invites)

    exported = samrad("consultation", "export", consultation_id, "--format", "csv", "-o", "svar.csv")
    assert exported.exit_code == 0
    assert len(list(csv.DictReader(io.StringIO((tmp_path / "svar.csv").read_text(encoding="utf-8"))))) == 3
    document = json.loads(samrad("consultation", "export", consultation_id, "--format", "json").stdout)
    assert len(document["responses"]) == 3

    assert "is closed" in samrad("consultation", "close", consultation_id).stdout
    added = samrad(
        "user", "add", "handlaggare@danderyd.example", "--role", "official", input="ett långt lösenord\n"
    )
    assert "created official account" in added.stdout
    revoked = samrad("contact", "revoke-links", invites[1]["contact_id"])
    assert revoked.exit_code == 0 and "revoked the links of contact" in revoked.stdout
    renewed = list(csv.DictReader(io.StringIO(samrad("consultation", "invites", consultation_id).stdout)))
    assert renewed[1]["chat_code"] != invites[1]["chat_code"] and renewed[2]["chat_code"] == invites[2]["chat_code"]
    assert "erased" in samrad("contact", "erase", invites[0]["contact_id"]).stdout


def test_contact_export_prints_the_contact_s_data_as_json(samrad: Run, tmp_path: Path) -> None:
    samrad("db", "upgrade")
    samrad("business", "import", write(tmp_path, "b.csv", scenario.BUSINESSES_CSV))
    samrad("consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes())))
    samrad("consultation", "open", "1")
    samrad("chat", "--consultation", "1", "--contact", "2", input="nej\n")
    exported = samrad("contact", "export", "2")
    assert exported.exit_code == 0
    data = json.loads(exported.stdout)
    assert (data["name"], data["email"], data["language"]) == ("Bo Ek", "bo@bageri.example", "en")
    [consultation] = data["consultations"]
    assert [(a["question_id"], a["value"], a["channel"]) for a in consultation["answers"]] == [
        ("affected", False, "console")]
    assert "Anna Ek" not in exported.stdout


def test_creating_the_same_file_twice_names_the_consultation_that_exists(samrad: Run, tmp_path: Path) -> None:
    samrad("db", "upgrade")
    path = write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes()))
    assert samrad("consultation", "create", path).exit_code == 0
    twice = samrad("consultation", "create", path)
    assert twice.exit_code == 1
    assert "case KS 2025/0042 already has this consultation: 1 (draft)" in twice.stderr and "--again" in twice.stderr
    assert samrad("consultation", "list").stdout.count("KS 2025/0042") == 1
    again = samrad("consultation", "create", path, "--again")
    assert again.exit_code == 0 and again.stdout.strip().splitlines()[-1] == "2"


def test_the_terminal_chat_answers_as_a_demo_contact(samrad: Run, tmp_path: Path) -> None:
    samrad("db", "upgrade")
    samrad("business", "import", write(tmp_path, "b.csv", scenario.BUSINESSES_CSV))
    samrad("consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes())))
    samrad("consultation", "open", "1")
    chat = samrad("chat", "--consultation", "1", input="nej\n2\n12\nhoppa över\nhoppa över\nja\n")
    assert "Påverkas ert företag av ombyggnaden?" in chat.stdout
    assert "Tack! Dina svar är inskickade." in chat.stdout
    rows = list(csv.DictReader(io.StringIO(samrad("consultation", "export", "1").stdout)))
    answered = [row for row in rows if row["status"] != "invited"]
    assert [(r["contact_name"], r["channel"], r["status"]) for r in answered] == [("Anna Ek", "console", "complete")]
    assert (answered[0]["affected"], answered[0]["best_time"], answered[0]["staff"]) == ("no", "daytime", "12")


def test_the_terminal_chat_says_whom_it_answers_as_shows_the_earlier_answer_and_how_to_leave(
    samrad: Run, tmp_path: Path
) -> None:
    samrad("db", "upgrade")
    samrad("business", "import", write(tmp_path, "b.csv", scenario.BUSINESSES_CSV))
    samrad("consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes())))
    samrad("consultation", "open", "1")
    chat = samrad("chat", "--consultation", "1", "--contact", "2", input="nej\n2\ntillbaka\navsluta\nnej\n")
    assert chat.exit_code == 0
    assert "Du svarar som Bo Ek (Mörby Bageri AB), kontakt 2" in chat.stdout
    assert "Avsluta med avsluta eller Ctrl+D" in chat.stdout
    back = chat.stdout.split("> ")[3]  # after "tillbaka": the earlier question, with Bo's answer (English)
    assert "When does the work disturb you least?" in back and "   → Daytime" in back
    assert chat.stdout.count("> ") == 4  # "avsluta" left; the last line was never read


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        (("business", "import", "missing.csv"), {}, "missing.csv: no such file"),
        (
            ("business", "import", "b.csv"),
            {"b.csv": "org_number,name\n556016-0681,X\n"},
            "line 2, column org_number: organisation number '556016-0681' has a wrong check digit",
        ),
        (("business", "import", "b.csv"), {"b.csv": "org_number,name,fax\n"}, "unknown column(s) fax"),
        (("consultation", "create", "c.yaml"), {"c.yaml": "case: [\n"}, "c.yaml, line 2: not valid YAML"),
        (
            ("consultation", "create", "c.yaml"),
            {"c.yaml": "case: {reference: x}\n"},
            "case.title: required, but missing",
        ),
        (("consultation", "show", "7"), {}, "there is no consultation 7"),
        (("consultation", "open", "7"), {}, "there is no consultation 7"),
        (("consultation", "export", "7", "--format", "pdf"), {}, "unknown format 'pdf'"),
        (("consultation", "invites", "7"), {}, "there is no consultation 7"),
        (("chat", "--consultation", "7"), {}, "there is no consultation 7"),
        (("contact", "erase", "7"), {}, "there is no contact 7"),
        (("contact", "export", "7"), {}, "there is no contact 7"),
        (("contact", "revoke-links", "7"), {}, "there is no contact 7"),
        (("contact", "revoke-links", "99999999999999999999"), {}, "there is no contact 99999999999999999999"),
        (("consultation", "template", "parade", "early"), {}, "parade"),
    ],
)
def test_user_errors_are_one_line_on_stderr_with_exit_code_1(
    samrad: Run, tmp_path: Path, args: tuple[str, ...], files: dict[str, str], message: str
) -> None:
    samrad("db", "upgrade")
    for name, text in files.items():
        write(tmp_path, name, text)
    result = samrad(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.startswith("samrad: ")
    assert "Traceback" not in result.stderr


def test_a_short_password_or_bad_role_is_refused(samrad: Run) -> None:
    samrad("db", "upgrade")
    assert "at least 10 characters" in samrad("user", "add", "a@b.example", input="kort\n").stderr
    assert (
        "role must be one of"
        in samrad("user", "add", "a@b.example", "--role", "boss", input="x" * 12 + "\n").stderr
    )
    samrad("user", "add", "a@b.example", input="x" * 12 + "\n")
    assert "already an account" in samrad("user", "add", "A@b.example", input="x" * 12 + "\n").stderr


def test_commands_refuse_a_database_that_is_not_migrated(samrad: Run) -> None:
    result = samrad("consultation", "list")
    assert result.exit_code == 1
    assert "samrad db upgrade" in result.stderr


def test_the_installed_command_explains_itself_and_fails_without_a_traceback(tmp_path: Path) -> None:
    env = {"SAMRAD_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "bot.cli"]
    helped = subprocess.run(
        [*command, "consultation", "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert helped.returncode == 0 and "export" in helped.stdout
    failed = subprocess.run(
        [*command, "business", "import", "nope.csv"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert failed.returncode == 1
    assert failed.stderr.strip().count("\n") == 0


def test_an_official_starts_from_the_dialogue_models_template(samrad: Run, tmp_path: Path) -> None:
    samrad("db", "upgrade")
    model = samrad("consultation", "types").stdout
    assert "traffic" in model and "early" in model and "dialogue" in model
    template = samrad(
        "consultation",
        "template",
        "traffic",
        "early",
        "--reference",
        "KS 2025/0101",
        "--title",
        "Ny cykelväg",
    )
    assert template.exit_code == 0
    created = samrad("consultation", "create", write(tmp_path, "t.yaml", template.stdout))
    assert created.exit_code == 0, created.stderr
    assert created.stdout.strip().splitlines()[-1].isdigit()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SAMRAD_RATE_LIMIT_API", "lots", "samrad: bad setting: SAMRAD_RATE_LIMIT_API: 'lots' is not a rate limit"),
        ("SAMRAD_LINK_MAX_AGE_DAYS", "0", "samrad: bad setting: SAMRAD_LINK_MAX_AGE_DAYS: Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_setting_is_one_line_on_stderr(
    samrad: Run, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    samrad("db", "upgrade")
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    result = samrad("outbox", "status")
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1

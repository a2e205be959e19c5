"""What an official meets on first use: where the database is, and the demo started over."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot.cli.app import app as cli_app
from bot.settings import get_settings
from storage.tables import consultations_table, dialogues_table


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No SAMRAD_DATABASE_URL: the default database, in the data directory."""
    folder = tmp_path / "data"
    monkeypatch.delenv("SAMRAD_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAMRAD_DATA_DIR", str(folder))
    monkeypatch.setenv("SAMRAD_SECRET_KEY", "first-use")
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def run(*args: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli_app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_missing_database_is_reported_as_missing_and_never_created_by_a_read(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, _, stderr = run("consultation", "list", cwd=elsewhere, monkeypatch=monkeypatch)

    database = data_dir.resolve() / "samrad.db"
    assert code == 1
    assert stderr.strip() == f"samrad: there is no database at {database}; create it with: samrad db upgrade"
    assert list(elsewhere.iterdir()) == [] and not data_dir.exists()


def test_every_folder_finds_the_same_database(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    code, stdout, _ = run("db", "upgrade", cwd=one, monkeypatch=monkeypatch)
    assert code == 0 and str(data_dir.resolve() / "samrad.db") in stdout
    code, stdout, stderr = run("consultation", "list", cwd=two, monkeypatch=monkeypatch)
    assert (code, stdout.strip()) == (0, "no consultations yet"), stderr
    assert list(one.iterdir()) == [] and list(two.iterdir()) == []


def test_an_empty_database_file_is_called_empty(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir.mkdir()
    (data_dir / "samrad.db").touch()
    code, _, stderr = run("consultation", "list", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1 and "is empty; set it up with: samrad db upgrade" in stderr


def demo_lines(cwd: Path, *extra: str) -> list[str]:
    """`.venv/bin/samrad demo --no-serve` as `make demo` starts it (the command's own path)."""
    samrad = Path(sys.executable).parent / "samrad"
    done = subprocess.run(
        [str(samrad), "demo", "--no-serve", *extra], capture_output=True, text=True, cwd=cwd, check=True,
        timeout=120,
    )
    return done.stdout.splitlines()


def test_the_demo_prints_its_database_how_to_get_the_command_and_starts_over_with_reset(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = demo_lines(tmp_path)
    text = "\n".join(lines)
    assert str(data_dir.resolve() / "samrad.db") in lines[0]
    bin_dir = Path(sys.executable).parent
    assert f"source {bin_dir}/activate" in text
    assert f"{bin_dir}/samrad demo --reset" in text
    (link,) = re.findall(r"Answer as a demo business:\s+(\S+)", text)

    # Someone answers with that link (declines): the next run offers a link nobody has answered.
    monkeypatch.setenv("SAMRAD_PUBLIC_URL", "http://127.0.0.1:8000")
    from bot.bootstrap import build
    from bot.links import read_answer_token
    from bot.services.dialogues import load_consultation, load_contact
    from conversations.messages import CommandIn

    get_settings.cache_clear()
    app = build(get_settings())
    token = link.rsplit("/", 1)[1]
    named = read_answer_token(app.secret_key, token, now=app.clock(), max_age=dt.timedelta(days=1))
    assert named is not None
    with app.engine.begin() as conn:
        contact, consultation = load_contact(conn, named.contact_id), load_consultation(conn, named.consultation_id)
        assert contact is not None and consultation is not None
        app.dialogues.answer(conn, contact, consultation, CommandIn("decline"), channel="web", now=app.clock())
    app.engine.dispose()

    again = "\n".join(demo_lines(tmp_path))
    (second,) = re.findall(r"Answer as a demo business:\s+(\S+)", again)
    assert second != link and "found 40 businesses" in again

    reset = "\n".join(demo_lines(tmp_path, "--reset"))
    (fresh,) = re.findall(r"Answer as a demo business:\s+(\S+)", reset)
    app = build(get_settings())
    # The first contact's link again (links carry when they were made, so the text itself differs).
    again_named = read_answer_token(app.secret_key, fresh.rsplit("/", 1)[1], now=app.clock(), max_age=dt.timedelta(days=1))
    assert again_named is not None and again_named.contact_id == named.contact_id
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dialogues_table)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(consultations_table)).scalar_one() == 1
    app.engine.dispose()

"""`samrad consultation feedback`: a preview of what goes to whom, --publish sends it once, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.bootstrap import build
from bot.settings import get_settings
from storage.tables import outbox_table
from tests.bot.cli.test_cli import Run, write
from tests.bot.services.feedback_support import closed_consultation


@pytest.fixture
def closed(samrad: Run, monkeypatch: pytest.MonkeyPatch) -> tuple[Run, int]:
    """A closed consultation in the CLI's database, with e-mail switched on (nothing is sent here)."""
    monkeypatch.setenv("SAMRAD_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("SAMRAD_MAIL_FROM", "samrad@danderyd.example")
    assert samrad("db", "upgrade").exit_code == 0
    get_settings.cache_clear()
    app = build(get_settings())
    consultation = closed_consultation(app)
    app.engine.dispose()
    return samrad, consultation.consultation_id


def queued(database: Path) -> list[tuple[int, str]]:
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox_table.c.contact_id, outbox_table.c.channel).where(outbox_table.c.kind == "feedback")
        ).all()
    engine.dispose()
    return [(row.contact_id, row.channel) for row in rows]


def test_a_preview_says_what_goes_to_whom_and_publish_sends_it_once(closed: tuple[Run, int], tmp_path: Path) -> None:
    samrad, consultation_id = closed
    sv = write(tmp_path, "sv.txt", "Vi flyttade lastzonen till Golfvägen.\n")
    en = write(tmp_path, "en.txt", "We moved the loading zone to Golfvägen.\n")

    preview = samrad("consultation", "feedback", str(consultation_id), "--file", sv, "--file-en", en)
    assert preview.exit_code == 0, preview.stderr
    lines = preview.stdout.splitlines()
    assert lines[:4] == [
        f"feedback for consultation {consultation_id} goes to 3 participants",
        "  email: 2",
        "  web: 1 (shown on their web answer page)",
        "not sent to: 1 opted out, 1 erased, 1 unreachable",
    ]
    assert "--- in Swedish (2 participants) ---" in lines and "--- in English (1 participants) ---" in lines
    assert "Subject: Feedback: Traffic during the construction in Mörby centrum" in lines
    assert "We moved the loading zone to Golfvägen." in lines
    assert [line for line in lines if line.startswith("  contact ")] == [
        "  contact 1: email, Swedish", "  contact 2: email, English", "  contact 3: web, Swedish",
    ]  # Dan's Telegram is off here: his e-mail it is
    assert lines[-1] == "nothing sent: run again with --publish to send it"
    assert queued(tmp_path / "cli.db") == []

    published = samrad("consultation", "feedback", str(consultation_id), "--publish")  # the preview stored nothing
    assert published.exit_code == 1
    assert published.stderr == f"samrad: consultation {consultation_id} has no feedback yet: give its text with --file\n"

    published = samrad("consultation", "feedback", str(consultation_id), "--file", sv, "--file-en", en, "--publish")
    assert published.stdout.splitlines()[-1] == "published: 2 messages queued; 1 shown on the web answer page"
    again = samrad("consultation", "feedback", str(consultation_id), "--publish")
    assert again.stdout.splitlines()[-1] == (
        f"the feedback for consultation {consultation_id} was already published: nothing more sent"
    )
    assert sorted(queued(tmp_path / "cli.db")) == [(1, "email"), (2, "email")]
    other = write(tmp_path, "other.txt", "Något annat.")
    changed = samrad("consultation", "feedback", str(consultation_id), "--file", other, "--publish")
    assert changed.exit_code == 1 and "is published and can no longer be changed" in changed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--file", "missing.txt"], "samrad: missing.txt: no such file\n"),
        (["--file-en", "en.txt"], "samrad: --file-en needs --file (the Swedish text)\n"),
        (["--file", "empty.txt"], "samrad: write the feedback in Swedish (the English text is optional)\n"),
    ],
)
def test_mistakes_are_one_line_and_send_nothing(
    closed: tuple[Run, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    samrad, consultation_id = closed
    write(tmp_path, "empty.txt", "  \n")
    write(tmp_path, "en.txt", "Hello")
    result = samrad("consultation", "feedback", str(consultation_id), *args, "--publish")
    assert (result.exit_code, result.stderr) == (1, message)
    assert samrad("consultation", "feedback", "99", "--file", "en.txt").stderr == "samrad: there is no consultation 99\n"
    assert queued(tmp_path / "cli.db") == []

"""`samrad consultation broadcast`, `consultation close` and `samrad outbox …` as an official uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import make_engine
from storage.tables import outbox_table
from tests import scenario
from tests.bot.cli.test_cli import Run, closes, samrad, write

__all__ = ["samrad"]  # the fixture, shared with test_cli


@pytest.fixture
def official(samrad: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """A migrated database with the test municipality and its consultation 1, open; e-mail switched on
    (nothing is sent: only `samrad serve` sends)."""
    monkeypatch.setenv("SAMRAD_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("SAMRAD_MAIL_FROM", "samrad@danderyd.example")
    assert samrad("db", "upgrade").exit_code == 0
    assert samrad("business", "import", write(tmp_path, "b.csv", scenario.BUSINESSES_CSV)).exit_code == 0
    created = samrad("consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes())))
    assert created.stdout.splitlines()[-1] == "1"
    assert samrad("consultation", "open", "1").exit_code == 0
    return samrad


def test_broadcast_prints_what_was_queued_and_queues_nothing_twice(official: Run) -> None:
    first = official("consultation", "broadcast", "1")
    assert first.exit_code == 0
    assert first.stdout.splitlines()[:2] == [
        "consultation 1: audience 3, 3 invitations queued",
        "  email           3 queued",
    ]
    assert "  reminders       6 planned" in first.stdout
    again = official("consultation", "broadcast", "1")
    assert again.stdout.splitlines()[0] == "consultation 1: audience 3, 0 invitations queued"
    assert "not sent: 3 already invited" in again.stdout

    status = official("outbox", "status")
    assert status.stdout.splitlines() == [
        "channel    status      rows",
        "email      pending        3",
    ]


def test_broadcast_refuses_what_it_cannot_do_in_one_line(official: Run) -> None:
    missing = official("consultation", "broadcast", "7")
    assert (missing.exit_code, missing.stderr) == (1, "samrad: there is no consultation 7\n")
    assert official("consultation", "close", "1").stdout.startswith("consultation 1 is closed; reminders stopped")
    closed = official("consultation", "broadcast", "1")
    assert (closed.exit_code, closed.stderr) == (1, "samrad: consultation 1 is closed, not open\n")


def test_failed_deliveries_are_listed_for_officials(official: Run, tmp_path: Path) -> None:
    official("consultation", "broadcast", "1")
    assert official("outbox", "failed").stdout == "no failed deliveries\n"
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.begin() as conn:
        conn.execute(
            outbox_table.update()
            .where(outbox_table.c.address == "bo@bageri.example")
            .values(status="failed", attempts=8, last_error="gave up after 8 tries: SMTP 451")
        )
    engine.dispose()
    listed = official("outbox", "failed", "--consultation", "1").stdout
    assert "email    invitation" in listed and "tries 8  gave up after 8 tries: SMTP 451" in listed
    assert "not delivered: 1" in official("consultation", "show", "1").stdout

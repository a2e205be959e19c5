"""`samrad retention [--dry-run]`: what would go per case and kind, then what went; bad settings in one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.settings import get_settings
from storage.db import make_engine
from storage.tables import audit_log_table, consultations_table, contacts_table
from tests import scenario
from tests.bot.cli.test_cli import Run, write


def _closed_days_ago(tmp_path: Path, days: float) -> None:
    """The CLI runs on the real clock: move the consultation's closing back instead."""
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.begin() as conn:
        conn.execute(consultations_table.update().values(
            closed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days)))
    engine.dispose()


def test_retention_shows_then_erases_what_is_due(samrad: Run, tmp_path: Path) -> None:
    samrad("db", "upgrade")
    samrad("business", "import", write(tmp_path, "b.csv", scenario.BUSINESSES_CSV))
    closes = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    samrad("consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes)))
    samrad("consultation", "open", "1")
    assert samrad("retention", "--dry-run").stdout.strip() == "nothing is due for erasure or de-identification"
    samrad("consultation", "close", "1")
    _closed_days_ago(tmp_path, 89.5)
    assert samrad("retention").stdout.strip() == "nothing is due for erasure or de-identification"
    _closed_days_ago(tmp_path, 90.5)

    dry = samrad("retention", "--dry-run")
    assert (dry.exit_code, dry.stdout.strip()) == (0, "KS 2025/0042 (case 1): would erase 3 contacts")
    done = samrad("retention")
    assert (done.exit_code, done.stdout.strip()) == (0, "KS 2025/0042 (case 1): erased 3 contacts")
    assert samrad("retention").stdout.strip() == "nothing is due for erasure or de-identification"
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as conn:
        names = conn.execute(sa.select(contacts_table.c.name).order_by(contacts_table.c.id)).scalars().all()
        entry = conn.execute(sa.select(audit_log_table.c.actor, audit_log_table.c.detail)
                             .where(audit_log_table.c.action == "retention.apply")).one()
    engine.dispose()
    assert names == ["", "", "", "Dan Ro"]  # Dan's business was not invited: nothing of his is due
    assert tuple(entry) == ("cli", {"erased": 3, "unanswered_days": 90, "answered_months": 24})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"roads": {"unanswered_days": 30}}', "SAMRAD_RETENTION_CASE_TYPES: unknown case type roads (expected one of"),
        ('{"traffic": {"unanswered_days": -3}}', "SAMRAD_RETENTION_CASE_TYPES"),
        ('{"traffic": {"answered_years": 2}}', "SAMRAD_RETENTION_CASE_TYPES"),
    ],
)
def test_a_bad_retention_setting_is_one_line(
    samrad: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    samrad("db", "upgrade")
    monkeypatch.setenv("SAMRAD_RETENTION_CASE_TYPES", value)
    get_settings.cache_clear()
    result = samrad("retention", "--dry-run")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"samrad: bad setting: {expected}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

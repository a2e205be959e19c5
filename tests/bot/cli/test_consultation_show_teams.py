"""`samrad consultation show` names the businesses whose Teams webhook no longer answers, until an import
gives them a new one."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import build
from bot.settings import get_settings
from storage.outbox import mark_unreachable
from tests import scenario
from tests.bot.cli.test_cli import Run, closes, samrad, write

__all__ = ["samrad"]  # the fixture, used by name

OLD = "https://prod-00.westeurope.logic.azure.com/workflows/old/triggers/manual/paths/invoke?sig=OLDSIG"
NEW = "https://prod-00.westeurope.logic.azure.com/workflows/new/triggers/manual/paths/invoke?sig=NEWSIG"


def businesses_with(url: str) -> str:
    return scenario.BUSINESSES_CSV.replace("anna@bageri.example,08-123456,sv,,", f"anna@bageri.example,08-123456,sv,,{url}")


def test_show_lists_a_broken_webhook_until_a_new_url_is_imported(samrad: Run, tmp_path: Path) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    samrad("business", "import", write(tmp_path, "b.csv", businesses_with(OLD)))
    samrad("consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes())))
    samrad("consultation", "open", "1")
    assert "Teams webhook" not in samrad("consultation", "show", "1").stdout

    app = build(get_settings())
    with app.engine.begin() as conn:  # what the outbox worker records when the URL answers 404
        mark_unreachable(conn, contact_id=1, channel="teams", reason="webhook broken (HTTP 404)", now=app.clock())
    app.engine.dispose()
    shown = samrad("consultation", "show", "1").stdout
    assert "Teams webhook no longer answers: 1 (import a new teams_webhook_url to fix)" in shown
    assert "Mörby Bageri AB (contact 1), since " in shown and "OLDSIG" not in shown

    samrad("business", "import", write(tmp_path, "b2.csv", businesses_with(NEW)))
    assert "Teams webhook" not in samrad("consultation", "show", "1").stdout

"""`samrad retention`: personal data past its retention period is erased or de-identified."""

from __future__ import annotations

from bot.cli.context import open_app
from bot.services import retention


def retention_run(*, dry_run: bool) -> str:
    """Erase and de-identify what the retention periods no longer allow (README, "Data protection")."""
    app = open_app()
    if dry_run:
        return retention.describe(retention.plan(app.engine, app.settings, now=app.clock()), dry_run=True)
    done = retention.apply(app.engine, app.settings, now=app.clock(), actor="cli")
    return retention.describe(done, dry_run=False)

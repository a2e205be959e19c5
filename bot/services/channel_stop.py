"""A channel the platform has withdrawn (the app uninstalled, its token revoked): its pending messages
are marked failed with the reason, so the outbox does not try them again and again; `samrad outbox
failed` lists them, to send again once the channel is set up anew."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.tables import outbox_table as outbox_t


def stop_pending(conn: Connection, *, channel: str, reason: str) -> int:
    """Mark the channel's pending rows failed with `reason`; how many there were."""
    result = conn.execute(
        sa.update(outbox_t)
        .where(outbox_t.c.channel == channel, outbox_t.c.status == "pending")
        .values(status="failed", last_error=f"the channel stopped: {reason}"[:500])
    )
    return int(result.rowcount or 0)

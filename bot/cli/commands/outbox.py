"""The outbox: `samrad outbox status` and `samrad outbox failed`."""

from __future__ import annotations

from bot.cli.context import open_app
from storage.db import deferred


def outbox_status() -> str:
    from storage import outbox as outbox_queries

    app = open_app()
    with deferred(app.engine).connect() as conn:
        counts = outbox_queries.pending_counts(conn)
    if not counts:
        return "the outbox is empty"
    lines = [f"{'channel':<10} {'status':<8} {'rows':>7}"]
    lines += [f"{channel:<10} {status:<8} {count:>7}" for channel, status, count in counts]
    off = sorted({channel for channel, status, _ in counts if status == "pending"} - set(app.channels))
    if off:
        lines.append(f"pending on channels that are switched off here: {', '.join(off)}")
    return "\n".join(lines)


def outbox_failed(*, consultation_id: int | None, limit: int) -> str:
    from bot.services.delivery_report import failed_messages

    app = open_app()
    with deferred(app.engine).connect() as conn:
        rows = failed_messages(conn, consultation_id=consultation_id, limit=limit)
    if not rows:
        return "no failed deliveries"
    return "\n".join(
        f"row {r.id}  {r.channel:<8} {r.kind:<10} contact {r.contact_id}  consultation {r.consultation_id}  "
        f"tries {r.attempts}  {r.reason}"
        for r in rows
    )

"""A `samrad serve`-like process for the crash test: broadcast a consultation, then deliver through the
outbox worker to the fake platform until nothing is left, then exit 0.

    python -m tests.fakes.outbox_process DATABASE_URL PLATFORM_URL CONSULTATION_ID

Short claims and leases (1 s), so a process started after another was killed takes over quickly.
"""

from __future__ import annotations

import asyncio
import sys

import sqlalchemy as sa

from adapters.base import RateLimits
from bot.bootstrap import build
from bot.delivery.outbox import OutboxWorker, WorkerConfig
from bot.services.broadcast import broadcast
from bot.settings import Settings
from storage.tables import outbox_table
from tests.fakes.platform import HttpChannel


async def main(database_url: str, platform_url: str, consultation_id: int) -> None:
    settings = Settings(database_url=database_url, secret_key="crash-test", _env_file=None)  # type: ignore[call-arg]
    app = build(settings)
    channel = HttpChannel(platform_url, rate_limits=RateLimits(per_second=5000, per_address_per_second=100))
    app.channels["fake"] = channel
    report = broadcast(app, consultation_id, actor="crash-test")
    print(f"queued {report.total_queued}", flush=True)
    worker = OutboxWorker(app, config=WorkerConfig(poll_seconds=0.02, lease_seconds=1.0))
    worker.start()
    try:
        while True:
            await asyncio.sleep(0.1)
            with app.engine.connect() as conn:
                left = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(outbox_table)
                    .where(outbox_table.c.status.in_(("pending", "sending")))
                ).scalar_one()
            if not left and not worker.held():
                break
    finally:
        await worker.stop()
        await channel.aclose()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))

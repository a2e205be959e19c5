"""Helpers for the outbox tests: contacts with a chat on the fake channel, rows queued as the services
queue them, a worker over a fake channel, and waiting until something has happened."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.delivery.outbox import OutboxWorker, WorkerConfig
from bot.services.outreach import BULK_PRIORITY, insert_outbox_rows, outbox_row
from bot.settings import Settings
from conversations.messages import TextOut
from storage.tables import (
    businesses_table,
    channel_identities_table,
    contacts_table,
    delivery_attempts_table,
    outbox_table,
)
from tests.fakes.channel import FakeChannel

FAST = WorkerConfig(poll_seconds=0.02, lease_seconds=30, backoff_seconds=60, backoff_max_seconds=3600, exclusive=False)


def test_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "sqlite://",
        "public_url": "https://samrad.test",
        "secret_key": "test-secret",
        "sender_process": "off",  # channels a test injects exist only in this process
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def app_with(engine: sa.Engine, clock: FixedClock, **settings: Any) -> App:
    return build(test_settings(**settings), clock=clock, engine=engine)


def add_contacts(app: App, count: int, *, channel: str | None = "fake", email: bool = False, start: int = 0) -> list[int]:
    """`count` businesses with one contact each (area Mörby), each with a chat on `channel`."""
    now = app.clock()
    with app.engine.begin() as conn:
        business_ids = [
            conn.execute(
                businesses_table.insert().values(
                    org_number=f"55{start + i:08d}", name=f"Företag {start + i}", industry="47111", area="Mörby",
                    tags="", created_at=now, updated_at=now,
                )
            ).inserted_primary_key[0]
            for i in range(count)
        ]
        contact_ids = [
            conn.execute(
                contacts_table.insert().values(
                    business_id=business_id, name=f"Kontakt {start + i}", language="sv",
                    email=f"kontakt{start + i}@example.org" if email else None, created_at=now, updated_at=now,
                )
            ).inserted_primary_key[0]
            for i, business_id in enumerate(business_ids)
        ]
        if channel is not None:
            conn.execute(
                channel_identities_table.insert(),
                [
                    {"contact_id": cid, "channel": channel, "address": f"chat-{cid}", "created_at": now}
                    for cid in contact_ids
                ],
            )
    return [int(cid) for cid in contact_ids]


def queue(
    app: App,
    contact_ids: Sequence[int],
    *,
    kind: str = "invitation",
    priority: int = BULK_PRIORITY,
    channel: str = "fake",
    key: str = "test",
    address: Callable[[int], str] = lambda cid: f"chat-{cid}",
) -> None:
    now = app.clock()
    rows = [
        outbox_row(
            channel=channel, address=address(cid), contact_id=cid, consultation_id=None, kind=kind,
            priority=priority, message=TextOut(f"{kind} {cid}"), language="sv", extra={"kind": kind},
            idempotency_key=f"{key}:{kind}:{cid}", now=now,
        )
        for cid in contact_ids
    ]
    with app.engine.begin() as conn:
        insert_outbox_rows(conn, rows)


def worker_for(app: App, channel: FakeChannel, config: WorkerConfig = FAST, **kwargs: Any) -> OutboxWorker:
    return OutboxWorker(app, config=config, channels={channel.name: channel}, **kwargs)


async def until(predicate: Callable[[], bool], *, within: float = 30.0, what: str = "the condition") -> None:
    # Generous: it returns as soon as the condition holds, and only a failing test waits it out; on a
    # loaded 2-core CI machine the worker's first round (lease, claim, send, record) has taken over 10 s.
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.01)


def statuses(app: App) -> dict[str, str]:
    """idempotency key -> status."""
    with app.engine.connect() as conn:
        return dict(conn.execute(sa.select(outbox_table.c.idempotency_key, outbox_table.c.status)).all())  # type: ignore[arg-type]


def outbox_rows(app: App) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(sa.select(outbox_table).order_by(outbox_table.c.id)).all())


def attempts(app: App) -> list[Any]:
    with app.engine.connect() as conn:
        return list(
            conn.execute(sa.select(delivery_attempts_table).order_by(delivery_attempts_table.c.id)).all()
        )


def settled(app: App) -> bool:
    """Nothing pending or claimed is left."""
    with app.engine.connect() as conn:
        return not conn.execute(
            sa.select(outbox_table.c.id).where(outbox_table.c.status.in_(("pending", "sending"))).limit(1)
        ).first()


def in_conn(app: App, work: Callable[[Connection], Any]) -> Any:
    with app.engine.begin() as conn:
        return work(conn)

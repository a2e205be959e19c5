"""A broadcast to many Telegram contacts against a fake Bot API that enforces 30 messages/s strictly.

The real path: `broadcast` queues one invitation per contact in one transaction; the outbox worker
claims them and sends each through `TelegramChannel` (python-telegram-bot, over HTTP) to the fake Bot API
(tests/fakes/telegram_api.py) on 127.0.0.1. The fake is wrapped here to answer 429 (retry_after 1) for
any sendMessage beyond 30 in one second across the bot, or beyond a burst of 5 refilled at 1/s in one
chat. While the broadcast runs, a person writes to the bot every half second: the reply is queued as the
webhook queues it (one transaction, then the worker is woken) and timed until the fake receives it.

Prints: time to queue, achieved send rate as a share of the limit, 429s, reply latency (p50/p99/max),
peak RSS (this process: the bot and, in a thread, the fake API).

    .venv/bin/python bench/broadcast.py                # 10,000 contacts (about six minutes at 30/s)
    .venv/bin/python bench/broadcast.py --contacts 600 # the quick check
    .venv/bin/python bench/broadcast.py --contacts 10000 --queue-only
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import App, build
from bot.clock import system_clock
from bot.delivery.outbox import OutboxWorker
from bot.services.broadcast import broadcast
from bot.services.replies import queue_replies
from bot.settings import Settings
from conversations.messages import TextOut
from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import businesses_table, channel_identities_table, contacts_table
from tests import scenario
from tests.fakes.telegram_api import ApiError, BotMessage, FakeTelegram

LIMIT = 30  # messages per second across the bot, as Telegram documents
CHAT_ID_BASE = 6_000_000_000


class StrictTelegram(FakeTelegram):
    """The fake Bot API, answering 429 beyond 30 sendMessage calls in any second or a chat's burst."""

    def __init__(self) -> None:
        super().__init__()
        self.too_many = 0
        self._window: deque[float] = deque()
        self._chats: dict[Any, tuple[float, float]] = {}

    def call(self, method: str, params: dict[str, Any], *, via_webhook_response: bool = False) -> Any:
        if method == "sendMessage":
            with self._lock:
                now = time.monotonic()
                while self._window and now - self._window[0] >= 1.0:
                    self._window.popleft()
                tokens, stamp = self._chats.get(params.get("chat_id"), (5.0, now))
                tokens = min(5.0, tokens + (now - stamp))
                if len(self._window) >= LIMIT or tokens < 1:
                    self.too_many += 1
                    raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
                self._chats[params.get("chat_id")] = (tokens - 1, now)
                self._window.append(now)
        return super().call(method, params, via_webhook_response=via_webhook_response)


def seed(app: App, contacts: int) -> int:
    """`contacts` businesses in Mörby, one contact each with a Telegram chat; the demo consultation, open."""
    now = app.clock()
    with app.engine.begin() as conn:
        conn.execute(
            businesses_table.insert(),
            [
                {"org_number": f"bench-{n}", "name": f"Företag {n}", "industry": "47111", "area": "Mörby", "tags": "",
                 "created_at": now, "updated_at": now}
                for n in range(contacts)
            ],
        )
        business_ids = conn.execute(businesses_table.select().with_only_columns(businesses_table.c.id)).scalars().all()
        conn.execute(
            contacts_table.insert(),
            [
                {"business_id": bid, "name": f"Kontakt {n}", "language": "sv", "created_at": now, "updated_at": now}
                for n, bid in enumerate(business_ids)
            ],
        )
        contact_ids = conn.execute(contacts_table.select().with_only_columns(contacts_table.c.id)).scalars().all()
        conn.execute(
            channel_identities_table.insert(),
            [
                {"contact_id": cid, "channel": "telegram", "address": str(CHAT_ID_BASE + cid), "created_at": now}
                for cid in contact_ids
            ],
        )
    return scenario.open_consultation(app, scenario.consultation_yaml(closes=now + dt.timedelta(days=14)))


async def run(contacts: int, queue_only: bool) -> None:
    directory = tempfile.mkdtemp(prefix="samrad-bench-")
    url = f"sqlite:///{directory}/bench.db"
    upgrade(url)
    fake = StrictTelegram()
    fake.start()
    settings = Settings(database_url=url, secret_key="bench", telegram_token=fake.token,  # type: ignore[call-arg]
                        telegram_api_url=fake.url, _env_file=None)
    app = build(settings, clock=system_clock, engine=make_engine(url))
    consultation_id = seed(app, contacts)
    for cid in range(1, contacts + 1):
        fake.person(f"Kontakt {cid}", chat_id=CHAT_ID_BASE + cid).chat.started = True

    started = time.perf_counter()
    report = broadcast(app, consultation_id, actor="bench")
    queue_seconds = time.perf_counter() - started
    assert report.total_queued == contacts, report.lines()
    print(f"contacts:            {contacts:,} ({os.cpu_count()} cores)")
    print(f"time to queue:       {queue_seconds:.2f} s (target < 2 s)")
    if queue_only:
        fake.stop()
        return

    invitations: list[float] = []
    every_send: list[float] = []
    replies_seen: dict[str, float] = {}
    lock = threading.Lock()

    def listen(message: BotMessage) -> None:
        now = time.monotonic()
        with lock:
            every_send.append(now)
            if message.text.startswith("bench reply "):
                replies_seen[message.text] = now
            else:
                invitations.append(now)

    fake.listeners.append(listen)
    worker = OutboxWorker(app)
    worker.start()
    latencies: list[float] = []
    asked: dict[str, float] = {}
    n = 0
    while True:
        await asyncio.sleep(0.5)
        with lock:
            done = len(invitations)
            for text, seen in list(replies_seen.items()):
                if text in asked:
                    latencies.append(seen - asked.pop(text))
                    del replies_seen[text]
        if done >= contacts and not asked:
            break
        if done < contacts - 30:  # a person writes while the broadcast runs
            n += 1
            cid = 1 + (n * 7919) % contacts
            text = f"bench reply {n}"
            with app.engine.begin() as conn:
                queue_replies(conn, channel="telegram", address=str(CHAT_ID_BASE + cid), contact_id=cid,
                              consultation_id=None, messages=[TextOut(text)], idempotency_key=f"bench:{n}",
                              now=app.clock())
            asked[text] = time.monotonic()
            app.notify_outbox()
    await worker.stop()
    await app.channels["telegram"].aclose()
    # Let the fake read the end of each of the bot's connections (replies and invitations go side by side,
    # so there are several), rather than cancel its handlers mid-read: Python 3.11's asyncio logs that.
    await asyncio.sleep(0.2)
    fake.stop()

    # Replies count against the same 30/s as invitations: the rate is every message the bot sent while
    # the broadcast ran (and, for comparison, the invitations alone).
    first, last = invitations[0], invitations[-1]
    span = last - first
    during = sum(1 for moment in every_send if first <= moment <= last)
    rate = (during - 1) / span if span else float("nan")
    invitation_rate = (len(invitations) - 1) / span if span else float("nan")
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"send rate:           {rate:.2f} msg/s = {rate / LIMIT:.1%} of {LIMIT}/s (target >= 95 %); "
          f"invitations alone {invitation_rate:.2f} msg/s")
    print(f"429 answers:         {fake.too_many} (target 0)")
    print(f"reply latency:       p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms over {len(latencies)} replies (target p99 < 1 s)")
    print(f"peak RSS:            {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--queue-only", action="store_true", help="measure queuing only, send nothing")
    args = parser.parse_args()
    asyncio.run(run(args.contacts, args.queue_only))


if __name__ == "__main__":
    main()

"""The outbox worker against a fake channel: delivery, pacing, 429s, backoff, unreachable contacts,
stop means stop, quiet hours, graceful stops, crashes, and one sender per channel."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import random
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from adapters.base import (
    Delivered,
    DeliveryResult,
    Failed,
    OutgoingMessage,
    RateLimits,
    RetryAfter,
    Unreachable,
)
from bot.bootstrap import App
from bot.clock import FixedClock
from bot.delivery.outbox import OutboxWorker, WorkerConfig, backoff_delay
from bot.services.dialogues import opt_out
from bot.services.replies import REPLY_PRIORITY
from storage import outbox as queries
from storage.tables import channel_leases_table, contacts_table, outbox_table
from tests.bot.delivery.outbox_support import (
    FAST,
    add_contacts,
    app_with,
    attempts,
    outbox_rows,
    queue,
    settled,
    statuses,
    until,
    worker_for,
)
from tests.fakes.channel import FakeChannel, PlatformRules

UNLIMITED = RateLimits(per_second=1000, per_address_per_second=1000, address_burst=1000)


@pytest.fixture
def app(db_engine: Engine, clock: FixedClock) -> App:
    return app_with(db_engine, clock)


@pytest.fixture
def sqlite_app(sqlite_engine: Engine, clock: FixedClock) -> App:
    return app_with(sqlite_engine, clock)


async def test_a_queued_message_is_delivered_once_and_its_attempt_recorded(app: App) -> None:
    [contact] = add_contacts(app, 1)
    queue(app, [contact])
    queue(app, [contact])  # the same idempotency key again: nothing new
    channel = FakeChannel(rate_limits=UNLIMITED)
    worker = worker_for(app, channel)
    worker.start()
    await until(lambda: settled(app), what="delivery")
    await worker.stop()

    assert [call.text for call in channel.delivered] == [f"invitation {contact}"]
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.platform_message_id, row.claimed_by) == ("sent", 1, "1", None)
    assert row.sent_at == app.clock()
    [attempt] = attempts(app)
    assert (attempt.outbox_id, attempt.outcome, attempt.worker) == (row.id, "delivered", worker.id)


async def test_default_rates_keep_under_a_strict_platform(sqlite_app: App) -> None:
    """45 invitations to different chats and 3 to one chat, at the channel's default rates (29/s, one bulk
    message per chat per ~second): the strict fake (30/s, 1/s per chat) never answers 429."""
    contacts = add_contacts(sqlite_app, 45)
    queue(sqlite_app, contacts)
    for n in range(3):
        queue(sqlite_app, [contacts[0]], kind="reminder", key=f"again{n}")
    channel = FakeChannel()  # default limits: 29/s, 0.95/s per chat; the platform: 30/s, 1/s per chat
    worker = worker_for(sqlite_app, channel)
    worker.start()
    await until(lambda: settled(sqlite_app), within=20, what="48 deliveries")
    await worker.stop()

    assert channel.violations == []
    assert len(channel.delivered) == 48
    assert channel.max_in_window(1.0) <= 30
    to_first = [call.at for call in channel.delivered if call.address == f"chat-{contacts[0]}"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(to_first)]
    assert min(gaps) >= 1 / 0.95 - 0.01  # bulk to one chat keeps its pace


async def test_a_reply_overtakes_a_broadcast_and_goes_out_at_once(sqlite_app: App) -> None:
    contacts = add_contacts(sqlite_app, 60)
    queue(sqlite_app, contacts[1:])  # a broadcast under way
    channel = FakeChannel(rate_limits=RateLimits(per_second=20, per_address_per_second=1, address_burst=5),
                          rules=PlatformRules(per_second=21))
    worker = worker_for(sqlite_app, channel)
    worker.start()
    await until(lambda: len(channel.delivered) >= 5, what="the broadcast to start")
    # The person in chat 0 writes twice in a row; three replies each time.
    started = time.monotonic()
    queue(sqlite_app, [contacts[0]], kind="reply", priority=REPLY_PRIORITY, key="r1")
    queue(sqlite_app, [contacts[0]], kind="reply", priority=REPLY_PRIORITY, key="r2")
    sqlite_app.notify_outbox()
    await until(lambda: len(channel.texts_to(f"chat-{contacts[0]}")) == 2, what="the replies")
    latency = time.monotonic() - started
    remaining = sum(1 for status in statuses(sqlite_app).values() if status != "sent")
    await worker.stop()

    assert latency < 0.5  # not behind ~50 bulk messages at 20/s (2.5 s)
    assert remaining > 30  # most of the broadcast was still waiting
    assert channel.violations == []


async def test_429_pauses_the_channel_for_retry_after_and_then_retries(app: App) -> None:
    first, second = add_contacts(app, 2)
    queue(app, [first, second])
    channel = FakeChannel(rate_limits=UNLIMITED, rules=None)
    channel.script(f"chat-{first}", [RetryAfter(0.4, "channel", "Too Many Requests")])
    worker = worker_for(app, channel)
    worker.start()
    await until(lambda: settled(app), what="both deliveries")
    await worker.stop()

    [limited, *others] = channel.calls
    assert isinstance(limited.result, RetryAfter)
    assert all(call.at - limited.at >= 0.39 for call in others)  # nothing at all during the pause
    assert sorted(call.address for call in channel.delivered) == sorted([f"chat-{first}", f"chat-{second}"])
    rows = {row.address: row for row in outbox_rows(app)}
    assert rows[f"chat-{first}"].attempts == 1  # the 429 is no failed try
    assert [a.outcome for a in attempts(app) if a.outbox_id == rows[f"chat-{first}"].id] == [
        "retry_after",
        "delivered",
    ]


async def test_a_429_for_one_chat_holds_only_that_chat(sqlite_app: App) -> None:
    first, second = add_contacts(sqlite_app, 2)
    queue(sqlite_app, [first, second])
    channel = FakeChannel(rate_limits=UNLIMITED, rules=None)
    channel.script(f"chat-{first}", [RetryAfter(0.5, "address")])
    worker = worker_for(sqlite_app, channel)
    worker.start()
    await until(lambda: settled(sqlite_app), what="both deliveries")
    await worker.stop()

    limited = channel.calls[0]
    by_address = {call.address: call for call in channel.delivered}
    assert by_address[f"chat-{second}"].at - limited.at < 0.3
    assert by_address[f"chat-{first}"].at - limited.at >= 0.49


async def test_server_errors_back_off_exponentially_then_give_up(app: App, clock: FixedClock) -> None:
    [contact] = add_contacts(app, 1)
    queue(app, [contact])
    channel = FakeChannel(rate_limits=UNLIMITED, rules=None)
    channel.script(f"chat-{contact}", [Failed("HTTP 502", retryable=True)] * 3)
    config = WorkerConfig(poll_seconds=0.02, exclusive=False, max_attempts=3, backoff_seconds=10, backoff_max_seconds=3600)
    worker = worker_for(app, channel, config, rng=random.Random(7))
    worker.start()
    delays = []
    for tries in (1, 2):
        await until(lambda tries=tries: len(channel.calls) == tries, what=f"try {tries}")
        await until(lambda: outbox_rows(app)[0].status == "pending", what="the row given back")
        row = outbox_rows(app)[0]
        delays.append((row.due_at - clock.now).total_seconds())
        clock.advance(dt.timedelta(seconds=delays[-1]))  # time passes until it is due
        worker.wake()
    await until(lambda: outbox_rows(app)[0].status == "failed", what="giving up")
    await worker.stop()

    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20  # 10·2^(n−1) s, half of it random
    [row] = outbox_rows(app)
    assert row.attempts == 3 and row.last_error == "gave up after 3 tries: HTTP 502"
    assert [a.outcome for a in attempts(app)] == ["failed", "failed", "failed"]
    assert channel.delivered == []


def test_backoff_grows_to_its_cap_and_spreads_out() -> None:
    rng = random.Random(1)
    for failures, low, high in ((1, 5, 10), (2, 10, 20), (5, 80, 160), (20, 1800, 3600)):
        values = [backoff_delay(failures, base=10, cap=3600, rng=rng) for _ in range(50)]
        assert all(low <= v <= high for v in values)
        assert len(set(values)) > 40


async def test_a_malformed_message_fails_at_once(app: App) -> None:
    [contact] = add_contacts(app, 1)
    queue(app, [contact])
    channel = FakeChannel(rate_limits=UNLIMITED, rules=None)
    channel.script(f"chat-{contact}", [Failed("HTTP 400: message is too long", retryable=False)])
    worker = worker_for(app, channel)
    worker.start()
    await until(lambda: settled(app), what="the row to fail")
    await worker.stop()
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 400: message is too long")


async def test_an_adapter_that_raises_or_hangs_is_retried_later(sqlite_app: App) -> None:
    first, second = add_contacts(sqlite_app, 2)
    queue(sqlite_app, [first, second])

    class Broken(FakeChannel):
        async def send(self, outgoing):  # type: ignore[no-untyped-def]
            if outgoing.address == f"chat-{first}":
                raise ConnectionResetError("peer went away")
            await super().send(outgoing)
            import asyncio

            await asyncio.sleep(1)  # longer than the send timeout
            return Delivered()

    channel = Broken(rate_limits=UNLIMITED, rules=None)
    config = WorkerConfig(poll_seconds=0.02, exclusive=False, send_timeout_seconds=0.1)
    worker = worker_for(sqlite_app, channel, config)
    worker.start()
    await until(lambda: all(r.status == "pending" and r.attempts == 1 for r in outbox_rows(sqlite_app)),
                what="both rows given back")
    await worker.stop()
    errors = {r.address: r.last_error for r in outbox_rows(sqlite_app)}
    assert errors == {
        f"chat-{first}": "ConnectionResetError: peer went away",
        f"chat-{second}": "no answer within 0.1 s",
    }


async def test_an_unreachable_contact_is_marked_and_nothing_more_is_tried(app: App) -> None:
    blocked, other = add_contacts(app, 2)
    queue(app, [blocked, other])
    queue(app, [blocked], kind="reminder", key="later")
    channel = FakeChannel(rate_limits=UNLIMITED, rules=None)
    channel.script(f"chat-{blocked}", [Unreachable("Forbidden: bot was blocked by the user")])
    worker = worker_for(app, channel)
    worker.start()
    await until(lambda: settled(app), what="the outbox to settle")
    await worker.stop()

    assert [call.address for call in channel.calls].count(f"chat-{blocked}") == 1
    assert [call.address for call in channel.delivered] == [f"chat-{other}"]
    by_key = statuses(app)
    assert by_key[f"test:invitation:{blocked}"] == "failed"
    assert by_key[f"later:reminder:{blocked}"] == "dropped"
    with app.engine.connect() as conn:
        contact = conn.execute(sa.select(contacts_table).where(contacts_table.c.id == blocked)).one()
    assert contact.unreachable_at == app.clock()
    assert contact.unreachable_reason == "fake: Forbidden: bot was blocked by the user"


async def test_stop_means_stop_even_for_rows_already_claimed(sqlite_app: App) -> None:
    """A contact opts out while a broadcast is being sent: what is queued or claimed for them is
    dropped, and only the reply confirming the stop still goes."""
    contacts = add_contacts(sqlite_app, 3)
    quitter = contacts[2]
    queue(sqlite_app, contacts)
    queue(sqlite_app, [quitter], kind="reminder", key="soon")
    channel = FakeChannel(rate_limits=RateLimits(per_second=2, per_address_per_second=1, address_burst=1), rules=None)
    worker = worker_for(sqlite_app, channel)
    worker.start()
    await until(lambda: worker.held() >= 2, what="rows to be claimed")
    with sqlite_app.engine.begin() as conn:
        opt_out(conn, quitter, now=sqlite_app.clock())
    queue(sqlite_app, [quitter], kind="reply", priority=REPLY_PRIORITY, key="stop-confirmation")
    await until(lambda: settled(sqlite_app), what="the outbox to settle")
    await worker.stop()

    assert channel.texts_to(f"chat-{quitter}") == [f"reply {quitter}"]
    by_key = statuses(sqlite_app)
    assert by_key[f"test:invitation:{quitter}"] == "dropped"
    assert by_key[f"soon:reminder:{quitter}"] == "dropped"
    assert sorted(call.address for call in channel.delivered) == sorted(
        [f"chat-{contacts[0]}", f"chat-{contacts[1]}", f"chat-{quitter}"]
    )


async def test_a_reminder_claimed_in_quiet_hours_waits_for_the_morning(app: App, clock: FixedClock) -> None:
    clock.now = dt.datetime(2025, 2, 27, 20, 30, tzinfo=dt.UTC)  # Thursday 21:30 in Stockholm
    [contact] = add_contacts(app, 1)
    queue(app, [contact], kind="reminder")
    queue(app, [contact], kind="reply", priority=REPLY_PRIORITY)  # a reply is no reminder: it goes
    channel = FakeChannel(rate_limits=UNLIMITED, rules=None)
    worker = worker_for(app, channel)
    worker.start()
    await until(lambda: statuses(app)[f"test:reminder:{contact}"] == "pending"
                and statuses(app)[f"test:reply:{contact}"] == "sent", what="the reply sent, the reminder back")
    await worker.stop()

    assert [call.kind for call in channel.calls] == ["reply"]
    reminder = next(row for row in outbox_rows(app) if row.kind == "reminder")
    assert reminder.due_at == dt.datetime(2025, 2, 28, 7, 0, tzinfo=dt.UTC)  # Friday 08:00 in Stockholm
    assert reminder.claimed_by is None


async def test_a_graceful_stop_gives_back_held_rows_and_the_lease(app: App) -> None:
    contacts = add_contacts(app, 20)
    queue(app, contacts)
    channel = FakeChannel(rate_limits=RateLimits(per_second=5, per_address_per_second=1), rules=None)
    config = WorkerConfig(poll_seconds=0.02, exclusive=True)
    worker = worker_for(app, channel, config)
    worker.start()
    await until(lambda: len(channel.delivered) >= 2, what="sending to start")
    await worker.stop()

    rows = outbox_rows(app)
    sent = [row for row in rows if row.status == "sent"]
    assert len(sent) == len(channel.delivered)
    assert all(row.status == "pending" and row.claimed_by is None for row in rows if row.status != "sent")
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(channel_leases_table)).all() == []  # handed over at once


async def test_a_stopped_worker_leaves_no_thread_behind_and_can_start_again(app: App) -> None:
    """The worker reads in a thread of its own; stopping ends it, and a new start makes a new one."""
    contacts = add_contacts(app, 4)
    queue(app, contacts[:2])
    channel = FakeChannel(rate_limits=RateLimits(per_second=50, per_address_per_second=10), rules=None)
    worker = worker_for(app, channel, WorkerConfig(poll_seconds=0.02))

    def reading_threads() -> list[threading.Thread]:
        return [thread for thread in threading.enumerate() if thread.name.startswith("outbox-reads")]

    async def one_round(sent: int) -> None:
        worker.start()
        await until(lambda: len(channel.delivered) == sent, what=f"{sent} messages to be sent")
        assert len(reading_threads()) == 1
        await worker.stop()
        await until(lambda: not reading_threads(), what="the reading thread to end")

    await one_round(sent=2)
    queue(app, contacts[2:], key="second")
    await one_round(sent=4)


async def test_rows_claimed_by_a_worker_that_died_are_sent_after_the_claim_expires(app: App, clock: FixedClock) -> None:
    contacts = add_contacts(app, 3)
    queue(app, contacts)
    with app.engine.begin() as conn:  # a worker claimed them and was killed
        conn.execute(
            outbox_table.update().values(
                status="sending", claimed_by="dead-worker", claimed_until=clock.now + dt.timedelta(seconds=30)
            )
        )
    channel = FakeChannel(rate_limits=UNLIMITED, rules=None)
    worker = worker_for(app, channel)
    worker.start()
    await until(lambda: worker.lanes and worker.lanes["fake"].next_claim > 0, what="a first look")
    assert channel.calls == []  # still claimed
    clock.advance(dt.timedelta(seconds=31))
    worker.wake()
    await until(lambda: settled(app), what="the orphaned rows to be sent")
    await worker.stop()
    assert len(channel.delivered) == 3


async def test_one_sender_per_channel_and_the_next_takes_over_when_it_stops(app: App, clock: FixedClock) -> None:
    contacts = add_contacts(app, 4)
    channel_a = FakeChannel(rate_limits=UNLIMITED, rules=None)
    channel_b = FakeChannel(rate_limits=UNLIMITED, rules=None)
    config = WorkerConfig(poll_seconds=0.02, lease_seconds=3, exclusive=True)
    first = worker_for(app, channel_a, config, worker_id="first")
    second = worker_for(app, channel_b, config, worker_id="second")
    first.start()
    await until(lambda: "fake" in first.lanes and first.lanes["fake"].leading, what="the first to lead")
    second.start()
    queue(app, contacts[:2], key="one")
    await until(lambda: len(channel_a.delivered) == 2, what="the leader to send")
    assert channel_b.calls == [] and not second.lanes["fake"].leading

    await first.stop()  # hands the lease over
    queue(app, contacts[2:], key="two")
    await until(lambda: len(channel_b.delivered) == 2, within=5, what="the second to take over")
    await second.stop()
    assert len(channel_a.delivered) == 2


@pytest.mark.postgres
async def test_two_workers_racing_on_postgresql_send_every_message_exactly_once(
    postgres_engine: Engine, clock: FixedClock
) -> None:
    from storage.db import make_engine

    app = app_with(postgres_engine, clock)
    contacts = add_contacts(app, 400)
    queue(app, contacts)
    other_engine = make_engine(postgres_engine.url)
    other_app = app_with(other_engine, clock)
    channel_a = FakeChannel(rate_limits=UNLIMITED, rules=None)
    channel_b = FakeChannel(rate_limits=UNLIMITED, rules=None)
    # No channel lease: both claim side by side, and only SKIP LOCKED keeps them apart.
    config = WorkerConfig(poll_seconds=0.01, exclusive=False, claim_ahead_seconds=0.01)
    workers = [
        OutboxWorker(app, config=config, channels={"fake": channel_a}, worker_id="a"),
        OutboxWorker(other_app, config=config, channels={"fake": channel_b}, worker_id="b"),
    ]
    for worker in workers:
        worker.start()
    await until(lambda: settled(app), within=30, what="400 deliveries")
    for worker in workers:
        await worker.stop()
    other_engine.dispose()

    sent = [call.address for call in channel_a.delivered + channel_b.delivered]
    assert sorted(sent) == sorted(f"chat-{cid}" for cid in contacts)  # each exactly once
    assert channel_a.delivered and channel_b.delivered  # both took part


async def test_when_the_sender_dies_another_process_takes_the_channel_after_its_lease(
    app: App, clock: FixedClock
) -> None:
    contacts = add_contacts(app, 2)
    queue(app, contacts)
    with app.engine.begin() as conn:  # a process that held the channel was killed a moment ago
        conn.execute(channel_leases_table.insert().values(
            channel="fake", holder="killed", expires_at=clock.now + dt.timedelta(seconds=30)))
    channel = FakeChannel(rate_limits=UNLIMITED, rules=None)
    worker = worker_for(app, channel, WorkerConfig(poll_seconds=0.02, lease_seconds=30, exclusive=True))
    worker.start()
    await until(lambda: "fake" in worker.lanes and worker.lanes["fake"].next_renew > 0, what="a first look")
    assert not worker.lanes["fake"].leading and channel.calls == []
    clock.advance(dt.timedelta(seconds=31))  # the dead holder's lease runs out
    await until(lambda: settled(app), within=5, what="the standby to take over and send")
    await worker.stop()
    assert len(channel.delivered) == 2


class _InFlight(FakeChannel):
    """Records how many sends were in flight at once: overall, per chat, and of bulk messages."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.now_in_flight: list[OutgoingMessage] = []
        self.most = self.most_bulk = self.most_to_one_chat = 0

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        self.now_in_flight.append(outgoing)
        kinds = [(m.extra or {}).get("kind") for m in self.now_in_flight]
        self.most = max(self.most, len(self.now_in_flight))
        self.most_bulk = max(self.most_bulk, sum(kind != "reply" for kind in kinds))
        self.most_to_one_chat = max(
            self.most_to_one_chat, sum(m.address == outgoing.address for m in self.now_in_flight)
        )
        try:
            return await super().send(outgoing)
        finally:
            self.now_in_flight.remove(outgoing)


async def test_replies_to_different_chats_go_side_by_side_and_each_chat_keeps_its_order(sqlite_app: App) -> None:
    contacts = add_contacts(sqlite_app, 30)
    chatting, invited = contacts[:20], contacts[20:]
    queue(sqlite_app, invited)  # bulk: one in flight at a time
    for n in range(3):  # three replies to each of 20 chats, queued in this order
        queue(sqlite_app, chatting, kind="reply", priority=REPLY_PRIORITY, key=f"r{n}")
    channel = _InFlight(rate_limits=UNLIMITED, rules=None, send_seconds=0.01)
    worker = worker_for(sqlite_app, channel, dataclasses.replace(FAST, max_in_flight=8))
    worker.start()
    await until(lambda: settled(sqlite_app), what="70 deliveries")
    await worker.stop()

    assert len(channel.delivered) == 70
    assert 1 < channel.most <= 8  # side by side, bounded
    assert channel.most_to_one_chat == 1  # never two at once to one chat
    assert channel.most_bulk == 1  # a broadcast keeps one message in flight
    # Each chat's replies went out in the order they were queued (the fake numbers what it delivers).
    for contact in chatting:
        rows = [row for row in outbox_rows(sqlite_app) if row.address == f"chat-{contact}"]
        sent = sorted(rows, key=lambda row: int(row.platform_message_id))
        assert [row.idempotency_key.split(":")[0] for row in sent] == ["r0", "r1", "r2"]


def test_deliveries_are_recorded_in_one_batch_and_rows_taken_over_are_named(app: App, clock: FixedClock) -> None:
    contacts = add_contacts(app, 3)
    queue(app, contacts)
    until_then = clock.now + dt.timedelta(seconds=30)
    with app.engine.begin() as conn:
        claimed = queries.claim(conn, channel="fake", worker="me", now=clock.now, lease_until=until_then, limit=3)
        ids = sorted(row.id for row in claimed)
        # The third row's claim expired while it was being sent, and another worker took it.
        conn.execute(outbox_table.update().where(outbox_table.c.id == ids[2]).values(claimed_by="other"))
        lost = queries.record_deliveries(
            conn, delivered=[(ids[0], "101"), (ids[1], "102"), (ids[2], "103")], worker="me", now=clock.now
        )

    assert lost == [ids[2]]
    rows = {row.id: row for row in outbox_rows(app)}
    assert [(rows[i].status, rows[i].platform_message_id, rows[i].attempts, rows[i].claimed_by) for i in ids[:2]] == [
        ("sent", "101", 1, None),
        ("sent", "102", 1, None),
    ]
    assert rows[ids[2]].status == "sending" and rows[ids[2]].claimed_by == "other"
    assert sorted((a.outbox_id, a.outcome, a.worker) for a in attempts(app)) == [
        (ids[0], "delivered", "me"), (ids[1], "delivered", "me"), (ids[2], "delivered", "me"),
    ]


async def test_a_standby_rests_between_its_looks_at_the_lease(app: App) -> None:
    """A process that does not hold the channel only asks about the lease now and then; it must not spin
    (a loop that never awaits would stall every webhook that process serves)."""
    config = WorkerConfig(poll_seconds=0.02, lease_seconds=3, exclusive=True)
    leader = worker_for(app, FakeChannel(rate_limits=UNLIMITED, rules=None), config, worker_id="leader")
    leader.start()
    await until(lambda: "fake" in leader.lanes and leader.lanes["fake"].leading, what="the leader")
    looks = 0

    def counting_clock() -> float:
        nonlocal looks
        looks += 1
        return time.monotonic()

    standby = worker_for(
        app, FakeChannel(rate_limits=UNLIMITED, rules=None), config, worker_id="standby", monotonic=counting_clock
    )
    standby.start()
    standby.wake()  # something was queued: a standby has nothing to claim, and must still rest
    await asyncio.sleep(1.5)
    await standby.stop()
    await leader.stop()
    assert not standby.lanes["fake"].leading
    assert looks < 200, f"the standby looked at its clock {looks} times in 1.5 s"

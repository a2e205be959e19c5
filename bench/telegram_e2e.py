"""Telegram end to end: many simulated people answer a five-question consultation through the real webhook.

As in production: the app (`samrad serve`'s web app on uvicorn with its outbox worker, which calls the
Bot API from a process of its own; SQLite in WAL with synchronous=FULL) and, in one more process,
Telegram (the fake Bot API of tests/fakes plus the people). Webhook POSTs are shaped like Telegram's,
at most 40 in flight (Telegram's default max_connections); python-telegram-bot sends the replies to the
fake over HTTP. Each run also prints the CPU time per update of each process (Linux /proc).

1. Conversation, as fast as it goes: each person taps the deep link (/start <code>) and answers as soon
   as the bot's question arrives — three questions by button, two by typing — then submits from the
   summary: seven updates; nine messages and six keyboard edits back (four after taps, two after typed
   answers). Measured: updates per second from the first update until every reply has been delivered.
2. Typing, paced at --rate updates/s: each person sends the same seven updates as typed messages without
   waiting for the bot (a person typing ahead). Measured: webhook latency (p50, p99) while Telegram
   delivers at that rate, and the time until the replies are delivered too.
After each run the database must hold every answer (5 per person), every dialogue complete and every
reply sent: each answer was committed before its webhook returned.

    .venv/bin/python bench/telegram_e2e.py [--people 600] [--rate 500] [--delivery process|worker|drain|none]

Robots answer faster than people, so Telegram's per-chat pace (about a message a second) is lifted for
the run, and the bot's overall rate is set far above Telegram's real 30 a second.
`--delivery drain` replaces the outbox worker with the test-only batch drain (tests/telegram_drain.py),
to see the webhook path and the adapter without the worker's per-message bookkeeping; `--delivery none`
delivers nothing and runs the typing-ahead run only: the inbound path alone.
SAMRAD_BENCH_PROFILE=file profiles the app process (main thread) into that file. uvicorn uses uvloop and
httptools (uvicorn[standard]) as `samrad serve` does; SAMRAD_BENCH_UVICORN=plain runs it on the standard
asyncio loop and the pure-Python h11 parser instead, to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import build
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import answers_table, dialogues_table, invitations_table, outbox_table
from tests import scenario
from tests.fakes.telegram_api import BotMessage, FakeTelegram, FakeUser
from tests.live_server import free_port

SECRET = "bench-secret_0123456789"
MAX_CONNECTIONS = 40  # Telegram's default for a webhook
QUESTIONS = 5
UPDATES_PER_PERSON = 7

CONSULTATION = """\
case: {reference: "KS 2025/0900", title: "Lastzoner", type: traffic, stage: early}
consultation:
  title: {sv: "Lastzoner vid torget", en: "Loading zones by the square"}
  intro: {sv: "Kommunen ser över lastzonerna.", en: "The municipality is reviewing the loading zones."}
  closes: "%s"
  audience: {all: true}
  questions:
    - {id: affected, kind: yesno, text: {sv: "Påverkas ert företag?", en: "Are you affected?"}}
    - id: best_time
      kind: choice
      text: {sv: "När lastar ni helst?", en: "When do you prefer to load?"}
      options: [{id: morning, text: Morgon}, {id: evening, text: Kväll}]
    - {id: impact, kind: scale, text: {sv: "Hur viktigt är det?", en: "How important is it?"}, min: 1, max: 5}
    - {id: staff, kind: number, text: {sv: "Hur många arbetar hos er?", en: "How many work with you?"}, min: 0}
    - {id: comments, kind: text, text: {sv: "Något mer?", en: "Anything else?"}}
"""
COMMENT = "Bra initiativ & tack för att ni frågar <först>!"


# --- the app process ------------------------------------------------------------------------------


def settings(db: Path, api_url: str, delivery: str = "process") -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{db}", secret_key="bench", public_url="http://127.0.0.1",
        telegram_token="4242:fake-telegram-token", telegram_webhook_secret=SECRET, telegram_api_url=api_url,
        telegram_bot_username="SamradTestBot", telegram_rate=100_000.0,
        sender_process="on" if delivery == "process" else "off",
    )


def lifted(app: Any) -> Any:
    """Robots, not people: Telegram's per-chat pace lifted for the run (the overall rate is in settings)."""
    from adapters.base import RateLimits

    channel = app.channels["telegram"]
    channel.rate_limits = RateLimits(per_second=100_000, per_address_per_second=1_000, address_burst=1_000)
    return app


def serve_app(db: Path, api_url: str, port: int, delivery: str) -> None:
    import uvicorn

    from bot.process_tuning import settle_garbage_collector
    from bot.web.app import create_web_app

    plain = os.environ.get("SAMRAD_BENCH_UVICORN") == "plain"
    options: dict[str, Any] = {"loop": "asyncio", "http": "h11"} if plain else {}
    app = lifted(build(settings(db, api_url, delivery)))
    channel = app.channels["telegram"]
    settle_garbage_collector()  # as `samrad serve` does (bot/server.py)
    if delivery == "none":  # nothing delivered: the inbound path alone
        uvicorn.run(create_web_app(app), host="127.0.0.1", port=port, log_level="warning", **options)
        return
    if delivery in ("process", "worker"):  # as `samrad serve` (SAMRAD_SENDER_PROCESS on or off)
        uvicorn.run(create_web_app(app, background=True), host="127.0.0.1", port=port, log_level="warning", **options)
        return
    from tests.telegram_drain import draining

    web = create_web_app(app)
    serving = web.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(asgi: Any) -> AsyncIterator[None]:
        async with serving(web), draining(app, web.state.writer, channel):  # type: ignore[arg-type]
            yield

    web.router.lifespan_context = lifespan
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning", **options)


def prepare(db: Path, people: int) -> list[str]:
    """A migrated database, `people` businesses with one contact each, the consultation open; the codes."""
    from bot.cli.demo import demo_org_number

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    app = build(settings(db, "http://127.0.0.1:1"), engine=engine)
    lines = [scenario.BUSINESSES_CSV.splitlines()[0]]
    lines += [f"{demo_org_number(i)},Företag {i},56100,Mörby,,Kontakt {i},k{i}@f.example,,sv,,"
              for i in range(people)]
    scenario.import_businesses(app, "\n".join(lines) + "\n")
    closes = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    consultation_id = scenario.open_consultation(app, CONSULTATION % closes.isoformat())
    with engine.connect() as conn:
        codes = conn.execute(sa.select(invitations_table.c.code)
                             .where(invitations_table.c.consultation_id == consultation_id)).scalars().all()
    engine.dispose()
    return list(codes)


def check(db: Path, people: int, *, delivered: bool = True) -> None:
    """Every answer committed, every dialogue complete, every reply sent."""
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        answers = conn.execute(sa.select(sa.func.count()).select_from(answers_table)).scalar_one()
        complete = conn.execute(sa.select(sa.func.count()).select_from(dialogues_table)
                                .where(dialogues_table.c.status == "complete")).scalar_one()
        unsent = conn.execute(sa.select(sa.func.count()).select_from(outbox_table)
                              .where(outbox_table.c.status != "sent")).scalar_one()
    engine.dispose()
    assert answers == people * QUESTIONS, f"{answers} answers stored, expected {people * QUESTIONS}"
    assert complete == people, f"{complete} dialogues complete, expected {people}"
    assert unsent == 0 or not delivered, f"{unsent} outbox rows not sent"


# --- the Telegram process: the fake Bot API and the people ------------------------------------------------


class Pacer:
    """Lets updates go at `rate` per second overall, on a fixed schedule (None: as fast as they come).
    An update whose slot has passed (this process was busy) goes at once, so the schedule is kept on
    average instead of slipping by every delay: Telegram, too, delivers at its pace whatever ours."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1 / rate if rate else 0.0
        self.next: float | None = None  # the schedule starts with the first update

    async def wait(self) -> None:
        if not self.interval:
            return
        slot = time.perf_counter() if self.next is None else self.next
        self.next = slot + self.interval
        delay = slot - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass
class Run:
    telegram: FakeTelegram
    pacer: Pacer
    connections: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONNECTIONS))
    latencies: list[float] = field(default_factory=list)
    not_ok: int = 0
    first_post: float | None = None  # the clock starts with the first update, not with the people's set-up
    last_ack: float = 0.0
    arrived: dict[int, asyncio.Event] = field(default_factory=dict)

    def on_message(self, message: BotMessage) -> None:
        event = self.arrived.get(message.chat_id)
        if event is not None:
            event.set()

    async def post(self, update: dict[str, Any]) -> None:
        await self.pacer.wait()
        if self.first_post is None:
            self.first_post = time.perf_counter()
        async with self.connections:
            call = await self.telegram.deliver(update)
        assert call is not None
        self.latencies.append(call.seconds)
        self.not_ok += call.status != 200
        self.last_ack = time.perf_counter()

    async def wait_for(self, user: FakeUser, test: Callable[[BotMessage], bool], seen: list[int]) -> BotMessage:
        """The next bot message in this chat that passes `test` (seen[0]: how far the person has read)."""
        event = self.arrived.setdefault(user.chat_id, asyncio.Event())
        while True:
            inbox = user.chat.messages
            for index in range(seen[0], len(inbox)):
                if test(inbox[index]):
                    seen[0] = index + 1
                    return inbox[index]
            event.clear()
            await event.wait()


def question(number: int) -> Callable[[BotMessage], bool]:
    return lambda m: m.text.startswith(f"{number}/{QUESTIONS}\n")


def summary(message: BotMessage) -> bool:
    return message.text.startswith("Här är dina svar")


def thanks(message: BotMessage) -> bool:
    return message.text.startswith("Tack!")


async def conversation(run: Run, user: FakeUser, code: str) -> float:
    """Answers each question as it arrives, by button or typing; returns when the thanks arrived."""
    seen = [0]
    await run.post(user.message_update(f"/start {code}"))
    await run.post(user.press_update(await run.wait_for(user, question(1), seen), "Ja"))
    await run.post(user.press_update(await run.wait_for(user, question(2), seen), "Kväll"))
    await run.post(user.press_update(await run.wait_for(user, question(3), seen), "4"))
    await run.wait_for(user, question(4), seen)
    await run.post(user.message_update("12"))
    await run.wait_for(user, question(5), seen)
    await run.post(user.message_update(COMMENT))
    await run.post(user.press_update(await run.wait_for(user, summary, seen), "Ja, skicka in"))
    await run.wait_for(user, thanks, seen)
    return time.perf_counter()


async def typing_ahead(run: Run, user: FakeUser, code: str) -> float:
    """Types every answer without waiting for the bot; returns when the thanks arrived."""
    for text in (f"/start {code}", "ja", "kväll", "4", "12", COMMENT, "ja"):
        await run.post(user.message_update(text))
    await run.wait_for(user, thanks, [0])
    return time.perf_counter()


async def typing_blind(run: Run, user: FakeUser, code: str) -> float:
    """Types every answer; nothing comes back (--delivery none)."""
    for text in (f"/start {code}", "ja", "kväll", "4", "12", COMMENT, "ja"):
        await run.post(user.message_update(text))
    return time.perf_counter()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu(app_pid: int) -> dict[str, float]:
    """CPU seconds so far of the app, its sender process (its child, if any) and this process."""
    children = Path(f"/proc/{app_pid}/task/{app_pid}/children").read_text().split()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"app": cpu_seconds(app_pid), "sender": sum(cpu_seconds(int(pid)) for pid in children),
            "telegram": usage.ru_utime + usage.ru_stime}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@contextlib.asynccontextmanager
async def running(db: Path, delivery: str) -> AsyncIterator[tuple[FakeTelegram, int]]:
    """The fake Telegram in this process, the app in a child process (and its pid), the webhook set."""
    telegram = FakeTelegram()
    telegram.port = free_port()
    fake_server = asyncio.create_task(telegram.serve())
    app_port = free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", str(db), telegram.url, str(app_port), delivery)
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"http://127.0.0.1:{app_port}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
        telegram.webhook_url = f"http://127.0.0.1:{app_port}/webhooks/telegram"
        telegram.webhook_secret = SECRET
        yield telegram, child.pid
        await telegram.aclose()
    finally:
        child.send_signal(signal.SIGINT)  # uvicorn stops: the worker and the writer finish first
        await asyncio.wait_for(child.wait(), 60)
        fake_server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fake_server


async def one_run(label: str, db: Path, people: int, rate: float | None, delivery: str,
                  behaviour: Callable[[Run, FakeUser, str], Any]) -> dict[str, float]:
    codes = prepare(db, people)
    async with running(db, delivery) as (telegram, app_pid):
        run = Run(telegram, Pacer(rate))
        telegram.listeners.append(run.on_message)
        users = [(telegram.person(f"Person {i}"), code) for i, code in enumerate(codes)]
        cpu_before = process_cpu(app_pid)
        measuring = time.perf_counter()  # the CPU figures count from here
        finished = await asyncio.gather(*(behaviour(run, user, code) for user, code in users))
        cpu = {name: spent - cpu_before[name] for name, spent in process_cpu(app_pid).items()}
    started = run.first_post or measuring
    elapsed = max(finished) - started
    check(db, people, delivered=delivery != "none")
    updates = len(run.latencies)
    result = {
        "updates": updates, "seconds": elapsed, "per_second": updates / elapsed,
        "acked_per_second": updates / (run.last_ack - started),
        "p50_ms": statistics.median(run.latencies) * 1000, "p99_ms": percentile(run.latencies, 0.99) * 1000,
    }
    done = "every reply delivered" if delivery != "none" else "every update acknowledged"
    print(f"{label}\n    {updates} updates from {people} people; {done} after {elapsed:.2f} s: "
          f"{result['per_second']:.0f} updates/s end to end\n"
          f"    webhooks: {result['acked_per_second']:.0f} updates/s acknowledged; latency p50 "
          f"{result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; not 200: {run.not_ok}\n"
          f"    CPU per update: app {cpu['app'] / updates * 1000:.2f} ms, sender process "
          f"{cpu['sender'] / updates * 1000:.2f} ms, fake Telegram and people {cpu['telegram'] / updates * 1000:.2f} ms; "
          f"cores busy on average: {sum(cpu.values()) / (max(finished) - measuring):.2f} of {os.cpu_count()}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--rate", type=float, default=500.0, help="updates/s for the paced run")
    parser.add_argument("--delivery", choices=("process", "worker", "drain", "none"), default="process",
                        help="process: the outbox worker sends from a process of its own, as `samrad serve` does "
                             "on more than one core (default); worker: it sends from the web process; drain: "
                             "the test-only drain; none: nothing is delivered (typing ahead only: the inbound "
                             "path alone)")
    parser.add_argument("--serve", nargs=4, metavar=("DB", "API_URL", "PORT", "DELIVERY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        db, api_url, port, delivery = args.serve
        profile = os.environ.get("SAMRAD_BENCH_PROFILE")
        if profile:
            import cProfile

            cProfile.runctx("serve_app(Path(db), api_url, int(port), delivery)", globals(), locals(), profile)
        else:
            serve_app(Path(db), api_url, int(port), delivery)
        return
    print(f"{os.cpu_count()} cores; {args.people} people x {UPDATES_PER_PERSON} updates ({QUESTIONS} answers); "
          f"SQLite (WAL, synchronous=FULL); delivery: {args.delivery}; at most {MAX_CONNECTIONS} webhook "
          f"requests in flight", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        if args.delivery == "none":
            asyncio.run(one_run(f"typing ahead, paced at {args.rate:.0f} updates/s, nothing delivered",
                                Path(folder) / "inbound.db", args.people, args.rate, "none", typing_blind))
            return
        asyncio.run(one_run("1. conversation, as fast as it goes", Path(folder) / "conversation.db", args.people,
                            None, args.delivery, conversation))
        asyncio.run(one_run(f"2. typing ahead, paced at {args.rate:.0f} updates/s", Path(folder) / "typing.db",
                            args.people, args.rate, args.delivery, typing_ahead))


if __name__ == "__main__":
    main()

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
Before each run one more person goes through it first, not counted, so that the bot is measured once it
has answered a whole conversation (the sender process starts after the web process says it is healthy).
After each run the database must hold every answer (5 per person), every dialogue complete and every
reply sent: each answer was committed before its webhook returned.

With --peer, instead: the conversation of run 1, side by side with the peer (bench/peers/ptb_conversation_bot.py),
the python-telegram-bot ConversationHandler bot a developer would write by hand instead: state in memory, one
update handled at a time, each webhook acknowledged once the update is queued, before it is handled. The same
people (the same chats, deep links and answers, by button and typed; its questions and its button data: six
updates each, as it has no summary to submit) and the same fake Bot API (a fresh one per phase, with the peer's
token) drive each bot in process(es) of its own on 127.0.0.1, in the order Samråd, peer, peer, Samråd.
In turn rather than both at once, because on 2 cores bots running together fight for the cores, with each other
and with the fake Telegram, and the split would be the scheduler's (Samråd runs two processes, the peer one),
not the bots'; in turn, each has the same machine and the same fake. The order A B B A cancels a load from
other work that drifts steadily through the run; each pair's ratio is printed too, to show what is left.
Printed: each bot's updates/s end to end over its two phases, their ratio (Samråd / peer), CPU per update per
process, webhook latency and the reply latency: from an update sent until the bot's next message arrives, the
one latency that means the same for both, as the peer's webhook latency is only the time to queue an update.
Samråd is checked as above; the peer keeps its answers in memory and shows no count, so its conversations are
counted through the messages it sent to the fake (each tap's data in its edit, each chat ending in the thanks).
The paced typing run is left out: the peer takes answers to its button questions by button only.

    .venv/bin/python bench/telegram_e2e.py [--people 600] [--rate 500] [--delivery process|worker|drain|none]
    .venv/bin/python bench/telegram_e2e.py --people 600 --peer

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
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import Phase, load, process_cpu
from bench.support import report as report_phase
from bench.support import side_by_side as compare
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
        async with serving(web), draining(app, web.state.writer, channel):
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
    replies: list[float] = field(default_factory=list)  # from an update sent to the bot's next message
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
        """The next bot message in this chat that passes `test` (seen[0]: how far the person has read).
        Waits as long as it takes: the phase as a whole is bounded (PHASE_TIMEOUT)."""
        event = self.arrived.setdefault(user.chat_id, asyncio.Event())
        while True:
            inbox = user.chat.messages
            for index in range(seen[0], len(inbox)):
                if test(inbox[index]):
                    seen[0] = index + 1
                    return inbox[index]
            event.clear()
            await event.wait()

    async def ask(self, user: FakeUser, update: dict[str, Any], test: Callable[[BotMessage], bool],
                  seen: list[int]) -> BotMessage:
        """Sends an update, then waits for the bot's next message that passes `test`; keeps how long the
        person waited for it (the reply latency, comparable whether a bot answers its webhook before or
        after it has done the work)."""
        sent = time.perf_counter()
        await self.post(update)
        message = await self.wait_for(user, test, seen)
        self.replies.append(time.perf_counter() - sent)
        return message


def question(number: int) -> Callable[[BotMessage], bool]:
    return lambda m: m.text.startswith(f"{number}/{QUESTIONS}\n")


def summary(message: BotMessage) -> bool:
    return message.text.startswith("Här är dina svar")


def thanks(message: BotMessage) -> bool:
    return message.text.startswith("Tack!")


async def conversation(run: Run, user: FakeUser, code: str) -> float:
    """Answers each question as it arrives, by button or typing; returns when the thanks arrived."""
    seen = [0]
    first = await run.ask(user, user.message_update(f"/start {code}"), question(1), seen)
    second = await run.ask(user, user.press_update(first, "Ja"), question(2), seen)
    third = await run.ask(user, user.press_update(second, "Kväll"), question(3), seen)
    await run.ask(user, user.press_update(third, "4"), question(4), seen)
    await run.ask(user, user.message_update("12"), question(5), seen)
    answers = await run.ask(user, user.message_update(COMMENT), summary, seen)
    await run.ask(user, user.press_update(answers, "Ja, skicka in"), thanks, seen)
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


# --- the peer: the bot a developer would write by hand instead (bench/peers/ptb_conversation_bot.py) ----------

PEER = Path(__file__).resolve().parent / "peers" / "ptb_conversation_bot.py"
PEER_TOKEN = "123:PEER"  # the token the peer is written with; its fake Telegram expects it
PEER_UPDATES_PER_PERSON = 6  # /start, three taps, two typed answers: it has no summary to submit
PEER_QUESTIONS = ("Påverkas ert företag av ombyggnaden?", "Hur mycket, på en skala 1 till 5?",
                  "När stör arbetet minst?", "Hur många anställda har ni?", "Något mer ni vill säga till kommunen?")
PEER_THANKS = "Tack för era svar!"
# What each person's chat shows at the end: the tapped questions edited to the answer's button data, the
# typed ones as asked (no "Svara med ett heltal" again), and the thanks, sent after the last answer is kept.
PEER_CHAT = ["Påverkas: yes", "Påverkan: 4", "Bäst: evening", PEER_QUESTIONS[3], PEER_QUESTIONS[4], PEER_THANKS]


def says(text: str) -> Callable[[BotMessage], bool]:
    return lambda m: m.text == text


async def peer_conversation(run: Run, user: FakeUser, code: str) -> float:
    """The same person with the peer: the same deep link, the same answers by the same kinds of input
    (yes/no, scale and choice by button, a number and free text typed), each as its question arrives."""
    seen = [0]
    affected = await run.ask(user, user.message_update(f"/start {code}"), says(PEER_QUESTIONS[0]), seen)
    impact = await run.ask(user, user.press_update(affected, "Ja"), says(PEER_QUESTIONS[1]), seen)
    best_time = await run.ask(user, user.press_update(impact, "4"), says(PEER_QUESTIONS[2]), seen)
    await run.ask(user, user.press_update(best_time, "Kväll"), says(PEER_QUESTIONS[3]), seen)
    await run.ask(user, user.message_update("12"), says(PEER_QUESTIONS[4]), seen)
    await run.ask(user, user.message_update(COMMENT), says(PEER_THANKS), seen)
    return time.perf_counter()


def check_peer(telegram: FakeTelegram, users: list[tuple[FakeUser, str]]) -> None:
    """The peer keeps its answers in memory and shows no count, so its conversations are counted through
    the messages it sent: every chat complete (each tap's data and each typed answer taken), every tap
    answered."""
    complete = sum(user.texts() == PEER_CHAT for user, _ in users)
    assert complete == len(users), f"{complete} conversations complete with the peer, expected {len(users)}"
    unanswered = telegram.unanswered_callbacks()
    assert not unanswered, f"{len(unanswered)} taps the peer did not answer"


# --- measuring ------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serving_bot(telegram: FakeTelegram, argv: list[str], ready_url: str, ready_status: int,
                  webhook_url: str, secret: str | None, stop: signal.Signals) -> AsyncIterator[int]:
    """The fake Telegram in this process (on the port it was given), a bot in a child process (its pid),
    the webhook set; stops both."""
    assert telegram.port, "the fake Telegram's port is chosen first: the bot is told its URL"
    fake_server = asyncio.create_task(telegram.serve())
    child = await asyncio.create_subprocess_exec(sys.executable, *argv)
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(1200):  # a minute at most, on a busy machine
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(ready_url)).status_code == ready_status:
                        break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"{argv[0]} did not start within a minute")
        telegram.webhook_url = webhook_url
        telegram.webhook_secret = secret
        yield child.pid
        await telegram.aclose()
    finally:
        child.send_signal(stop)
        await asyncio.wait_for(child.wait(), 60)
        fake_server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fake_server


def running(db: Path, delivery: str, telegram: FakeTelegram) -> contextlib.AbstractAsyncContextManager[int]:
    """Samråd: `samrad serve`'s web app (and its sender process) behind the fake Telegram."""
    telegram.port, port = free_port(), free_port()
    return serving_bot(telegram, [__file__, "--serve", str(db), telegram.url, str(port), delivery],
                   f"http://127.0.0.1:{port}/healthz", 200, f"http://127.0.0.1:{port}/webhooks/telegram", SECRET,
                   signal.SIGINT)  # uvicorn stops: the worker and the writer finish first


def running_peer(telegram: FakeTelegram) -> contextlib.AbstractAsyncContextManager[int]:
    """The peer, pointed at the fake Telegram and a port, as its header says to run it. It has no health
    route: its webhook route answering a GET (405) means its Application has started."""
    telegram.port, port = free_port(), free_port()
    return serving_bot(telegram, [str(PEER), str(port), telegram.url], f"http://127.0.0.1:{port}/telegram", 405,
                   f"http://127.0.0.1:{port}/telegram", None,
                   signal.SIGTERM)  # it keeps nothing; SIGINT would end it with a KeyboardInterrupt's traceback


PHASE_TIMEOUT = 600.0  # seconds: a run whose replies stop coming fails instead of waiting for ever


async def measure(telegram: FakeTelegram, pid: int, codes: list[str], rate: float | None,  # codes[0]: warm-up
                  behaviour: Callable[[Run, FakeUser, str], Awaitable[float]],
                  bot: str) -> tuple[Phase, list[tuple[FakeUser, str]]]:
    # One person first, not counted, so that each bot is measured once it has answered a whole conversation:
    # Samråd's web process says it is healthy before its sender process has started, the peer once its
    # Application has; neither's start-up belongs in its rate.
    warming = Run(telegram, Pacer(None))
    telegram.listeners.append(warming.on_message)
    async with asyncio.timeout(PHASE_TIMEOUT):
        await behaviour(warming, telegram.person("Warm-up"), codes[0])
    telegram.listeners.remove(warming.on_message)
    run = Run(telegram, Pacer(rate))
    telegram.listeners.append(run.on_message)
    users = [(telegram.person(f"Person {i}"), code) for i, code in enumerate(codes[1:])]
    cpu_before = process_cpu(pid, "telegram")
    measuring = time.perf_counter()  # the CPU figures count from here
    try:
        async with asyncio.timeout(PHASE_TIMEOUT):
            finished = await asyncio.gather(*(behaviour(run, user, code) for user, code in users))
    except TimeoutError:
        raise RuntimeError(f"{bot}: the people were not done after {PHASE_TIMEOUT:.0f} s") from None
    cpu = {name: spent - cpu_before[name] for name, spent in process_cpu(pid, "telegram").items()}
    started = run.first_post or measuring
    phase = Phase(bot, len(users), len(run.latencies), max(finished) - started, run.last_ack - started,
                  max(finished) - measuring, run.latencies, cpu, run.not_ok, run.replies)
    return phase, users


def report(label: str, phase: Phase, done: str) -> None:
    report_phase(label, phase, done, platform="telegram", acknowledged="webhooks")


async def one_run(label: str, db: Path, people: int, rate: float | None, delivery: str,
                  behaviour: Callable[[Run, FakeUser, str], Awaitable[float]]) -> tuple[Phase, list[str]]:
    """Samråd with `people` (and one to warm up): measured and checked; the codes they joined with."""
    codes = prepare(db, people + 1)
    telegram = FakeTelegram()
    async with running(db, delivery, telegram) as app_pid:
        phase, _ = await measure(telegram, app_pid, codes, rate, behaviour, "Samråd")
    check(db, people + 1, delivered=delivery != "none")
    report(label, phase, "every reply delivered" if delivery != "none" else "every update acknowledged")
    return phase, codes


async def peer_run(label: str, codes: list[str]) -> Phase:
    """The peer with the same people (codes[0] warms up): measured, its conversations counted through
    its messages."""
    telegram = FakeTelegram(token=PEER_TOKEN, username="SamradPeerBot")
    async with running_peer(telegram) as peer_pid:
        phase, users = await measure(telegram, peer_pid, codes, None, peer_conversation, "peer")
    check_peer(telegram, users)
    report(label, phase, "every conversation complete")
    return phase


def side_by_side(folder: Path, people: int, delivery: str) -> None:
    """Samråd, the peer, the peer, Samråd (see --peer in the module's docstring), then both summed up."""
    first, codes = asyncio.run(one_run("1a. Samråd: conversation, as fast as it goes", folder / "samrad-1.db",
                                       people, None, delivery, conversation))
    # The same people tap the same deep links (the peer ignores the code after /start).
    peer = [asyncio.run(peer_run("1b. the peer: the same conversation, as fast as it goes", codes)),
            asyncio.run(peer_run("2a. the peer: again", codes))]
    last, _ = asyncio.run(one_run("2b. Samråd: again", folder / "samrad-2.db", people, None, delivery, conversation))
    compare([first, last], peer, setting="each bot alone with the same fake Telegram and people",
            report=report, updates_per_person=UPDATES_PER_PERSON, peer_updates_per_person=PEER_UPDATES_PER_PERSON)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--rate", type=float, default=500.0, help="updates/s for the paced run")
    parser.add_argument("--delivery", choices=("process", "worker", "drain", "none"), default="process",
                        help="process: the outbox worker sends from a process of its own, as `samrad serve` does "
                             "on more than one core (default); worker: it sends from the web process; drain: "
                             "the test-only drain; none: nothing is delivered (typing ahead only: the inbound "
                             "path alone)")
    parser.add_argument("--peer", action="store_true",
                        help="the conversation run side by side with the peer (bench/peers/ptb_conversation_bot.py): "
                             "Samråd, the peer, the peer, Samråd; both rates and their ratio")
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
    if args.peer and args.delivery == "none":
        parser.error("--peer needs replies delivered: not with --delivery none")
    print(f"{os.cpu_count()} cores, load average {load()}; {args.people} people x {UPDATES_PER_PERSON} updates ({QUESTIONS} answers); "
          f"SQLite (WAL, synchronous=FULL); delivery: {args.delivery}; at most {MAX_CONNECTIONS} webhook "
          f"requests in flight", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        if args.peer:
            side_by_side(Path(folder), args.people, args.delivery)
            return
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

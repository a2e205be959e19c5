"""Slack end to end: many simulated people answer the five-question consultation through the real webhook.

As in production: the app (`samrad serve`'s web app on uvicorn with its outbox worker, which calls the Web
API from a process of its own; SQLite in WAL with synchronous=FULL) and, in one more process, Slack (the
fake Web API of tests/fakes/slack_api.py plus the people, in one event loop: both are a few lines of asyncio,
not threads and an HTTP library, so that this process stays cheap beside the bots it drives). Every request is signed exactly as Slack signs
it: Events API JSON for what people type in the direct message, form-encoded `payload=` for button presses
and the `/samrad <code>` slash command's form; at most 40 in flight. slack_sdk sends the replies to the fake
over HTTP. The same five questions and answers as bench/telegram_e2e.py.

1. Conversation, as fast as it goes: each person types `/samrad <code>` and answers as soon as the app's
   question arrives — three questions by button, two by typing — then submits from the summary: seven
   requests each. Measured: updates (requests) per second from the first until every reply has been
   delivered to the fake Slack, the acknowledgement latency (p50, p99: the time until Slack gets its 200,
   which it wants within three seconds), and the CPU time per update of each process (Linux /proc).
   Afterwards the database must hold every answer (5 per person), every dialogue complete and every reply
   sent: each answer was committed before its 200.
2. A burst, then a restart: as many new people as in run 1 type `/samrad <code>` at once; as soon as the
   last 200 has come the bot is stopped (as a deploy would). Counted: the requests acknowledged whose work
   is lost — for Samråd, an acknowledged start whose dialogue and first question are not in the database
   (sent or queued to be sent after the restart); for the peer, one whose first question never reached
   Slack (its work ran in a task after the 200, and died with the process).

With --peer, the same runs side by side with the peer (bench/peers/bolt_dm_bot.py): a slack-bolt AsyncApp
with its default settings (the request acknowledged first, the listener run afterwards in a task of its
own), the same questions, state in memory, on Starlette under uvicorn, pointed at a fake Web API of its own
with the same people and answers (six requests each: it has no summary to submit). In the order Samråd,
peer, peer, Samråd (each alone on the machine in its turn; see bench/telegram_e2e.py for why). Printed: both
rates, their ratio (Samråd / peer), CPU per update per process, and what each lost in the burst.

    .venv/bin/python bench/slack_e2e.py [--people 300]
    .venv/bin/python bench/slack_e2e.py --people 300 --peer

Robots answer faster than people, so Slack's pace of about a message a second per conversation is lifted
for the run, and the app's overall rate is set far above Slack's.
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

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import Phase, load, process_cpu
from bench.support import report as report_phase
from bench.support import side_by_side as compare
from bench.telegram_e2e import COMMENT, CONSULTATION, QUESTIONS
from bot.bootstrap import build
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import answers_table, dialogues_table, invitations_table, outbox_table
from tests import scenario
from tests.fakes.slack_api import (
    FORM,
    FakeSlack,
    FakeSlackUser,
    SlackMessage,
    block_actions,
    event_callback,
    message_event,
    signed,
    slash_command,
)
from tests.fakes.telegram_api import WebhookClient
from tests.live_server import free_port

MAX_CONNECTIONS = 40
UPDATES_PER_PERSON = 7
PEER_UPDATES_PER_PERSON = 6
PEER = Path(__file__).resolve().parent / "peers" / "bolt_dm_bot.py"
PHASE_TIMEOUT = 600.0
TOKEN = "xoxb-bench-slack-token"
SIGNING_SECRET = "bench-signing-secret"


# --- the app process ------------------------------------------------------------------------------


def settings(db: Path, api_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{db}", secret_key="bench", public_url="http://127.0.0.1",
        slack_bot_token=TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=api_url, slack_rate=100_000.0,
        sender_process="on",
    )


def serve_app(db: Path, api_url: str, port: int) -> None:
    import uvicorn

    from adapters.base import RateLimits
    from bot.process_tuning import settle_garbage_collector
    from bot.web.app import create_web_app

    app = build(settings(db, api_url))
    app.channels["slack"].rate_limits = RateLimits(per_second=100_000, per_address_per_second=1_000,
                                                   address_burst=1_000)
    settle_garbage_collector()
    uvicorn.run(create_web_app(app, background=True), host="127.0.0.1", port=port, log_level="warning")


def prepare(db: Path, people: int) -> list[str]:
    """A migrated database, `people` businesses with one contact each, the consultation open; the codes."""
    from bot.cli.demo import demo_org_number

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    app = build(settings(db, "http://127.0.0.1:1/api/"), engine=engine)
    lines = [scenario.BUSINESSES_CSV.splitlines()[0]]
    lines += [f"{demo_org_number(i)},Företag {i},56100,Mörby,,Kontakt {i},,,sv,," for i in range(people)]
    scenario.import_businesses(app, "\n".join(lines) + "\n")
    closes = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    consultation_id = scenario.open_consultation(app, CONSULTATION % closes.isoformat())
    with engine.connect() as conn:
        codes = conn.execute(sa.select(invitations_table.c.code)
                             .where(invitations_table.c.consultation_id == consultation_id)
                             .order_by(invitations_table.c.id)).scalars().all()
    engine.dispose()
    return list(codes)


async def check(db: Path, people: int) -> None:
    """Every answer committed, every dialogue complete, every reply sent. A reply the people have seen
    may not be recorded as sent yet (the worker records it when the sender's answer is back): waited for,
    a little, in this event loop, which also serves the fake Web API the last sends may still be talking to."""
    engine = make_engine(f"sqlite:///{db}")
    for _ in range(100):
        with engine.connect() as conn:
            answers = conn.execute(sa.select(sa.func.count()).select_from(answers_table)).scalar_one()
            complete = conn.execute(sa.select(sa.func.count()).select_from(dialogues_table)
                                    .where(dialogues_table.c.status == "complete")).scalar_one()
            unsent = conn.execute(sa.select(sa.func.count()).select_from(outbox_table)
                                  .where(outbox_table.c.status != "sent")).scalar_one()
        if not unsent:
            break
        await asyncio.sleep(0.1)
    engine.dispose()
    assert answers == people * QUESTIONS, f"{answers} answers stored, expected {people * QUESTIONS}"
    assert complete == people, f"{complete} dialogues complete, expected {people}"
    assert unsent == 0, f"{unsent} outbox rows not sent"


def durable_starts(db: Path) -> int:
    """Dialogues started in the database whose first question is sent or queued to be sent."""
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        started = conn.execute(sa.select(sa.func.count(sa.distinct(outbox_table.c.contact_id)))
                               .where(outbox_table.c.channel == "slack")).scalar_one()
    engine.dispose()
    return int(started)


# --- the Slack process: the fake Web API and the people ----------------------------------------------


@dataclass
class Run:
    slack: FakeSlack
    url: str
    client: WebhookClient
    loop: asyncio.AbstractEventLoop
    connections: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONNECTIONS))
    latencies: list[float] = field(default_factory=list)
    not_ok: int = 0
    first_post: float | None = None
    last_ack: float = 0.0
    arrived: dict[str, asyncio.Event] = field(default_factory=dict)

    def on_message(self, user: FakeSlackUser, message: SlackMessage) -> None:
        """Called in the fake's server thread: wake the person's waiter on this loop."""
        event = self.arrived.get(user.id)
        if event is not None:
            self.loop.call_soon_threadsafe(event.set)

    async def post(self, body: bytes, content_type: str = "application/json") -> None:
        if self.first_post is None:
            self.first_post = time.perf_counter()
        async with self.connections:
            started = time.perf_counter()
            status = await send(self.client, self.url, body, self.slack.signing_secret, content_type)
            self.latencies.append(time.perf_counter() - started)
        self.not_ok += status != 200
        self.last_ack = time.perf_counter()

    async def wait_for(self, user: FakeSlackUser, test: Callable[[SlackMessage], bool], seen: list[int]) -> SlackMessage:
        event = self.arrived.setdefault(user.id, asyncio.Event())
        while True:
            event.clear()
            inbox = list(user.messages)
            for index in range(seen[0], len(inbox)):
                if test(inbox[index]):
                    seen[0] = index + 1
                    return inbox[index]
            await event.wait()

    async def ask(self, user: FakeSlackUser, body: bytes, content_type: str, test: Callable[[SlackMessage], bool],
                  seen: list[int]) -> SlackMessage:
        await self.post(body, content_type)
        return await self.wait_for(user, test, seen)

    def press(self, user: FakeSlackUser, message: SlackMessage, label: str) -> bytes:
        element = next(e for e in message.elements() if e.get("text", {}).get("text") == label)
        return block_actions(user.id, message, element["action_id"], response_url=self.slack.response_url())

    def typed(self, user: FakeSlackUser, text: str) -> bytes:
        return event_callback(message_event(user.id, user.dm or "", text))


async def send(client: WebhookClient, url: str, body: bytes, secret: str, content_type: str) -> int:
    """POST as Slack does, over kept-alive connections; as Slack does, the same request is sent again on a
    new connection when a kept-alive one broke (the same event id, so it is done once). The client is a
    few lines of asyncio, as the fake Web API is (tests/fakes): the people and the fake share one process
    and must stay cheap next to the bots they drive."""
    status, _ = await client.post(url, body, signed(secret, body, content_type=content_type))
    return status


def shows(text: str) -> Callable[[SlackMessage], bool]:
    return lambda m: any(text in block for block in m.block_texts()) or text in m.text


def summary(message: SlackMessage) -> bool:
    return any(label.startswith(("Skicka", "Ja")) for label in message.buttons()) and "Här är dina svar" in message.text


async def conversation(run: Run, user: FakeSlackUser, code: str) -> float:
    seen = [0]
    q1 = await run.ask(user, slash_command(user.id, code), FORM, shows("Påverkas ert företag?"), seen)
    q2 = await run.ask(user, run.press(user, q1, "Ja"), FORM, shows("När lastar ni helst?"), seen)
    q3 = await run.ask(user, run.press(user, q2, "Kväll"), FORM, shows("Hur viktigt är det?"), seen)
    await run.ask(user, run.press(user, q3, "4"), FORM, shows("Hur många arbetar hos er?"), seen)
    await run.ask(user, run.typed(user, "12"), "application/json", shows("Något mer?"), seen)
    answers = await run.ask(user, run.typed(user, COMMENT), "application/json", summary, seen)
    submit = next(label for label in answers.buttons() if label.startswith(("Skicka", "Ja")))
    await run.ask(user, run.press(user, answers, submit), FORM, shows("Tack"), seen)
    return time.perf_counter()


async def peer_conversation(run: Run, user: FakeSlackUser, code: str) -> float:
    seen = [0]
    q1 = await run.ask(user, slash_command(user.id, code), FORM, shows("Påverkas ert företag?"), seen)
    q2 = await run.ask(user, run.press(user, q1, "Ja"), FORM, shows("När lastar ni helst?"), seen)
    q3 = await run.ask(user, run.press(user, q2, "Kväll"), FORM, shows("Hur viktigt är det?"), seen)
    await run.ask(user, run.press(user, q3, "4"), FORM, shows("Hur många arbetar hos er?"), seen)
    await run.ask(user, run.typed(user, "12"), "application/json", shows("Något mer?"), seen)
    await run.ask(user, run.typed(user, COMMENT), "application/json", shows("Tack för era svar!"), seen)
    return time.perf_counter()


# --- measuring ------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serving_bot(argv: list[str], ready_url: str, ready_status: int, stop: signal.Signals) -> AsyncIterator[
        asyncio.subprocess.Process]:
    child = await asyncio.create_subprocess_exec(sys.executable, *argv)
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(1200):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(ready_url)).status_code == ready_status:
                        break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"{argv[0]} did not start within a minute")
        yield child
    finally:
        if child.returncode is None:
            child.send_signal(stop)
            await asyncio.wait_for(child.wait(), 60)


async def measure(slack: FakeSlack, url: str, pid: int, codes: list[str],
                  behaviour: Callable[[Run, FakeSlackUser, str], Awaitable[float]], bot: str) -> Phase:
    client = WebhookClient(MAX_CONNECTIONS)
    try:
        loop = asyncio.get_running_loop()
        warming = Run(slack, url, client, loop)
        slack.listeners.append(warming.on_message)
        async with asyncio.timeout(PHASE_TIMEOUT):
            await behaviour(warming, slack.person("warm-up@bench.example"), codes[0])
        slack.listeners.remove(warming.on_message)
        run = Run(slack, url, client, loop)
        slack.listeners.append(run.on_message)
        users = [(slack.person(f"p{i}@bench.example"), code) for i, code in enumerate(codes[1:])]
        cpu_before = process_cpu(pid, "slack")
        measuring = time.perf_counter()
        try:
            async with asyncio.timeout(PHASE_TIMEOUT):
                finished = await asyncio.gather(*(behaviour(run, user, code) for user, code in users))
        except TimeoutError:
            raise RuntimeError(f"{bot}: the people were not done after {PHASE_TIMEOUT:.0f} s") from None
        cpu = {name: spent - cpu_before[name] for name, spent in process_cpu(pid, "slack").items()}
        slack.listeners.remove(run.on_message)
    finally:
        await client.aclose()
    started = run.first_post or measuring
    return Phase(bot, len(users), len(run.latencies), max(finished) - started, run.last_ack - started,
                 max(finished) - measuring, run.latencies, cpu, run.not_ok)


async def burst(slack: FakeSlack, url: str, codes: list[str], child: asyncio.subprocess.Process,
                stop: signal.Signals) -> list[FakeSlackUser]:
    """Everyone types `/samrad <code>` at once; the bot is stopped as soon as every request is acknowledged.
    The people who got a 200."""
    people = [slack.person(f"burst{i}@bench.example") for i in range(len(codes))]
    client = WebhookClient(MAX_CONNECTIONS)

    async def start(person: FakeSlackUser, code: str) -> bool:
        return await send(client, url, slash_command(person.id, code), slack.signing_secret, FORM) == 200

    try:
        acked = await asyncio.gather(*(start(p, c) for p, c in zip(people, codes, strict=True)))
    finally:
        await client.aclose()
    child.send_signal(stop)
    await asyncio.wait_for(child.wait(), 60)
    return [person for person, ok in zip(people, acked, strict=True) if ok]


def report(label: str, phase: Phase, done: str) -> None:
    report_phase(label, phase, done, platform="slack", acknowledged="requests")


async def samrad_run(label: str, db: Path, people: int) -> Phase:
    codes = prepare(db, 2 * people + 1)
    slack = FakeSlack(token=TOKEN, signing_secret=SIGNING_SECRET)
    fake_server = await slack.listen()  # in this event loop, beside the people (not in threads: see `send`)
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhooks/slack"
    try:
        async with serving_bot([__file__, "--serve", str(db), slack.api_url, str(port)],
                               f"http://127.0.0.1:{port}/healthz", 200, signal.SIGINT) as child:
            phase = await measure(slack, url, child.pid, codes[: people + 1], conversation, "Samråd")
            await check(db, people + 1)
            before = durable_starts(db)
            acked = await burst(slack, url, codes[people + 1:], child, signal.SIGINT)
        phase.burst = len(acked)
        phase.lost = len(acked) - (durable_starts(db) - before)
    finally:
        fake_server.close()
    report(label, phase, "every reply delivered")
    return phase


async def peer_run(label: str, people: int) -> Phase:
    slack = FakeSlack(token=TOKEN, signing_secret=SIGNING_SECRET)
    fake_server = await slack.listen()  # in this event loop, beside the people (not in threads: see `send`)
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    codes = [f"code{i}" for i in range(2 * people + 1)]  # the peer takes any code
    try:
        async with serving_bot([str(PEER), str(port), slack.api_url, TOKEN, SIGNING_SECRET], url, 405,
                               signal.SIGTERM) as child:
            phase = await measure(slack, url, child.pid, codes[: people + 1], peer_conversation, "peer")
            acked = await burst(slack, url, codes[people + 1:], child, signal.SIGTERM)
        complete = sum(any("Tack för era svar!" in m.text for m in u.messages)
                       for u in slack.users.values() if u.email.startswith("p"))
        assert complete == people, f"{complete} conversations complete with the peer, expected {people}"
        phase.burst = len(acked)
        phase.lost = sum(not person.messages for person in acked)
    finally:
        fake_server.close()
    report(label, phase, "every conversation complete")
    return phase


def side_by_side(folder: Path, people: int) -> None:
    first = asyncio.run(samrad_run("1a. Samråd: conversation, as fast as it goes", folder / "samrad-1.db", people))
    peer = [asyncio.run(peer_run("1b. the peer (Bolt, default settings): the same conversation", people)),
            asyncio.run(peer_run("2a. the peer: again", people))]
    last = asyncio.run(samrad_run("2b. Samråd: again", folder / "samrad-2.db", people))
    compare([first, last], peer, setting="each bot alone with its own fake Slack and the same people",
            report=report, updates_per_person=UPDATES_PER_PERSON, peer_updates_per_person=PEER_UPDATES_PER_PERSON)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--peer", action="store_true",
                        help="side by side with the peer (bench/peers/bolt_dm_bot.py): Samråd, the peer, the peer, "
                             "Samråd; both rates and their ratio")
    parser.add_argument("--serve", nargs=3, metavar=("DB", "API_URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        db, api_url, port = args.serve
        serve_app(Path(db), api_url, int(port))
        return
    print(f"{os.cpu_count()} cores, load average {load()}; {args.people} people x {UPDATES_PER_PERSON} updates "
          f"({QUESTIONS} answers); SQLite (WAL, synchronous=FULL); the sender process on; at most "
          f"{MAX_CONNECTIONS} requests in flight", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        if args.peer:
            side_by_side(Path(folder), args.people)
            return
        asyncio.run(samrad_run("1. conversation, as fast as it goes, then a burst and a restart",
                               Path(folder) / "conversation.db", args.people))


if __name__ == "__main__":
    main()

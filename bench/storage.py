"""How many answers per second are durably committed through the service layer.

Each answer is the web page's write path: load the contact, the consultation and the dialogue state, run
the engine, store the answer and the new state — in the group-commit writer, as `POST /c/{token}` does.
Many clients answer at once (threads standing in for concurrent requests); every answer is committed
(SQLite: WAL, synchronous=FULL) before its client sends the next. Prints answers/s for SQLite and, where
a server answers, PostgreSQL, with group commit and, for comparison, one commit per answer.

    .venv/bin/python bench/storage.py [--contacts 2000] [--clients 32]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.services.dialogues import load_consultation, load_contact
from bot.settings import Settings
from bot.writer import GroupCommitWriter
from conversations.messages import ChoiceIn
from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import answers_table
from tests import scenario

NOW = dt.datetime(2025, 2, 27, 8, 0, tzinfo=dt.UTC)
# Five answers per contact through the demo questionnaire: yes, a scale, two concerns, a time, a number.
ANSWERS = (("affected", ("yes",)), ("impact", ("4",)), ("concerns", ("deliveries", "noise")),
           ("best_time", ("evening",)), ("staff", ("12",)))


def businesses_csv(count: int) -> str:
    from bot.cli.demo import demo_org_number

    lines = [scenario.BUSINESSES_CSV.splitlines()[0]]
    for index in range(count):
        lines.append(f"{demo_org_number(index)},Företag {index},56100,Mörby,,Kontakt {index},k{index}@f.example,,sv,,")
    return "\n".join(lines) + "\n"


def prepare(url: str, contacts: int) -> tuple[App, int, list[int]]:
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, secret_key="bench", _env_file=None)  # type: ignore[call-arg]
    app = build(settings, clock=FixedClock(NOW), engine=engine)
    scenario.import_businesses(app, businesses_csv(contacts))
    consultation_id = scenario.open_consultation(app, scenario.consultation_yaml(closes=NOW + dt.timedelta(days=14)))
    return app, consultation_id, scenario.invited_contacts(app, consultation_id)


def run(app: App, consultation_id: int, contact_ids: list[int], clients: int, max_batch: int) -> dict[str, float]:
    writer = GroupCommitWriter(app.engine, max_batch=max_batch)
    writer.start()
    latencies: list[float] = []
    lock = threading.Lock()

    def answer(contact_id: int, question_id: str, values: tuple[str, ...]) -> None:
        def work(conn: sa.Connection) -> None:
            contact = load_contact(conn, contact_id)
            consultation = load_consultation(conn, consultation_id)
            assert contact is not None and consultation is not None
            app.dialogues.answer(conn, contact, consultation, ChoiceIn(question_id, values), channel="web", now=NOW)

        started = time.perf_counter()
        writer.run(work)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)

    def client(mine: list[int]) -> None:
        for contact_id in mine:
            for question_id, values in ANSWERS:
                answer(contact_id, question_id, values)

    shares = [contact_ids[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    writer.stop()
    with app.engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(answers_table)).scalar_one()
    expected = len(contact_ids) * len(ANSWERS)
    assert stored == expected, f"{stored} answers stored, expected {expected}"
    latencies.sort()
    return {
        "answers": expected,
        "seconds": elapsed,
        "per_second": expected / elapsed,
        "commits": writer.batches,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def report(label: str, result: dict[str, float]) -> None:
    print(
        f"{label:<34} {result['per_second']:>8.0f} answers/s  ({result['answers']:.0f} answers in "
        f"{result['seconds']:.1f} s, {result['commits']:.0f} commits, p50 {result['p50_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms)"
    )


def postgres_url() -> str | None:
    base = sa.engine.make_url(os.environ.get("SAMRAD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    try:
        admin = sa.create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"samrad_bench_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: say so and measure SQLite only
        print(f"PostgreSQL: not measured ({type(error).__name__}: {str(error).splitlines()[0]})")
        return None
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {args.contacts} contacts x {len(ANSWERS)} answers, {args.clients} concurrent clients")
    with tempfile.TemporaryDirectory() as folder:
        for max_batch, label in ((128, "group commit"), (1, "one commit per answer")):
            path = Path(folder) / f"bench-{max_batch}.db"
            app, consultation_id, contacts = prepare(f"sqlite:///{path}", args.contacts)
            report(f"SQLite, {label}", run(app, consultation_id, contacts, args.clients, max_batch))
            app.engine.dispose()
    url = postgres_url()
    if url is not None:
        try:
            for max_batch, label in ((128, "group commit"), (1, "one commit per answer")):
                app, consultation_id, contacts = prepare(url, args.contacts)
                report(f"PostgreSQL, {label}", run(app, consultation_id, contacts, args.clients, max_batch))
                with app.engine.begin() as conn:
                    conn.execute(sa.text("TRUNCATE answers, dialogues, invitations, consultations, cases, contacts, businesses, audit_log RESTART IDENTITY CASCADE"))
                app.engine.dispose()
        finally:
            drop_postgres(url)


if __name__ == "__main__":
    main()

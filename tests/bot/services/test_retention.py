"""Retention: on a clock moved forward, non-answerers are erased 90 days after the consultation closed
(not 89), answerers de-identified 24 months after the case's last consultation closed (not 23); a second
run does nothing; contacts in an open consultation are never touched; two processes at once erase each
contact once; the audit log holds counts only. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.services import lifecycle, retention
from bot.services.chat import ChatRouter
from bot.settings import RetentionPeriods, Settings
from conversations.messages import TextIn
from conversations.org_numbers import luhn_check_digit
from storage.db import make_engine
from storage.tables import answers_table, audit_log_table, contacts_table
from tests import scenario

ANNA_ANSWERS = ("ja", "4", "1, 4", "kväll", "1 200", "15/3", "Leveranser före sju", "ja")
PERSONAL = ("Anna Ek", "anna@bageri.example", "08-123456", "Bo Ek", "bo@bageri.example", "Cilla Ros",
            "cilla@torget.example")


def answer(app: App, contact_id: int, *texts: str) -> None:
    router = ChatRouter(app.dialogues)
    with app.engine.begin() as conn:
        router.start(conn, contact_id, channel="console", now=app.clock())
        for text in texts:
            router.receive(conn, contact_id, TextIn(text), channel="console", now=app.clock())


def close_now(app: App, consultation_id: int) -> None:
    lifecycle.close(app, consultation_id, actor="test")


def contact_names(app: App) -> dict[int, str]:
    with app.engine.connect() as conn:
        return dict(conn.execute(sa.select(contacts_table.c.id, contacts_table.c.name)).tuples().all())


def summary(counts: list[retention.CaseCount]) -> list[tuple[str, str, int]]:
    return [(c.reference, c.kind, c.count) for c in counts]


def audit_entries(app: App) -> list[sa.Row[tuple[str, str, str, dict[str, object]]]]:
    with app.engine.connect() as conn:
        return list(conn.execute(
            sa.select(audit_log_table.c.actor, audit_log_table.c.action, audit_log_table.c.target,
                      audit_log_table.c.detail)
            .where(audit_log_table.c.action == retention.ACTION).order_by(audit_log_table.c.id)
        ).tuples())


@pytest.fixture
def town(app: App) -> scenario.Municipality:
    """Anna answered everything, Bo only the first question, Cilla nothing; closed now (09:00 local)."""
    town = scenario.municipality(app)
    anna, bo, _cilla = town.contact_ids
    answer(app, anna, *ANNA_ANSWERS)
    answer(app, bo, "nej")
    close_now(app, town.consultation_id)
    return town


def test_non_answerers_go_after_90_days_and_answerers_identities_after_24_months(
    app: App, clock: FixedClock, town: scenario.Municipality
) -> None:
    anna, bo, cilla = town.contact_ids
    closed = clock.now

    clock.now = closed + dt.timedelta(days=89, hours=23)
    assert retention.plan(app.engine, app.settings, now=clock.now) == []
    clock.now = closed + dt.timedelta(days=90, minutes=1)
    assert summary(retention.plan(app.engine, app.settings, now=clock.now)) == [("KS 2025/0042", "erased", 1)]
    assert contact_names(app)[cilla] == "Cilla Ros"  # a dry run changes nothing
    done = retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler")
    assert summary(done) == [("KS 2025/0042", "erased", 1)]
    names = contact_names(app)
    assert (names[anna], names[bo], names[cilla]) == ("Anna Ek", "Bo Ek", "")
    assert retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler") == []  # the second: nothing

    clock.now = retention.add_months(closed, 23) + dt.timedelta(days=20)
    assert retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler") == []
    clock.now = retention.add_months(closed, 24) + dt.timedelta(minutes=1)
    done = retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler")
    assert summary(done) == [("KS 2025/0042", "deidentified", 2)]
    assert retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler") == []

    names = contact_names(app)
    assert (names[anna], names[bo]) == ("", "")
    with app.engine.connect() as conn:
        kept = conn.execute(sa.select(answers_table.c.contact_id, answers_table.c.question_id)
                            .where(answers_table.c.contact_id.in_((anna, bo)))).all()
    assert len(kept) == len(ANNA_ANSWERS) - 1 + 1  # Anna's 7 answers and Bo's one stay, for statistics
    entries = audit_entries(app)
    assert [(e[0], e[1], e[2], e[3]) for e in entries] == [
        ("scheduler", "retention.apply", f"case:{_case_id(app)}",
         {"erased": 1, "unanswered_days": 90, "answered_months": 24}),
        ("scheduler", "retention.apply", f"case:{_case_id(app)}",
         {"deidentified": 2, "unanswered_days": 90, "answered_months": 24}),
    ]
    with app.engine.connect() as conn:
        audit_text = json.dumps([list(r) for r in conn.execute(sa.select(audit_log_table)).tuples()], default=str)
    assert not [p for p in PERSONAL if p in audit_text]


def _case_id(app: App) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT id FROM cases")).scalar_one())


def test_a_later_consultation_of_the_case_moves_the_answerers_date(
    app: App, clock: FixedClock, town: scenario.Municipality
) -> None:
    """24 months count from the case's last consultation: a follow-up closed a year later keeps Anna
    and Bo known until 24 months after that one."""
    closed = clock.now
    clock.now = closed + dt.timedelta(days=30)
    follow_up = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=clock.now + dt.timedelta(days=10)).replace(
            "Trafiken under byggtiden", "Uppföljning av trafiken")
    )
    clock.now += dt.timedelta(days=300)
    close_now(app, follow_up)
    later = clock.now
    clock.now = later + dt.timedelta(days=89)
    assert retention.plan(app.engine, app.settings, now=clock.now) == []  # Cilla was invited to the follow-up too
    clock.now = retention.add_months(closed, 25)  # 90 days after the follow-up, 24 months after the first
    assert summary(retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler")) == [
        ("KS 2025/0042", "erased", 1)]
    clock.now = retention.add_months(later, 24) - dt.timedelta(minutes=1)
    assert retention.plan(app.engine, app.settings, now=clock.now) == []
    clock.now = retention.add_months(later, 24) + dt.timedelta(minutes=1)
    assert summary(retention.plan(app.engine, app.settings, now=clock.now)) == [("KS 2025/0042", "deidentified", 2)]


def test_a_contact_invited_to_an_open_consultation_is_never_touched(
    app: App, clock: FixedClock, town: scenario.Municipality
) -> None:
    anna, bo, cilla = town.contact_ids
    closed = clock.now
    other = scenario.open_consultation(app, scenario.consultation_yaml(
        closes=closed + dt.timedelta(days=900), reference="KS 2025/0099"))
    assert set(scenario.invited_contacts(app, other)) == {anna, bo, cilla}
    clock.now = retention.add_months(closed, 25)
    assert retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler") == []
    names = contact_names(app)
    assert (names[anna], names[bo], names[cilla]) == ("Anna Ek", "Bo Ek", "Cilla Ros")


def test_a_case_type_s_own_periods_replace_the_defaults(
    app: App, clock: FixedClock, town: scenario.Municipality
) -> None:
    """The demo case is a traffic case: 30 days and 6 months for it; other types keep 90 days."""
    closed = clock.now
    shorter = app.settings.model_copy(update={"retention_case_types": {
        "traffic": RetentionPeriods(unanswered_days=30, answered_months=6),
        "procurement": RetentionPeriods(unanswered_days=400),
    }})
    clock.now = closed + dt.timedelta(days=29)
    assert retention.plan(app.engine, shorter, now=clock.now) == []
    clock.now = closed + dt.timedelta(days=31)
    assert summary(retention.plan(app.engine, shorter, now=clock.now)) == [("KS 2025/0042", "erased", 1)]
    assert retention.plan(app.engine, app.settings, now=clock.now) == []  # the defaults: not yet
    clock.now = retention.add_months(closed, 6) + dt.timedelta(minutes=1)
    assert summary(retention.apply(app.engine, shorter, now=clock.now, actor="cli")) == [
        ("KS 2025/0042", "erased", 1), ("KS 2025/0042", "deidentified", 2)]
    assert audit_entries(app)[0][3] == {"erased": 1, "deidentified": 2, "unanswered_days": 30, "answered_months": 6}


def test_case_type_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown case type roads"):
        Settings(retention_case_types={"roads": {"unanswered_days": 30}}, _env_file=None)  # type: ignore[call-arg, dict-item]
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Settings(retention_unanswered_days=-1, _env_file=None)  # type: ignore[call-arg]
    settings = Settings(retention_case_types={"events": {"answered_months": 36}}, _env_file=None)  # type: ignore[call-arg, dict-item]
    assert (settings.retention_days_unanswered("events"), settings.retention_months_answered("events")) == (90, 36)
    assert settings.retention_months_answered("permits") == 24


def test_months_are_calendar_months() -> None:
    moment = dt.datetime(2025, 8, 31, 14, 35, tzinfo=dt.UTC)
    assert retention.add_months(moment, 6) == dt.datetime(2026, 2, 28, 14, 35, tzinfo=dt.UTC)
    assert retention.add_months(moment, 24) == dt.datetime(2027, 8, 31, 14, 35, tzinfo=dt.UTC)
    assert retention.add_months(moment, 18) == dt.datetime(2027, 2, 28, 14, 35, tzinfo=dt.UTC)


def test_the_report_reads_per_case_and_kind() -> None:
    counts = [retention.CaseCount(3, "KS 2025/0042", "erased", 1),
              retention.CaseCount(3, "KS 2025/0042", "deidentified", 12)]
    assert retention.describe(counts, dry_run=True) == (
        "KS 2025/0042 (case 3): would erase 1 contact\nKS 2025/0042 (case 3): would de-identify 12 contacts")
    assert retention.describe(counts, dry_run=False).splitlines()[1] == "KS 2025/0042 (case 3): de-identified 12 contacts"
    assert retention.describe([], dry_run=False) == "nothing is due for erasure or de-identification"


# --- two processes at once ---------------------------------------------------------------------------

MANY = 36


def _many_businesses() -> str:
    lines = [scenario.BUSINESSES_CSV.splitlines()[0]]
    for number in range(MANY):
        digits = f"55{number:07d}"
        org = f"{digits[:6]}-{digits[6:]}{luhn_check_digit(digits)}"
        lines.append(f"{org},Butik {number},47111,Mörby,,Person {number},p{number}@butik.example,,sv,,")
    return "\n".join(lines) + "\n"


def test_two_processes_at_once_erase_each_contact_once(app: App, clock: FixedClock, db_engine: Engine) -> None:
    scenario.import_businesses(app, _many_businesses())
    consultation_id = scenario.open_consultation(app, scenario.consultation_yaml(closes=clock.now + dt.timedelta(days=5)))
    invited = scenario.invited_contacts(app, consultation_id)
    for contact_id in invited[:5]:
        answer(app, contact_id, "nej")
    close_now(app, consultation_id)
    now = retention.add_months(clock.now, 24) + dt.timedelta(days=3)

    results: list[list[retention.CaseCount]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def one_process(name: str) -> None:
        engine = make_engine(db_engine.url.render_as_string(hide_password=False))  # its own pool
        try:
            start.wait()
            results.append(retention.apply(engine, app.settings, now=now, actor=name))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=one_process, args=(f"process-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    erased = sum(c.count for done in results for c in done if c.kind == "erased")
    deidentified = sum(c.count for done in results for c in done if c.kind == "deidentified")
    assert (erased, deidentified) == (len(invited) - 5, 5)
    entries = audit_entries(app)
    assert sum(int(str(e[3].get("erased", 0))) for e in entries) == len(invited) - 5
    assert sum(int(str(e[3].get("deidentified", 0))) for e in entries) == 5
    assert all(isinstance(v, int) for e in entries for v in e[3].values())
    with app.engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(contacts_table).where(
            contacts_table.c.id.in_(invited), contacts_table.c.erased_at.is_(None))).scalar_one()
    assert left == 0
    assert retention.apply(app.engine, app.settings, now=now, actor="scheduler") == []

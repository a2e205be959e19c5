"""Retention of anonymous answers marked as holding personal data: an anonymous response has no contact
whose erasure would take them, so their values go when the case's answerers are de-identified (24 months
after its last consultation closed, not 23), and only theirs: the response's other answers, and answers
marked only as a business secret, stay. A second run does nothing; an open consultation in the case holds
it back; the dry run counts what would go; the audit entry holds the count. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.services import answer_marks, lifecycle, retention, themes
from storage.tables import anonymous_responses_table, audit_log_table
from tests import scenario
from tests.bot.services.anonymous_support import TYPED, AnsweredTown, anonymous_answered_town

ACTOR = "official@kommun.example [127.0.0.1]"
ANNA, CILLA, EVA = (TYPED[name][-1] for name in ("Anna Ek", "Cilla Ros", "Eva Lund"))


def marked_town(app: App) -> AnsweredTown:
    """Anna's and Eva's comments marked as personal data (a name, a phone number), Cilla's as a business
    secret; the consultation closed now."""
    town = anonymous_answered_town(app)
    cid, now = town.consultation_id, app.clock()
    with app.session() as session:
        by_text = {a.text: a for a in themes.free_text_answers(session, cid)}
        for text, kind in ((ANNA, "personal_data"), (EVA, "personal_data"), (CILLA, "business_secret")):
            answer_marks.mark(session, cid, by_text[text].respondent, "comments", kind, actor=ACTOR, now=now)
        session.commit()
    lifecycle.close(app, cid, actor="test")
    return town


def responses(app: App) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(anonymous_responses_table.c.answers)).scalars().all()
    return sorted((dict(row) for row in rows), key=lambda answers: int(answers["staff"]))


def personal_counts(counts: list[retention.CaseCount]) -> list[int]:
    return [count.count for count in counts if count.kind == "personal_answers"]


def test_marked_anonymous_answers_lose_their_values_when_the_answerers_are_de_identified(
    app: App, clock: FixedClock
) -> None:
    marked_town(app)
    closed = clock.now
    before = responses(app)
    assert sorted(r["comments"] for r in before) == sorted([ANNA, CILLA, EVA])

    clock.now = retention.add_months(closed, 24) - dt.timedelta(minutes=1)
    retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler")  # the contacts, 90 days on
    assert responses(app) == before

    clock.now = retention.add_months(closed, 24) + dt.timedelta(minutes=1)
    assert personal_counts(retention.plan(app.engine, app.settings, now=clock.now)) == [2]
    assert responses(app) == before  # a dry run changes nothing
    done = retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler")
    assert [(c.kind, c.count) for c in done] == [("personal_answers", 2)]

    after = responses(app)
    assert sorted(r["comments"] for r in after) == sorted([answer_marks.ERASED_VALUE, CILLA, answer_marks.ERASED_VALUE])
    # Only the marked answer goes: the rest of each response stays, for statistics.
    assert [{k: v for k, v in r.items() if k != "comments"} for r in after] == [
        {k: v for k, v in r.items() if k != "comments"} for r in before]
    with app.engine.connect() as conn:
        detail = conn.execute(
            sa.select(audit_log_table.c.detail).where(audit_log_table.c.action == retention.ACTION)
            .order_by(audit_log_table.c.id.desc())
        ).scalars().first()
    assert detail == {"personal_answers": 2, "unanswered_days": 90, "answered_months": 24}
    assert retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler") == []  # the second: nothing
    assert retention.plan(app.engine, app.settings, now=clock.now) == []


def test_an_open_consultation_in_the_case_holds_the_marked_answers_back(app: App, clock: FixedClock) -> None:
    marked_town(app)
    follow_up = scenario.consultation_yaml(closes=clock.now + dt.timedelta(days=800), areas="[Mörby, Djursholm]")
    scenario.open_consultation(app, follow_up.replace("Trafiken under byggtiden", "Uppföljning av trafiken"))
    clock.now = retention.add_months(clock.now, 24) + dt.timedelta(days=1)
    assert personal_counts(retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler")) == []
    assert sorted(r["comments"] for r in responses(app)) == sorted([ANNA, CILLA, EVA])


def test_the_report_names_the_anonymous_answers() -> None:
    counts = [retention.CaseCount(3, "KS 2025/0042", "personal_answers", 1),
              retention.CaseCount(4, "KS 2025/0050", "personal_answers", 2)]
    assert retention.describe(counts, dry_run=True).splitlines() == [
        "KS 2025/0042 (case 3): would erase 1 anonymous answer marked as personal data",
        "KS 2025/0050 (case 4): would erase 2 anonymous answers marked as personal data"]
    assert retention.describe(counts, dry_run=False).splitlines()[1] == (
        "KS 2025/0050 (case 4): erased 2 anonymous answers marked as personal data")

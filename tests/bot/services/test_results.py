"""A consultation's results counted from the stored rows: the funnel, per channel and per day, and each
question's summary, overall and filtered (tests/bot/services/results_support.py sets the answers)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import App
from bot.services import results as results_service
from bot.services.answer_filter import AnswerFilter, FilterError
from bot.services.results import Funnel, ResultsError, answer_sheet, consultation_results, histogram, timeline
from tests.bot.services.results_support import answered_town


def _results(app: App, consultation_id: int, **wanted: str) -> results_service.Results:
    with app.session() as session:
        return consultation_results(session, consultation_id, AnswerFilter.parse(**wanted), language="sv")


def _bars(summary: results_service.QuestionSummary) -> list[tuple[str, int, int]]:
    """(key, count, share in whole percent) of each bar."""
    return [(bar.key, bar.count, round(bar.share * 100)) for bar in summary.bars]


def test_the_funnel_counts_every_invited_contact_once_overall_and_by_channel(app: App) -> None:
    town = answered_town(app)
    found = _results(app, town.consultation_id)
    assert found.funnel == Funnel(invited=8, sent=7, started=6, completed=4, declined=1, opted_out=1, unreachable=1)
    assert found.funnel.response_rate == 0.5
    assert {c.channel: c.funnel for c in found.by_channel} == {
        "email": Funnel(invited=4, sent=4, started=3, completed=1, declined=1, opted_out=1, unreachable=0),
        "telegram": Funnel(invited=2, sent=2, started=2, completed=2, declined=0, opted_out=0, unreachable=0),
        "web": Funnel(invited=1, sent=1, started=1, completed=1, declined=0, opted_out=0, unreachable=0),
        "": Funnel(invited=1, sent=0, started=0, completed=0, declined=0, opted_out=0, unreachable=1),
    }
    assert [c.channel for c in found.by_channel][-1] == ""  # "no channel" comes last
    assert found.areas == ["Djursholm", "Mörby"] and found.channels == ["email", "telegram", "web"]


def test_the_days_are_stockholms_and_every_day_between_is_listed(app: App) -> None:
    town = answered_town(app)
    days = [(d.day.day, d.sent, d.started, d.completed, d.declined) for d in _results(app, town.consultation_id).days]
    # Cilla submitted at 23:30 UTC on the 20th: the 21st in Stockholm. Nothing was submitted on the 23rd.
    assert days == [(20, 7, 2, 0, 0), (21, 0, 1, 2, 1), (22, 0, 1, 1, 0), (23, 0, 1, 0, 0), (24, 0, 1, 1, 0)]


def test_each_question_is_summarised_from_the_submitted_responses(app: App) -> None:
    town = answered_town(app)
    questions = {q.question.id: q for q in _results(app, town.consultation_id).questions}
    # Gun's partial "yes" is not counted: 3 yes of 4 submitted, not 4 of 5.
    assert _bars(questions["affected"]) == [("yes", 3, 75), ("no", 1, 25)]
    assert [b.label for b in questions["affected"].bars] == ["Ja", "Nej"]
    assert (questions["impact"].answered, questions["impact"].skipped) == (3, 1)
    assert _bars(questions["impact"]) == [("1", 0, 0), ("2", 1, 33), ("3", 0, 0), ("4", 1, 33), ("5", 1, 33)]
    stats = questions["impact"].stats
    assert stats is not None and (stats.low, stats.median, round(stats.mean, 2), stats.high) == (2, 4, 3.67, 5)
    # Multi: shares of the 3 who answered, so they add up to more than 100 %.
    assert _bars(questions["concerns"]) == [
        ("deliveries", 2, 67), ("parking", 2, 67), ("access", 1, 33), ("noise", 1, 33), ("signage", 0, 0)
    ]
    assert questions["concerns"].bars[1].label == "Parkering för kunder"
    assert _bars(questions["best_time"]) == [("morning", 1, 25), ("daytime", 0, 0), ("evening", 2, 50), ("night", 1, 25)]
    # 3, 7, 12 and 40 people: three bins of 20.
    assert [(b.label, b.count) for b in questions["staff"].bars] == [("0–19", 3), ("20–39", 0), ("40–59", 1)]
    assert questions["start"].period == "day"
    assert _bars(questions["start"]) == [("2025-03-15", 1, 50), ("2025-03-16", 0, 0), ("2025-03-17", 1, 50)]
    # Cilla's empty comment is no answer.
    assert (questions["comments"].kind, questions["comments"].answered, questions["comments"].bars) == ("text", 2, ())


def test_an_industry_prefix_an_area_and_a_channel_narrow_every_figure(app: App) -> None:
    town = answered_town(app)
    restaurants = _results(app, town.consultation_id, industry="56")  # 56100, 56101, 56210; not 55101
    assert (restaurants.funnel.invited, restaurants.funnel.completed) == (3, 3)
    assert _bars(restaurants.questions[0]) == [("yes", 2, 67), ("no", 1, 33)]
    dotted = _results(app, town.consultation_id, industry="56.1")  # 56100 and 56101
    assert sorted(r.business_name for r in dotted.rows) == ["Café Torget", "Pizzeria Roma"]
    morby = _results(app, town.consultation_id, area="mörby")  # any case
    assert (morby.funnel.invited, morby.funnel.completed, morby.funnel.unreachable) == (5, 3, 1)
    assert _bars(morby.questions[3]) == [("morning", 1, 33), ("daytime", 0, 0), ("evening", 1, 33), ("night", 1, 33)]
    telegram = _results(app, town.consultation_id, channel="telegram")
    assert _bars(telegram.questions[2])[:3] == [("deliveries", 1, 50), ("parking", 2, 100), ("access", 1, 50)]
    assert [d.day.day for d in telegram.days] == [20, 21, 22]
    both = _results(app, town.consultation_id, area="Djursholm", channel="email")  # Dan and Hans
    assert both.funnel == Funnel(invited=2, sent=2, started=1, completed=0, declined=1, opted_out=1, unreachable=0)
    assert all(q.answered == 0 for q in both.questions)
    # The filter's choices stay those of the whole consultation.
    assert both.areas == ["Djursholm", "Mörby"]


@pytest.mark.parametrize(
    ("typed", "field", "reason"),
    [({"industry": "restaurang"}, "industry", "not_sni"), ({"area": "x" * 101}, "area", "too_long")],
)
def test_a_filter_that_cannot_be_one_is_refused_by_name(typed: dict[str, str], field: str, reason: str) -> None:
    with pytest.raises(FilterError) as refused:
        AnswerFilter.parse(**typed)
    assert (refused.value.field, refused.value.reason) == (field, reason)


def test_an_answer_sheet_shows_the_answers_as_people_read_them(app: App) -> None:
    town = answered_town(app)
    with app.session() as session:
        sheet = answer_sheet(session, town.consultation_id, town.contact_ids["Anna Ek"], language="sv")
        english = answer_sheet(session, town.consultation_id, town.contact_ids["Filip Berg"], language="en")
        with pytest.raises(ResultsError):
            answer_sheet(session, town.consultation_id, 999)
        with pytest.raises(ResultsError):
            consultation_results(session, 999)
    assert (sheet.row.contact_name, sheet.row.status) == ("Anna Ek", "complete")
    assert [(i.number, i.answer) for i in sheet.items] == [
        (1, "Ja"), (2, "4"), (3, "Leveranser, Buller och damm"), (4, "Kväll"), (5, "12"), (6, "2025-03-15"),
        (7, "Leveranser före 7 är viktiga, säger Anna Ek."),
    ]
    assert [i.answer for i in english.items] == ["No", "", "", "Night", "7", "", ""]


def test_a_histogram_takes_round_bins_and_a_bins_lower_bound_only() -> None:
    # Five answers: four bins (Sturges); a span of 2.8 in four is 0.7, rounded up to 1. 2 falls in 2–3.
    assert histogram([0.5, 1.2, 2, 3.3, 3.3], integer=False, language="sv") == [
        ("0-1", "0–1", 1), ("1-2", "1–2", 1), ("2-3", "2–3", 1), ("3-4", "3–4", 2)
    ]
    # Four answers, three bins: 0.9 / 3 = 0.3, rounded up to 0.5 (not 0.25: a bin must be at least as wide).
    assert histogram([0.25, 0.3, 0.9, 1.15], integer=False, language="sv") == [
        ("0-0.5", "0–0,5", 2), ("0.5-1", "0,5–1", 1), ("1-1.5", "1–1,5", 1)
    ]
    assert histogram([5, 5, 5], integer=True) == [("5", "5", 3)]
    # Whole numbers in bins one wide are labelled by the number alone.
    assert [(label, n) for _, label, n in histogram([1, 2, 3], integer=True)] == [("1", 1), ("2", 1), ("3", 1)]
    assert histogram([], integer=True) == []


def test_a_dates_timeline_goes_by_month_or_year_over_long_spans() -> None:
    assert timeline([dt.date(2025, 11, 30), dt.date(2026, 2, 1), dt.date(2026, 2, 27)]) == (
        "month", [("2025-11", 1), ("2025-12", 0), ("2026-01", 0), ("2026-02", 2)]
    )
    assert timeline([dt.date(2024, 6, 1), dt.date(2027, 7, 1)])[0] == "year"
    assert timeline([dt.date(2024, 6, 1), dt.date(2027, 7, 1)])[1][0] == ("2024", 1)

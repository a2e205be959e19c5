"""The results of an anonymous consultation count the sent responses, which are kept without their
senders (bot/services/anonymous.py): every question's figures, narrowed by area and industry; a channel
cannot narrow them (they have none). The funnel still counts each invited contact once."""

from __future__ import annotations

from bot.bootstrap import App
from bot.services import results as results_service
from bot.services.answer_filter import AnswerFilter
from bot.services.results import consultation_results
from tests.bot.services.anonymous_support import anonymous_answered_town


def _results(app: App, consultation_id: int, **wanted: str) -> results_service.Results:
    with app.session() as session:
        return consultation_results(session, consultation_id, AnswerFilter.parse(**wanted), language="sv")


def _counts(summary: results_service.QuestionSummary) -> list[tuple[str, int]]:
    return [(bar.key, bar.count) for bar in summary.bars]


def test_every_question_counts_the_anonymous_responses(app: App) -> None:
    town = anonymous_answered_town(app)
    found = _results(app, town.consultation_id)
    questions = {q.question.id: q for q in found.questions}
    assert _counts(questions["affected"]) == [("yes", 3), ("no", 0)]
    assert _counts(questions["impact"]) == [("1", 0), ("2", 1), ("3", 0), ("4", 1), ("5", 1)]
    assert _counts(questions["concerns"])[:4] == [("deliveries", 2), ("parking", 2), ("access", 1), ("noise", 1)]
    assert (questions["comments"].answered, questions["comments"].skipped) == (3, 0)
    assert not found.anonymous_left_out


def test_the_funnel_counts_each_invited_contact_once_with_their_channel(app: App) -> None:
    town = anonymous_answered_town(app)
    funnel = _results(app, town.consultation_id).funnel
    assert (funnel.invited, funnel.started, funnel.completed) == (8, 3, 3)
    by_channel = {c.channel: c.funnel.completed for c in _results(app, town.consultation_id).by_channel}
    assert by_channel["telegram"] == 3
    respondents = _results(app, town.consultation_id).respondents
    assert sorted(r.contact_name for r in respondents) == ["Anna Ek", "Cilla Ros", "Eva Lund"]
    assert all(r.answers == {} for r in respondents)  # named rows never carry an anonymous response's answers


def test_area_and_industry_narrow_the_anonymous_responses(app: App) -> None:
    town = anonymous_answered_town(app)
    djursholm = _results(app, town.consultation_id, area="djursholm")
    assert [q.answered for q in djursholm.questions][:2] == [1, 1]
    assert _counts(djursholm.questions[1])[1] == ("2", 1)
    restaurants = _results(app, town.consultation_id, industry="56")  # Café Torget and Pizzeria Roma
    assert _counts(restaurants.questions[0]) == [("yes", 2), ("no", 0)]
    assert restaurants.funnel.completed == 2


def test_a_channel_filter_leaves_the_anonymous_responses_out_and_says_so(app: App) -> None:
    town = anonymous_answered_town(app)
    telegram = _results(app, town.consultation_id, channel="telegram")
    assert telegram.funnel.completed == 3  # the contacts did answer on Telegram
    assert all(q.answered == 0 for q in telegram.questions)
    assert telegram.anonymous_left_out

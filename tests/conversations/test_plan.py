"""A questionnaire is prepared for the engine once, and the preparation is reused for every step."""

from __future__ import annotations

import gc

from conversations import plan as plans
from conversations.plan import plan_for
from conversations.questionnaire import Questionnaire

SOURCE = {"title": "T", "questions": [{"id": "a", "kind": "text", "text": "A?"}]}


def test_a_questionnaire_is_planned_once_and_an_equal_one_gets_its_own_plan() -> None:
    first, second = Questionnaire.model_validate(SOURCE), Questionnaire.model_validate(SOURCE)
    plan = plan_for(first)
    assert plan.questions == first.questions
    other = plan_for(second)
    assert other is not plan and other.questions == second.questions
    assert plan_for(first) is plan and plan_for(second) is other


def test_a_questionnaire_no_longer_used_takes_its_plan_with_it() -> None:
    planned = Questionnaire.model_validate(SOURCE)
    plan_for(planned)
    cached = len(plans._PLANS)
    del planned
    gc.collect()
    assert len(plans._PLANS) == cached - 1

"""A questionnaire prepared for the engine, and walking its questions in order against a dialogue.

Which questions apply, which comes next, where "back" goes, the question's number among those that
apply, and which answers a changed answer rules out. Conditions name earlier questions only, so every
walk is one pass in questionnaire order.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from conversations.conditions import Conditions, holds, matches
from conversations.messages import AnswerValue, Choice, Language
from conversations.questionnaire import Question, Questionnaire
from conversations.state import DialogueState


@dataclass(frozen=True, slots=True)
class Static:
    """The parts of a question's prompt that never change between steps, rendered once."""

    text: str
    hint: str
    choices: tuple[Choice, ...]
    low: float | None
    high: float | None
    max_length: int | None


@dataclass(frozen=True, slots=True)
class Plan:
    # No reference to the questionnaire itself: the cache below holds plans, and a plan that kept its
    # questionnaire alive would keep the cache's weak reference from ever letting it go.
    questions: tuple[Question, ...]
    index: dict[str, int]
    # each question's `when`; () when it always applies
    conditions: tuple[Conditions, ...]
    # filled by conversations.prompts as questions are first asked in each language
    statics: dict[tuple[str, Language], Static] = field(default_factory=dict)


# Questionnaires are frozen and reused for many steps; the models are unhashable (dict fields), so
# the cache is keyed on identity and dropped with the questionnaire.
_PLANS: dict[int, tuple[weakref.ref[Questionnaire], Plan]] = {}


def plan_for(questionnaire: Questionnaire) -> Plan:
    key = id(questionnaire)
    entry = _PLANS.get(key)
    if entry is not None and entry[0]() is questionnaire:
        return entry[1]
    questions = questionnaire.questions
    conditions = tuple(tuple((q.when or {}).items()) for q in questions)
    plan = Plan(questions, {q.id: i for i, q in enumerate(questions)}, conditions)
    weakref.finalize(questionnaire, _PLANS.pop, key, None)
    _PLANS[key] = (weakref.ref(questionnaire), plan)
    return plan


def applies(plan: Plan, answers: dict[str, AnswerValue]) -> tuple[bool, ...]:
    """For each question in order, whether its `when` holds."""
    return tuple(holds(conditions, answers) for conditions in plan.conditions)


def applicable(plan: Plan, answers: dict[str, AnswerValue]) -> list[Question]:
    return [q for q, ok in zip(plan.questions, applies(plan, answers), strict=True) if ok]  # pragma: no mutate


def tally(plan: Plan, state: DialogueState, current: str) -> tuple[int, int]:
    """(position, total): see the docstring of conversations.engine."""
    here = plan.index[current]
    may_apply: dict[str, bool] = {}
    position = total = 0
    for i, question in enumerate(plan.questions):
        verdict: bool | None = True
        for ref, condition in plan.conditions[i]:
            answer = state.answers.get(ref)
            if answer is not None:
                if not matches(answer, condition):
                    verdict = False
                    break
            elif plan.index.get(ref, -1) >= here and may_apply.get(ref) and ref not in state.skipped:
                verdict = None  # its question is still ahead: it may yet hold
            else:
                verdict = False
                break
        may_apply[question.id] = verdict is not False
        if verdict is not False:
            total += 1
            if i <= here:
                position += 1
    return position, total


def prune(
    plan: Plan, answers: dict[str, AnswerValue], skipped: tuple[str, ...]
) -> tuple[dict[str, AnswerValue], tuple[str, ...], list[str], tuple[bool, ...]]:
    """Drop answers (and skips) of questions that no longer apply, and say which questions apply.
    One pass in order also handles chains (A removes B, which removes C), and each verdict is final
    when it is made."""
    kept = dict(answers)
    removed: list[str] = []
    verdicts: list[bool] = []
    for question, conditions in zip(plan.questions, plan.conditions, strict=True):  # pragma: no mutate
        ok = holds(conditions, kept)
        verdicts.append(ok)
        if not ok and (question.id in kept or question.id in skipped):
            if kept.pop(question.id, None) is not None:
                removed.append(question.id)
            skipped = tuple(s for s in skipped if s != question.id)
    return kept, skipped, removed, tuple(verdicts)


def next_question(
    plan: Plan,
    answers: dict[str, AnswerValue],
    skipped: tuple[str, ...],
    verdicts: tuple[bool, ...] | None = None,
) -> Question | None:
    """The first question that applies and has neither an answer nor a skip; `verdicts` from `prune`
    saves evaluating every `when` again."""
    verdicts = applies(plan, answers) if verdicts is None else verdicts
    for question, ok in zip(plan.questions, verdicts, strict=True):  # pragma: no mutate
        if ok and question.id not in answers and question.id not in skipped:
            return question
    return None


def previous(plan: Plan, state: DialogueState, before: int) -> str | None:
    """The question "back" goes to: the last one asked before index `before` that still applies."""
    for question_id in reversed(state.path):
        index = plan.index.get(question_id)
        if index is not None and index < before and holds(plan.conditions[index], state.answers):
            return question_id
    return None

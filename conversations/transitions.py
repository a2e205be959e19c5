"""The moves every handler of an inbound event is built from: go to a question, record an answer and
ask what comes next, refuse, submit, reopen. Each returns the new state with what to say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from conversations.answers import Refusal
from conversations.messages import AnswerValue, Outbound, TextOut, TextStyle
from conversations.phrases import phrase
from conversations.plan import Plan, next_question, prune
from conversations.prompts import prompt
from conversations.questionnaire import Question
from conversations.state import AnswerChange, DialogueState, Outcome, Step
from conversations.wording import say


@dataclass(frozen=True, slots=True)
class Ctx:
    """What stays the same through one step."""

    plan: Plan
    today: dt.date
    stamp: str  # `now` as ISO 8601, for updated_at and submitted_at


def _with_path(plan: Plan, path: Iterable[str], question_id: str) -> tuple[str, ...]:
    """`path` plus `question_id`, in questionnaire order."""
    ids = set(path) | {question_id}
    return tuple(q.id for q in plan.questions if q.id in ids)


def _initial_pending(question: Question, answers: dict[str, AnswerValue]) -> tuple[str, ...]:
    value = answers.get(question.id)
    return tuple(value) if question.kind == "multi" and isinstance(value, list) else ()


def go_to(ctx: Ctx, state: DialogueState, question: Question, **changes: Any) -> DialogueState:
    answers = changes.get("answers", state.answers)
    return replace(
        state,
        **{
            "phase": "asking",
            "current": question.id,
            "path": _with_path(ctx.plan, changes.get("path", state.path), question.id),
            "pending": _initial_pending(question, answers),
            "updated_at": ctx.stamp,
            **{k: v for k, v in changes.items() if k != "path"},
        },
    )


def advance(
    ctx: Ctx,
    state: DialogueState,
    answers: dict[str, AnswerValue],
    skipped: tuple[str, ...],
    changes: list[AnswerChange],
    messages: list[Outbound],
    outcome: Outcome | None = None,
) -> Step:
    """Record new answers, drop the ones that no longer apply, and ask what comes next."""
    plan = ctx.plan
    answers, skipped, removed, verdicts = prune(plan, answers, skipped)
    if removed:
        language = state.language
        names = ", ".join(f"”{plan.questions[plan.index[r]].text.get(language)}”" for r in removed)
        messages.append(TextOut(phrase("answers_removed", language, questions=names), "notice"))
        changes.extend(AnswerChange(r, None) for r in removed)
    path = tuple(p for p in state.path if verdicts[plan.index[p]])
    following = next_question(plan, answers, skipped, verdicts)
    if following is not None:
        state = go_to(ctx, state, following, answers=answers, skipped=skipped, path=path)
    else:
        state = replace(state, phase="summary", current=None, editing=False, answers=answers, skipped=skipped,
                        path=path, pending=(), updated_at=ctx.stamp)
    messages.extend(prompt(plan, state))
    return Step(state, tuple(messages), tuple(changes), outcome)


def record(ctx: Ctx, state: DialogueState, question: Question, value: AnswerValue) -> Step:
    answers = dict(state.answers)
    answers[question.id] = value
    skipped = tuple(s for s in state.skipped if s != question.id)
    return advance(ctx, state, answers, skipped, [AnswerChange(question.id, value)], [])


def refuse(ctx: Ctx, state: DialogueState, refusal: Refusal, style: TextStyle = "error") -> Step:
    """A one-line hint, then what is awaited again; nothing changes."""
    text = say(refusal.key, state, **refusal.params)
    state = replace(state, updated_at=ctx.stamp)
    return Step(state, (TextOut(text, style), *prompt(ctx.plan, state)))


def current_question(ctx: Ctx, state: DialogueState) -> Question | None:
    if state.phase != "asking" or state.current is None:
        return None
    index = ctx.plan.index.get(state.current)
    return None if index is None else ctx.plan.questions[index]


def submit(ctx: Ctx, state: DialogueState) -> Step:
    following = next_question(ctx.plan, state.answers, state.skipped)
    if following is not None:  # a guard: the summary is only shown when nothing is left to ask
        return advance(ctx, state, dict(state.answers), state.skipped, [], [])
    state = replace(state, phase="submitted", current=None, editing=False, submitted_at=ctx.stamp,
                    updated_at=ctx.stamp)
    return Step(state, (TextOut(say("thanks_submitted", state), "done"),), (), "submitted")


def reopen(ctx: Ctx, state: DialogueState, messages: list[Outbound]) -> Step:
    """Take up a declined or opted-out dialogue again where it stood."""
    if state.submitted_at is not None:
        state = replace(state, phase="submitted", updated_at=ctx.stamp)
        messages.append(TextOut(say("after_submitted", state), "notice"))
        return Step(state, tuple(messages), (), "reopened")
    messages.append(TextOut(phrase("welcome_back", state.language)))
    return advance(ctx, replace(state, phase="asking"), dict(state.answers), state.skipped, [], messages,
                   "reopened")


def move_on(ctx: Ctx, state: DialogueState, question: Question) -> Step:
    """Keep the answer of a question visited again (back/change) and move on; otherwise re-ask."""
    if question.id in state.answers or question.id in state.skipped:
        return advance(ctx, state, dict(state.answers), state.skipped, [], [])
    return Step(replace(state, updated_at=ctx.stamp), prompt(ctx.plan, state))


def not_now(ctx: Ctx, state: DialogueState) -> Step:
    """A command that has no meaning in this phase: say where things stand."""
    if state.phase == "submitted":
        return Step(replace(state, updated_at=ctx.stamp),
                    (TextOut(say("after_submitted", state), "notice"),))
    return Step(replace(state, updated_at=ctx.stamp), prompt(ctx.plan, state))

"""The dialogue state machine. Pure and deterministic: the clock is passed in, nothing is read or sent.

    begin(questionnaire, language=..., now=...) -> Step
    step(questionnaire, state, inbound, now=...) -> Step(state, messages, changes, outcome)
    current_prompt(questionnaire, state) -> messages

Rules worth knowing:
- The next question is always the first one, in questionnaire order, whose `when` holds and that has
  no answer and was not skipped. So after "back" or "change" the dialogue returns to where it was,
  asks questions a changed answer newly brought in, and ends at the summary.
- Answers are reported in `Step.changes` as soon as they are given, and removed (value None) when a
  changed answer makes their `when` false.
- `position`/`total`: `total` counts the questions that apply or may still apply (a `when` that
  depends on a question not answered yet counts), so it can shrink as answers rule questions out but
  never grows behind the contact's back; `position` is the question's number among them.
- `now` should be in the municipality's time zone: "today" for dates without a year is `now.date()`.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from conversations.answers import Refusal, kind_hint, parse_answer, parse_values, scale_bounds, yes_or_no
from conversations.commands import parse_command
from conversations.messages import (
    Action,
    AnswerValue,
    Choice,
    ChoiceIn,
    CommandIn,
    Inbound,
    Language,
    Outbound,
    QuestionOut,
    TextIn,
    TextOut,
    TextStyle,
    ToggleIn,
)
from conversations.phrases import MONTHS, phrase
from conversations.questionnaire import ConditionValue, Question, Questionnaire, Range

Phase = Literal["asking", "confirm_stop", "summary", "submitted", "declined", "opted_out", "closed"]
# The status of one contact's response, as exported (CONTRACT.md), seen from the dialogue alone.
ResponseStatus = Literal["invited", "partial", "complete", "declined", "opted_out"]
# "reopened": a submitted, declined or opted-out dialogue was taken up again by the contact.
Outcome = Literal["submitted", "declined", "opted_out", "reopened"]

SUBMIT_ID = "_submit"
STOP_ID = "_stop"


@dataclass(frozen=True, slots=True)
class DialogueState:
    """Everything the engine needs to continue one contact's dialogue about one consultation.

    Stored as JSON (`to_json` / `from_json`) between steps, so a contact who comes back days later
    continues where they left off.
    """

    language: Language
    phase: Phase = "asking"
    current: str | None = None  # id of the question being asked (phase "asking")
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()  # optional questions the contact chose to skip
    path: tuple[str, ...] = ()  # questions asked so far, in questionnaire order: what "back" walks
    pending: tuple[str, ...] = ()  # multi-choice selection being built with ToggleIn
    editing: bool = False  # changing one answer from the summary: return there afterwards
    resume_phase: Phase | None = None  # where to return when a stop is not confirmed
    started_at: str | None = None  # ISO 8601
    updated_at: str | None = None
    submitted_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "phase": self.phase,
            "current": self.current,
            "answers": {k: list(v) if isinstance(v, list) else v for k, v in self.answers.items()},
            "skipped": list(self.skipped),
            "path": list(self.path),
            "pending": list(self.pending),
            "editing": self.editing,
            "resume_phase": self.resume_phase,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "submitted_at": self.submitted_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DialogueState:
        answers = data.get("answers") or {}
        return cls(
            language=data["language"],
            phase=data.get("phase", "asking"),
            current=data.get("current"),
            answers={k: list(v) if isinstance(v, list) else v for k, v in answers.items()},
            skipped=tuple(data.get("skipped", ())),
            path=tuple(data.get("path", ())),
            pending=tuple(data.get("pending", ())),
            editing=bool(data.get("editing", False)),
            resume_phase=data.get("resume_phase"),
            started_at=data.get("started_at"),
            updated_at=data.get("updated_at"),
            submitted_at=data.get("submitted_at"),
        )

    @property
    def status(self) -> ResponseStatus:
        # A submitted response stays "complete" if the contact later stops messages: the
        # municipality still has every answer they sent.
        if self.phase == "declined":
            return "declined"
        if self.submitted_at is not None:
            return "complete"
        if self.phase == "opted_out":
            return "opted_out"
        return "partial" if self.answers else "invited"


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """An answer to record (`value`) or to remove (`value is None`: skipped, or no longer applies)."""

    question_id: str
    value: AnswerValue | None


@dataclass(frozen=True, slots=True)
class Step:
    state: DialogueState
    messages: tuple[Outbound, ...]
    changes: tuple[AnswerChange, ...] = ()
    outcome: Outcome | None = None


# --- per-questionnaire lookups -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Static:
    """The parts of a question's prompt that never change between steps, rendered once."""

    text: str
    hint: str
    choices: tuple[Choice, ...]
    low: float | None
    high: float | None
    max_length: int | None


@dataclass(frozen=True, slots=True)
class _Plan:
    questionnaire: Questionnaire
    questions: tuple[Question, ...]
    index: dict[str, int]
    # each question's `when` as a tuple of (question id, condition); () when it always applies
    conditions: tuple[tuple[tuple[str, ConditionValue], ...], ...]
    statics: dict[tuple[str, Language], _Static] = field(default_factory=dict)


# Questionnaires are frozen and reused for many steps; the models are unhashable (dict fields), so
# the cache is keyed on identity and dropped with the questionnaire.
_PLANS: dict[int, tuple[weakref.ref[Questionnaire], _Plan]] = {}


def _plan(questionnaire: Questionnaire) -> _Plan:
    key = id(questionnaire)
    entry = _PLANS.get(key)
    if entry is not None and entry[0]() is questionnaire:
        return entry[1]
    questions = questionnaire.questions
    conditions = tuple(tuple((q.when or {}).items()) for q in questions)
    plan = _Plan(questionnaire, questions, {q.id: i for i, q in enumerate(questions)}, conditions)
    weakref.finalize(questionnaire, _PLANS.pop, key, None)
    _PLANS[key] = (weakref.ref(questionnaire), plan)
    return plan


# --- `when` conditions ---------------------------------------------------------------------------

_BOOL_WORDS = {"yes": True, "ja": True, "true": True, "no": False, "nej": False, "false": False}


def _equals(answer: AnswerValue, expected: bool | int | float | str) -> bool:
    if isinstance(answer, list):
        return not isinstance(expected, bool) and str(expected) in answer
    if isinstance(answer, bool):
        if isinstance(expected, str):
            return _BOOL_WORDS.get(expected.casefold()) is answer
        return isinstance(expected, bool) and expected is answer
    if isinstance(expected, bool):
        return False
    if isinstance(answer, int | float) and isinstance(expected, int | float):
        return answer == expected
    return str(answer) == str(expected)


def _matches(answer: AnswerValue, condition: ConditionValue) -> bool:
    if isinstance(condition, Range):
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            return False
        return (condition.gte is None or answer >= condition.gte) and (
            condition.lte is None or answer <= condition.lte
        )
    if isinstance(condition, list):
        return any(_equals(answer, expected) for expected in condition)
    return _equals(answer, condition)


def _holds(conditions: tuple[tuple[str, ConditionValue], ...], answers: dict[str, AnswerValue]) -> bool:
    """Every named earlier answer matches; an unanswered or skipped one does not."""
    for ref, condition in conditions:
        answer = answers.get(ref)
        if answer is None or not _matches(answer, condition):
            return False
    return True


def _applies(plan: _Plan, answers: dict[str, AnswerValue]) -> tuple[bool, ...]:
    """For each question in order, whether its `when` holds."""
    return tuple(_holds(conditions, answers) for conditions in plan.conditions)


def _applicable(plan: _Plan, answers: dict[str, AnswerValue]) -> list[Question]:
    return [q for q, applies in zip(plan.questions, _applies(plan, answers), strict=True) if applies]


def _tally(plan: _Plan, state: DialogueState, current: str) -> tuple[int, int]:
    """(position, total): see the module docstring."""
    here = plan.index[current]
    may_apply: dict[str, bool] = {}
    position = total = 0
    for i, question in enumerate(plan.questions):
        verdict: bool | None = True
        for ref, condition in plan.conditions[i]:
            answer = state.answers.get(ref)
            if answer is not None:
                if not _matches(answer, condition):
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


def _prune(
    plan: _Plan, answers: dict[str, AnswerValue], skipped: tuple[str, ...]
) -> tuple[dict[str, AnswerValue], tuple[str, ...], list[str], tuple[bool, ...]]:
    """Drop answers (and skips) of questions that no longer apply, and say which questions apply.
    Conditions name earlier questions only, so one pass in order also handles chains (A removes B,
    which removes C), and each verdict is final when it is made."""
    kept = dict(answers)
    removed: list[str] = []
    applies: list[bool] = []
    for question, conditions in zip(plan.questions, plan.conditions, strict=True):
        holds = _holds(conditions, kept)
        applies.append(holds)
        if not holds and (question.id in kept or question.id in skipped):
            if kept.pop(question.id, None) is not None:
                removed.append(question.id)
            skipped = tuple(s for s in skipped if s != question.id)
    return kept, skipped, removed, tuple(applies)


def _next(
    plan: _Plan,
    answers: dict[str, AnswerValue],
    skipped: tuple[str, ...],
    applies: tuple[bool, ...] | None = None,
) -> Question | None:
    applies = _applies(plan, answers) if applies is None else applies
    for question, holds in zip(plan.questions, applies, strict=True):
        if holds and question.id not in answers and question.id not in skipped:
            return question
    return None


# --- rendering -----------------------------------------------------------------------------------


def _format_number(value: float, language: Language) -> str:
    text = f"{value:,}"
    if language == "sv":  # 1 200,5 (a no-break space keeps the number on one line)
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def _display(question: Question, value: AnswerValue | None, language: Language) -> str:
    """An answer as the contact reads it in the summary."""
    if value is None:
        return phrase("skipped_value", language)
    if isinstance(value, bool):
        return phrase("yes" if value else "no", language)
    if isinstance(value, list):
        return ", ".join(o.text.get(language) for o in question.options if o.id in value)
    if question.kind == "choice":
        option = question.option(str(value))
        return option.text.get(language) if option is not None else str(value)
    if question.kind == "scale":
        return phrase("scale_value", language, value=value, max=scale_bounds(question)[1])
    if isinstance(value, int | float):
        return _format_number(value, language)
    if question.kind == "date":
        day = dt.date.fromisoformat(value)
        return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"
    return value if len(value) <= 200 else value[:199] + "…"


def _hint(question: Question, language: Language) -> str:
    hint = kind_hint(question)
    return phrase(hint.key, language, **hint.params)


def _choices(question: Question, language: Language, pending: tuple[str, ...]) -> tuple[Choice, ...]:
    if question.kind == "yesno":
        return (Choice("yes", phrase("yes", language)), Choice("no", phrase("no", language)))
    if question.kind == "scale":
        low, high = scale_bounds(question)
        return tuple(Choice(str(n), str(n)) for n in range(low, high + 1))
    if question.kind in ("choice", "multi"):
        return tuple(Choice(o.id, o.text.get(language), o.id in pending) for o in question.options)
    return ()


def _previous(plan: _Plan, state: DialogueState, before: int) -> str | None:
    """The question "back" goes to: the last one asked before index `before` that still applies."""
    for question_id in reversed(state.path):
        index = plan.index.get(question_id)
        if index is not None and index < before and _holds(plan.conditions[index], state.answers):
            return question_id
    return None


def _static(plan: _Plan, question: Question, language: Language) -> _Static:
    key = (question.id, language)
    static = plan.statics.get(key)
    if static is None:
        text = question.text.get(language)
        if question.help is not None:
            text = f"{text}\n{question.help.get(language)}"
        low, high = scale_bounds(question) if question.kind == "scale" else (question.min, question.max)
        static = _Static(
            text=text,
            hint=_hint(question, language),
            choices=_choices(question, language, ()),
            low=low,
            high=high,
            max_length=question.max_length if question.kind == "text" else None,
        )
        plan.statics[key] = static
    return static


def _ask(plan: _Plan, state: DialogueState) -> QuestionOut:
    assert state.current is not None
    language = state.language
    question = plan.questions[plan.index[state.current]]
    position, total = _tally(plan, state, question.id)
    actions: list[Action] = []
    if question.kind == "multi":
        actions.append(Action("done", phrase("label_done", language)))
    if not question.required:
        actions.append(Action("skip", phrase("label_skip", language)))
    if _previous(plan, state, plan.index[question.id]) is not None:
        actions.append(Action("back", phrase("label_back", language)))
    if state.submitted_at is None:
        actions.append(Action("decline", phrase("label_decline", language)))
    static = _static(plan, question, language)
    choices = _choices(question, language, state.pending) if state.pending else static.choices
    return QuestionOut(
        question_id=question.id,
        kind=question.kind,
        text=static.text,
        hint=static.hint,
        choices=choices,
        actions=tuple(actions),
        position=position,
        total=total,
        required=question.required,
        value=state.answers.get(question.id),
        min=static.low,
        max=static.high,
        max_length=static.max_length,
    )


def _answer_list(plan: _Plan, state: DialogueState) -> tuple[list[str], list[Action]]:
    """The numbered list of answers given so far, and a change action for each."""
    language = state.language
    lines: list[str] = []
    actions: list[Action] = []
    for number, question in enumerate(_applicable(plan, state.answers), start=1):
        if question.id not in state.answers and question.id not in state.skipped:
            continue
        shown = _display(question, state.answers.get(question.id), language)
        lines.append(f"{number}. {question.text.get(language)}\n→ {shown}")
        actions.append(Action("change", phrase("label_change", language, number=number), question.id))
    return lines, actions


def _summary(plan: _Plan, state: DialogueState) -> QuestionOut:
    language = state.language
    lines, actions = _answer_list(plan, state)
    if state.submitted_at is None:
        actions.append(Action("decline", phrase("label_decline", language)))
    text = "\n".join([phrase("summary_title", language), *lines, "", phrase("summary_question", language)])
    return QuestionOut(
        question_id=SUBMIT_ID,
        kind="confirm",
        text=text,
        hint=phrase("summary_hint", language),
        choices=(
            Choice("yes", phrase("label_submit", language)),
            Choice("no", phrase("label_not_yet", language)),
        ),
        actions=tuple(actions),
    )


def _stop_prompt(language: Language) -> QuestionOut:
    return QuestionOut(
        question_id=STOP_ID,
        kind="confirm",
        text=phrase("stop_question", language),
        hint=phrase("confirm_hint", language),
        choices=(
            Choice("yes", phrase("label_stop_yes", language)),
            Choice("no", phrase("label_stop_no", language)),
        ),
    )


def _prompt(plan: _Plan, state: DialogueState) -> tuple[Outbound, ...]:
    language = state.language
    if state.phase == "asking" and state.current is not None:
        return (_ask(plan, state),)
    if state.phase in ("asking", "summary"):
        return (_summary(plan, state),)
    if state.phase == "confirm_stop":
        return (_stop_prompt(language),)
    key = {"submitted": "thanks_submitted", "declined": "thanks_declined", "opted_out": "opted_out"}
    return (TextOut(phrase(key.get(state.phase, "closed"), language), "done"),)


def current_prompt(questionnaire: Questionnaire, state: DialogueState) -> tuple[Outbound, ...]:
    """What the dialogue is waiting for now, rendered again (a web page load, a returning contact)."""
    return _prompt(_plan(questionnaire), state)


# --- moving through the questions ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ctx:
    plan: _Plan
    today: dt.date
    stamp: str


def _with_path(plan: _Plan, path: Iterable[str], question_id: str) -> tuple[str, ...]:
    """`path` plus `question_id`, in questionnaire order."""
    ids = set(path) | {question_id}
    return tuple(q.id for q in plan.questions if q.id in ids)


def _initial_pending(question: Question, answers: dict[str, AnswerValue]) -> tuple[str, ...]:
    value = answers.get(question.id)
    return tuple(value) if question.kind == "multi" and isinstance(value, list) else ()


def _go_to(ctx: _Ctx, state: DialogueState, question: Question, **changes: Any) -> DialogueState:
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


def _advance(
    ctx: _Ctx,
    state: DialogueState,
    answers: dict[str, AnswerValue],
    skipped: tuple[str, ...],
    changes: list[AnswerChange],
    messages: list[Outbound],
    outcome: Outcome | None = None,
) -> Step:
    """Record new answers, drop the ones that no longer apply, and ask what comes next."""
    plan = ctx.plan
    answers, skipped, removed, applies = _prune(plan, answers, skipped)
    if removed:
        language = state.language
        names = ", ".join(f"”{plan.questions[plan.index[r]].text.get(language)}”" for r in removed)
        messages.append(TextOut(phrase("answers_removed", language, questions=names), "notice"))
        changes.extend(AnswerChange(r, None) for r in removed)
    path = tuple(p for p in state.path if applies[plan.index[p]])
    following = _next(plan, answers, skipped, applies)
    if following is not None:
        state = _go_to(ctx, state, following, answers=answers, skipped=skipped, path=path)
    else:
        state = replace(state, phase="summary", current=None, editing=False, answers=answers, skipped=skipped,
                        path=path, pending=(), updated_at=ctx.stamp)
    messages.extend(_prompt(plan, state))
    return Step(state, tuple(messages), tuple(changes), outcome)


def _record(ctx: _Ctx, state: DialogueState, question: Question, value: AnswerValue) -> Step:
    answers = dict(state.answers)
    answers[question.id] = value
    skipped = tuple(s for s in state.skipped if s != question.id)
    return _advance(ctx, state, answers, skipped, [AnswerChange(question.id, value)], [])


def _refuse(ctx: _Ctx, state: DialogueState, refusal: Refusal, style: TextStyle = "error") -> Step:
    """A one-line hint, then what is awaited again; nothing changes."""
    text = phrase(refusal.key, state.language, **refusal.params)
    state = replace(state, updated_at=ctx.stamp)
    return Step(state, (TextOut(text, style), *_prompt(ctx.plan, state)))


def _current_question(ctx: _Ctx, state: DialogueState) -> Question | None:
    if state.phase != "asking" or state.current is None:
        return None
    index = ctx.plan.index.get(state.current)
    return None if index is None else ctx.plan.questions[index]


def _submit(ctx: _Ctx, state: DialogueState) -> Step:
    following = _next(ctx.plan, state.answers, state.skipped)
    if following is not None:  # a guard: the summary is only shown when nothing is left to ask
        return _advance(ctx, state, dict(state.answers), state.skipped, [], [])
    state = replace(state, phase="submitted", current=None, editing=False, submitted_at=ctx.stamp,
                    updated_at=ctx.stamp)
    return Step(state, (TextOut(phrase("thanks_submitted", state.language), "done"),), (), "submitted")


def _reopen(ctx: _Ctx, state: DialogueState, messages: list[Outbound]) -> Step:
    """Take up a declined or opted-out dialogue again where it stood."""
    if state.submitted_at is not None:
        state = replace(state, phase="submitted", updated_at=ctx.stamp)
        messages.append(TextOut(phrase("after_submitted", state.language), "notice"))
        return Step(state, tuple(messages), (), "reopened")
    messages.append(TextOut(phrase("welcome_back", state.language)))
    return _advance(ctx, replace(state, phase="asking"), dict(state.answers), state.skipped, [], messages,
                    "reopened")


def _continue(ctx: _Ctx, state: DialogueState, question: Question) -> Step:
    """Keep the answer of a question visited again (back/change) and move on; otherwise re-ask."""
    if question.id in state.answers or question.id in state.skipped:
        return _advance(ctx, state, dict(state.answers), state.skipped, [], [])
    return Step(replace(state, updated_at=ctx.stamp), _prompt(ctx.plan, state))


# --- commands ------------------------------------------------------------------------------------


def _skip(ctx: _Ctx, state: DialogueState) -> Step:
    question = _current_question(ctx, state)
    if question is None:
        return _not_now(ctx, state)
    if question.required:
        return _refuse(ctx, state, Refusal("refuse_required"))
    answers = {k: v for k, v in state.answers.items() if k != question.id}
    skipped = (*[s for s in state.skipped if s != question.id], question.id)
    return _advance(ctx, state, answers, skipped, [AnswerChange(question.id, None)], [])


def _back(ctx: _Ctx, state: DialogueState) -> Step:
    plan = ctx.plan
    if state.phase == "summary":
        target = _previous(plan, state, len(plan.questions))
        editing = True
    elif state.phase == "asking" and state.current is not None:
        target = _previous(plan, state, plan.index[state.current])
        editing = state.editing
    else:
        return _not_now(ctx, state)
    if target is None:
        return _refuse(ctx, state, Refusal("refuse_first_question"))
    state = _go_to(ctx, state, plan.questions[plan.index[target]], editing=editing)
    return Step(state, _prompt(plan, state))


def _resolve(ctx: _Ctx, state: DialogueState, argument: str) -> Question | None:
    """An answered (or skipped) question by its number in the list or by its id."""
    listed = [
        q for q in _applicable(ctx.plan, state.answers) if q.id in state.answers or q.id in state.skipped
    ]
    wanted = argument.strip().casefold()
    if wanted.isdigit():
        number = int(wanted)
        applicable = _applicable(ctx.plan, state.answers)
        if 1 <= number <= len(applicable) and applicable[number - 1] in listed:
            return applicable[number - 1]
        return None
    return next((q for q in listed if q.id.casefold() == wanted), None)


def _change(ctx: _Ctx, state: DialogueState, argument: str) -> Step:
    language = state.language
    outcome: Outcome | None = "reopened" if state.phase == "submitted" else None
    if state.phase in ("declined", "opted_out"):
        return _reopen(ctx, state, [])
    if not argument.strip():
        if state.phase == "submitted":
            state = replace(state, phase="summary", editing=True, updated_at=ctx.stamp)
            return Step(state, _prompt(ctx.plan, state), (), outcome)
        lines, _ = _answer_list(ctx.plan, state)
        if not lines:
            return _refuse(ctx, state, Refusal("refuse_nothing_to_change"))
        if state.phase == "summary":
            return _refuse(ctx, state, Refusal("summary_not_yet"), "notice")
        listing = TextOut("\n".join([phrase("change_list", language), *lines]), "summary")
        return Step(replace(state, updated_at=ctx.stamp), (listing, *_prompt(ctx.plan, state)))
    target = _resolve(ctx, state, argument)
    if target is None:
        return _refuse(ctx, state, Refusal("refuse_no_such_question", {"argument": argument.strip()}))
    editing = state.editing or state.phase in ("summary", "submitted")
    state = _go_to(ctx, state, target, editing=editing)
    return Step(state, _prompt(ctx.plan, state), (), outcome)


def _done(ctx: _Ctx, state: DialogueState) -> Step:
    if state.phase == "summary":
        return _submit(ctx, state)
    question = _current_question(ctx, state)
    if question is None:
        return _not_now(ctx, state)
    if question.kind == "multi":
        # The selection built with ToggleIn (pre-filled with the old answer when visited again).
        if state.pending:
            return _record(ctx, state, question, list(state.pending))
        if question.required:
            return _refuse(ctx, state, Refusal("refuse_multi_empty"))
        return _skip(ctx, state)
    if question.id in state.answers or question.id in state.skipped:
        return _continue(ctx, state, question)
    if not question.required:
        return _skip(ctx, state)
    return _refuse(ctx, state, Refusal("refuse_nothing_pending"))


def _not_now(ctx: _Ctx, state: DialogueState) -> Step:
    """A command that has no meaning in this phase: say where things stand."""
    if state.phase == "submitted":
        return Step(replace(state, updated_at=ctx.stamp),
                    (TextOut(phrase("after_submitted", state.language), "notice"),))
    return Step(replace(state, updated_at=ctx.stamp), _prompt(ctx.plan, state))


def _command(ctx: _Ctx, state: DialogueState, command: CommandIn) -> Step:
    name = command.name
    language = state.language
    if state.phase == "confirm_stop" and name != "stop":
        if name == "help":
            return Step(state, (TextOut(phrase("help", language)), *_prompt(ctx.plan, state)))
        # Any other command means "no, don't stop": go back, then do what was asked.
        state = replace(state, phase=state.resume_phase or "asking", resume_phase=None)
    if name == "stop":
        if state.phase == "opted_out":
            return Step(state, _prompt(ctx.plan, state))
        resume = state.resume_phase if state.phase == "confirm_stop" else state.phase
        state = replace(state, phase="confirm_stop", resume_phase=resume, updated_at=ctx.stamp)
        return Step(state, (_stop_prompt(language),))
    if state.phase in ("declined", "opted_out"):
        if name in ("resume", "change", "back"):
            return _reopen(ctx, state, [])
        return Step(state, _prompt(ctx.plan, state))
    if name == "help":
        return Step(state, (TextOut(phrase("help", language)), *_prompt(ctx.plan, state)))
    if name == "decline":
        if state.submitted_at is not None:
            return _refuse(ctx, state, Refusal("refuse_already_submitted"))
        state = replace(state, phase="declined", current=None, pending=(), editing=False,
                        updated_at=ctx.stamp)
        return Step(state, (TextOut(phrase("thanks_declined", language), "done"),), (), "declined")
    if name == "change":
        return _change(ctx, state, command.argument)
    if name == "skip":
        return _skip(ctx, state)
    if name == "back":
        return _back(ctx, state)
    if name == "done":
        return _done(ctx, state)
    if name == "submit":
        if state.phase == "summary":
            return _submit(ctx, state)
        question = _current_question(ctx, state)
        return _continue(ctx, state, question) if question is not None else _not_now(ctx, state)
    # resume
    question = _current_question(ctx, state)
    return _continue(ctx, state, question) if question is not None else _not_now(ctx, state)


# --- answers -------------------------------------------------------------------------------------


def _confirm(ctx: _Ctx, state: DialogueState, yes: bool | None) -> Step:
    """An answer to the engine's own yes/no prompts: submit the summary, or confirm a stop."""
    language = state.language
    if state.phase == "confirm_stop":
        if yes is None:
            return _refuse(ctx, state, Refusal("confirm_hint"))
        if yes:
            state = replace(state, phase="opted_out", resume_phase=None, pending=(), updated_at=ctx.stamp)
            return Step(state, (TextOut(phrase("opted_out", language), "done"),), (), "opted_out")
        state = replace(state, phase=state.resume_phase or "asking", resume_phase=None, updated_at=ctx.stamp)
        return Step(state, (TextOut(phrase("stop_cancelled", language)), *_prompt(ctx.plan, state)))
    if yes:
        return _submit(ctx, state)
    if yes is None:
        return _refuse(ctx, state, Refusal("summary_hint"))
    return _refuse(ctx, state, Refusal("summary_not_yet"), "notice")


def _is_answer(ctx: _Ctx, command: CommandIn) -> bool:
    """"ändra tiderna" typed to a text question is an answer: its word names no question."""
    argument = command.argument
    if command.name != "change" or not argument or argument.isdigit():
        return False
    return all(q.id.casefold() != argument for q in ctx.plan.questions)


def _text(ctx: _Ctx, state: DialogueState, text: str) -> Step:
    command = parse_command(text)
    if command is not None and not _is_answer(ctx, command):
        return _command(ctx, state, command)
    if state.phase in ("summary", "confirm_stop"):
        # A bare number here is more likely "the answer number" than a yes: never submit or stop on it.
        return _confirm(ctx, state, None if text.strip().isdigit() else yes_or_no(text))
    question = _current_question(ctx, state)
    if question is None:
        return _not_now(ctx, state)
    value = parse_answer(question, text, today=ctx.today)
    if isinstance(value, Refusal):
        return _refuse(ctx, state, value)
    return _record(ctx, state, question, value)


def _stale(ctx: _Ctx, state: DialogueState) -> Step:
    notice = TextOut(phrase("refuse_stale", state.language), "notice")
    return Step(state, (notice, *_prompt(ctx.plan, state)))


def _choice(ctx: _Ctx, state: DialogueState, choice: ChoiceIn) -> Step:
    own = {"summary": SUBMIT_ID, "confirm_stop": STOP_ID}.get(state.phase)
    if own is not None and choice.question_id == own:
        return _confirm(ctx, state, yes_or_no(" ".join(choice.values)))
    question = _current_question(ctx, state)
    if question is None or question.id != choice.question_id:
        return _stale(ctx, state)
    value = parse_values(question, choice.values, today=ctx.today)
    if isinstance(value, Refusal):
        return _refuse(ctx, state, value)
    return _record(ctx, state, question, value)


def _toggle(ctx: _Ctx, state: DialogueState, toggle: ToggleIn) -> Step:
    question = _current_question(ctx, state)
    if question is None or question.id != toggle.question_id or question.kind != "multi":
        return _stale(ctx, state)
    if question.option(toggle.option_id) is None:
        return _refuse(ctx, state, Refusal("hint_multi"))
    chosen = set(state.pending) ^ {toggle.option_id}
    pending = tuple(o.id for o in question.options if o.id in chosen)
    state = replace(state, pending=pending, updated_at=ctx.stamp)
    return Step(state, _prompt(ctx.plan, state))


# --- the entry points ----------------------------------------------------------------------------


def _is_closed(questionnaire: Questionnaire, now: dt.datetime) -> bool:
    closes = questionnaire.closes
    if closes is None:
        return False
    if (closes.tzinfo is None) != (now.tzinfo is None):
        # Compare like with like: a naive time is taken to be UTC.
        closes = closes if closes.tzinfo else closes.replace(tzinfo=dt.UTC)
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return now >= closes


def _closed(state: DialogueState, stamp: str) -> Step:
    phase: Phase = "closed" if state.phase in ("asking", "summary") else state.phase
    state = replace(state, phase=phase, pending=(), updated_at=stamp)
    return Step(state, (TextOut(phrase("closed", state.language), "notice"),))


def begin(questionnaire: Questionnaire, *, language: Language, now: dt.datetime) -> Step:
    """Start a dialogue: the intro, the public-documents/personal-data notice and the first question."""
    stamp = now.isoformat()
    state = DialogueState(language=language, started_at=stamp, updated_at=stamp)
    if _is_closed(questionnaire, now):
        return _closed(state, stamp)
    plan = _plan(questionnaire)
    parts = [questionnaire.title.get(language)]
    if questionnaire.intro is not None:
        parts.append(questionnaire.intro.get(language))
    if questionnaire.closes is not None:
        closes = questionnaire.closes.date()
        parts.append(phrase("closes_at", language,
                            date=f"{closes.day} {MONTHS[language][closes.month - 1]} {closes.year}"))
    messages: list[Outbound] = [
        TextOut("\n\n".join(parts), "intro"),
        TextOut(phrase("notice", language), "notice"),
    ]
    ctx = _Ctx(plan, now.date(), stamp)
    return _advance(ctx, state, {}, (), [], messages)


def step(questionnaire: Questionnaire, state: DialogueState, inbound: Inbound, *, now: dt.datetime) -> Step:
    """Apply one inbound event to a dialogue."""
    stamp = now.isoformat()
    if _is_closed(questionnaire, now):
        stopping = state.phase == "confirm_stop" or (
            isinstance(inbound, CommandIn) and inbound.name == "stop"
        ) or (isinstance(inbound, TextIn) and parse_command(inbound.text) == CommandIn("stop"))
        if not stopping:
            return _closed(state, stamp)
    ctx = _Ctx(_plan(questionnaire), now.date(), stamp)
    if state.phase == "closed":
        state = replace(state, phase="submitted" if state.submitted_at else "asking")
        if state.phase == "asking" and _current_question(ctx, state) is None:
            state = replace(state, phase="summary")
    if isinstance(inbound, TextIn):
        return _text(ctx, state, inbound.text)
    if isinstance(inbound, ChoiceIn):
        return _choice(ctx, state, inbound)
    if isinstance(inbound, ToggleIn):
        return _toggle(ctx, state, inbound)
    return _command(ctx, state, inbound)

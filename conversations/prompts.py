"""Rendering what a dialogue waits for: the current question, the summary, the stop confirmation, or
the closing words of an ended dialogue, as `QuestionOut`/`TextOut` in the contact's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from conversations.answers import kind_hint, scale_bounds
from conversations.messages import Action, AnswerValue, Choice, Language, Outbound, QuestionOut, TextOut
from conversations.phrases import MONTHS, phrase
from conversations.plan import Plan, Static, applicable, previous, tally
from conversations.questionnaire import Question
from conversations.state import DialogueState
from conversations.wording import say

# The engine's own yes/no prompts, told apart from questions (whose ids start with a letter) in ChoiceIn.
SUBMIT_ID = "_submit"
STOP_ID = "_stop"


def _format_number(value: float, language: Language) -> str:
    text = f"{value:,}"
    if language == "sv":  # 1 200,5 (a no-break space keeps the number on one line)
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def display_answer(question: Question, value: AnswerValue | None, language: Language) -> str:
    """An answer as the contact reads it (in the summary, or where a question's buttons were); None:
    skipped."""
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


def _static(plan: Plan, question: Question, language: Language) -> Static:
    key = (question.id, language)
    static = plan.statics.get(key)
    if static is None:
        text = question.text.get(language)
        if question.help is not None:
            text = f"{text}\n{question.help.get(language)}"
        low, high = scale_bounds(question) if question.kind == "scale" else (question.min, question.max)
        static = Static(
            text=text,
            hint=_hint(question, language),
            choices=_choices(question, language, ()),
            low=low,
            high=high,
            max_length=question.max_length if question.kind == "text" else None,
        )
        plan.statics[key] = static
    return static


def _ask(plan: Plan, state: DialogueState) -> QuestionOut:
    assert state.current is not None
    language = state.language
    question = plan.questions[plan.index[state.current]]
    position, total = tally(plan, state, question.id)
    actions: list[Action] = []
    if question.kind == "multi":
        actions.append(Action("done", phrase("label_done", language)))
    if not question.required:
        actions.append(Action("skip", phrase("label_skip", language)))
    if previous(plan, state, plan.index[question.id]) is not None:
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


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One answered (or skipped) question as the summary lists it."""

    number: int  # its number in the list ("ändra 2")
    question_id: str
    question: str  # the question's text in the dialogue's language
    answer: str  # the answer as the contact reads it


def summary_rows(plan: Plan, state: DialogueState) -> list[SummaryRow]:
    """The answers given so far, in questionnaire order, numbered as `ändra N` counts them."""
    language = state.language
    rows: list[SummaryRow] = []
    for number, question in enumerate(applicable(plan, state.answers), start=1):
        if question.id not in state.answers and question.id not in state.skipped:
            continue
        shown = display_answer(question, state.answers.get(question.id), language)
        rows.append(SummaryRow(number, question.id, question.text.get(language), shown))
    return rows


def answer_list(plan: Plan, state: DialogueState) -> tuple[list[str], list[Action]]:
    """The numbered list of answers given so far, and a change action for each."""
    language = state.language
    lines: list[str] = []
    actions: list[Action] = []
    for row in summary_rows(plan, state):
        lines.append(f"{row.number}. {row.question}\n→ {row.answer}")
        actions.append(Action("change", phrase("label_change", language, number=row.number), row.question_id))
    return lines, actions


def _summary(plan: Plan, state: DialogueState) -> QuestionOut:
    language = state.language
    lines, actions = answer_list(plan, state)
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


def stop_prompt(language: Language) -> QuestionOut:
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


def awaited_id(state: DialogueState) -> str | None:
    """The id of the question `prompt` asks in this state (SUBMIT_ID, STOP_ID for the engine's own), or
    None when it asks none — without rendering it."""
    if state.phase == "asking" and state.current is not None:
        return state.current
    if state.phase in ("asking", "summary"):
        return SUBMIT_ID
    if state.phase == "confirm_stop":
        return STOP_ID
    return None


def prompt(plan: Plan, state: DialogueState) -> tuple[Outbound, ...]:
    """What the dialogue waits for in its phase."""
    language = state.language
    if state.phase == "asking" and state.current is not None:
        return (_ask(plan, state),)
    if state.phase in ("asking", "summary"):
        return (_summary(plan, state),)
    if state.phase == "confirm_stop":
        return (stop_prompt(language),)
    key = {"submitted": "thanks_submitted", "declined": "thanks_declined", "opted_out": "opted_out"}
    return (TextOut(say(key.get(state.phase, "closed"), state), "done"),)

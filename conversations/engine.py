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

This module turns each inbound event into a step; the parts it is built from live beside it:
conversations.state (what is stored, what a step returns), conversations.conditions and
conversations.plan (which questions apply, in what order), conversations.prompts (what is shown),
conversations.transitions (the moves shared by every handler) and conversations.command_steps
(what each command does). Import the public names from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from conversations.answers import Refusal, parse_answer, parse_values, yes_or_no
from conversations.command_steps import on_command, skip
from conversations.commands import is_access_request, parse_command
from conversations.messages import (
    ChoiceIn,
    CommandIn,
    Inbound,
    Language,
    Outbound,
    QuestionOut,
    TextIn,
    TextOut,
    ToggleIn,
)
from conversations.phrases import ANONYMOUS_NOTICE_VERSION, MONTHS, NOTICE_VERSION, phrase
from conversations.plan import plan_for
from conversations.prompts import STOP_ID, SUBMIT_ID, SummaryRow, awaited_id, prompt, summary_rows
from conversations.questionnaire import Questionnaire
from conversations.state import AnswerChange, DialogueState, Outcome, Phase, ResponseStatus, Step
from conversations.transitions import Ctx, advance, current_question, not_now, record, refuse, submit
from conversations.wording import say

__all__ = [
    "STOP_ID",
    "SUBMIT_ID",
    "AnswerChange",
    "DialogueState",
    "Outcome",
    "Phase",
    "ResponseStatus",
    "Step",
    "SummaryRow",
    "begin",
    "current_prompt",
    "step",
    "summary",
]


# --- answers -------------------------------------------------------------------------------------


def _confirm(ctx: Ctx, state: DialogueState, yes: bool | None) -> Step:
    """An answer to the engine's own yes/no prompts: submit the summary, or confirm a stop."""
    language = state.language
    if state.phase == "confirm_stop":
        if yes is None:
            return refuse(ctx, state, Refusal("confirm_hint"))
        if yes:
            state = replace(state, phase="opted_out", resume_phase=None, pending=(), updated_at=ctx.stamp)
            return Step(state, (TextOut(phrase("opted_out", language), "done"),), (), "opted_out")
        state = replace(state, phase=state.resume_phase or "asking", resume_phase=None, updated_at=ctx.stamp)
        return Step(state, (TextOut(phrase("stop_cancelled", language)), *prompt(ctx.plan, state)))
    if yes:
        return submit(ctx, state)
    if yes is None:
        return refuse(ctx, state, Refusal("summary_hint"))
    return refuse(ctx, state, Refusal("summary_not_yet"), "notice")


def _is_answer(ctx: Ctx, command: CommandIn) -> bool:
    """"ändra tiderna" typed to a text question is an answer: its word names no question."""
    argument = command.argument
    if command.name != "change" or not argument or argument.isdigit():
        return False
    return all(q.id.casefold() != argument for q in ctx.plan.questions)


def _text(ctx: Ctx, state: DialogueState, text: str) -> Step:
    if is_access_request(text):
        # A chat's inbox answers "mina uppgifter" before the dialogue sees it; here it came another way
        # (the terminal, a form's text field): say where to ask, and never take it for an answer.
        return refuse(ctx, state, Refusal("my_data_not_here"), "notice")
    command = parse_command(text)
    if command is not None and not _is_answer(ctx, command):
        return on_command(ctx, state, command)
    if state.phase in ("summary", "confirm_stop"):
        # A bare number here is more likely "the answer number" than a yes: never submit or stop on it.
        return _confirm(ctx, state, None if text.strip().isdigit() else yes_or_no(text))
    question = current_question(ctx, state)
    if question is None:
        return not_now(ctx, state)
    value = parse_answer(question, text, today=ctx.today)
    if isinstance(value, Refusal):
        return refuse(ctx, state, value)
    return record(ctx, state, question, value)


def _stale(ctx: Ctx, state: DialogueState) -> Step:
    notice = TextOut(phrase("refuse_stale", state.language), "notice")
    return Step(state, (notice, *prompt(ctx.plan, state)))


def _choice(ctx: Ctx, state: DialogueState, choice: ChoiceIn) -> Step:
    own = {"summary": SUBMIT_ID, "confirm_stop": STOP_ID}.get(state.phase)
    if own is not None and choice.question_id == own:
        return _confirm(ctx, state, yes_or_no(" ".join(choice.values)))
    question = current_question(ctx, state)
    if question is None or question.id != choice.question_id:
        return _stale(ctx, state)
    if not question.required and not any(value.strip() for value in choice.values):
        # A form sent with an optional field left empty: that is how a web page skips a question.
        return skip(ctx, state)
    value = parse_values(question, choice.values, today=ctx.today)
    if isinstance(value, Refusal):
        return refuse(ctx, state, value)
    return record(ctx, state, question, value)


def _toggle(ctx: Ctx, state: DialogueState, toggle: ToggleIn) -> Step:
    question = current_question(ctx, state)
    if question is None or question.id != toggle.question_id or question.kind != "multi":
        return _stale(ctx, state)
    if question.option(toggle.option_id) is None:
        return refuse(ctx, state, Refusal("hint_multi"))
    chosen = set(state.pending) ^ {toggle.option_id}
    pending = tuple(o.id for o in question.options if o.id in chosen)
    state = replace(state, pending=pending, updated_at=ctx.stamp)
    return Step(state, prompt(ctx.plan, state))


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


def begin(
    questionnaire: Questionnaire,
    *,
    language: Language,
    now: dt.datetime,
    form: bool = False,
    privacy_url: str | None = None,
) -> Step:
    """Start a dialogue: the intro, the public-documents/personal-data notice and the first question.
    `privacy_url`: the deployment's privacy page, linked from the notice (the caller knows the address)."""
    stamp = now.isoformat()
    anonymous = questionnaire.anonymous
    state = DialogueState(
        language=language, started_at=stamp, updated_at=stamp, form=form, anonymous=anonymous,
        notice_version=ANONYMOUS_NOTICE_VERSION if anonymous else NOTICE_VERSION,
    )
    if _is_closed(questionnaire, now):
        return _closed(state, stamp)
    plan = plan_for(questionnaire)
    parts = [questionnaire.title.get(language)]
    if questionnaire.intro is not None:
        parts.append(questionnaire.intro.get(language))
    if questionnaire.closes is not None:
        closes = questionnaire.closes.date()
        parts.append(phrase("closes_at", language,
                            date=f"{closes.day} {MONTHS[language][closes.month - 1]} {closes.year}"))
    messages: list[Outbound] = [
        TextOut("\n\n".join(parts), "intro"),
        TextOut(_notice(state, privacy_url), "notice"),
    ]
    ctx = Ctx(plan, now.date(), stamp)
    return advance(ctx, state, {}, (), [], messages)


def _notice(state: DialogueState, privacy_url: str | None) -> str:
    notice = say("notice", state)
    if privacy_url:
        notice += " " + phrase("notice_privacy", state.language, url=privacy_url)
    return notice


def step(questionnaire: Questionnaire, state: DialogueState, inbound: Inbound, *, now: dt.datetime) -> Step:
    """Apply one inbound event to a dialogue."""
    stamp = now.isoformat()
    if _is_closed(questionnaire, now):
        stopping = state.phase == "confirm_stop" or (
            isinstance(inbound, CommandIn) and inbound.name == "stop"
        ) or (isinstance(inbound, TextIn) and parse_command(inbound.text) == CommandIn("stop"))
        if not stopping:
            return _closed(state, stamp)
    ctx = Ctx(plan_for(questionnaire), now.date(), stamp)
    if state.phase == "closed":
        state = replace(state, phase="submitted" if state.submitted_at else "asking")
        if state.phase == "asking" and current_question(ctx, state) is None:
            state = replace(state, phase="summary")
    awaited = awaited_id(state)
    if isinstance(inbound, TextIn):
        result = _text(ctx, state, inbound.text)
    elif isinstance(inbound, ChoiceIn):
        result = _choice(ctx, state, inbound)
    elif isinstance(inbound, ToggleIn):
        result = _toggle(ctx, state, inbound)
    else:
        result = on_command(ctx, state, inbound)
    if state.anonymous and state.submitted_at is not None and result.state.phase not in _FINAL_PHASES:
        # A sent anonymous response is no longer linked to the person (its answers were moved away), so
        # it cannot be taken up again; stopping messages still works.
        result = Step(replace(state, updated_at=stamp), (TextOut(say("after_submitted", state), "notice"),))
    return replace(result, awaited=awaited, left=_left_behind(awaited, result))


# Where a sent anonymous response may go: stay sent, or stop messages (asked, then confirmed).
_FINAL_PHASES = ("submitted", "confirm_stop", "opted_out")


def _left_behind(awaited: str | None, result: Step) -> str | None:
    """`awaited`, when the step moved the dialogue past it: it is no longer the question asked, and no
    message of the step asks it again (a refused answer, a toggle, "not yet" on the summary do)."""
    if awaited is None or awaited_id(result.state) == awaited:
        return None
    if any(isinstance(m, QuestionOut) and m.question_id == awaited for m in result.messages):
        return None
    return awaited


def current_prompt(questionnaire: Questionnaire, state: DialogueState) -> tuple[Outbound, ...]:
    """What the dialogue is waiting for now, rendered again (a web page load, a returning contact)."""
    return prompt(plan_for(questionnaire), state)


def summary(questionnaire: Questionnaire, state: DialogueState) -> list[SummaryRow]:
    """The answers so far, one row per question, for a page that lists them with a change button each."""
    return summary_rows(plan_for(questionnaire), state)

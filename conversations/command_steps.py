"""What each command does to a dialogue (help, skip, back, change, done, submit, stop, decline,
resume), whether it was typed (see conversations.commands) or pressed as a button."""

from __future__ import annotations

from dataclasses import replace

from conversations.answers import Refusal
from conversations.messages import CommandIn, TextOut
from conversations.phrases import phrase
from conversations.plan import applicable, previous
from conversations.prompts import answer_list, prompt, stop_prompt
from conversations.questionnaire import Question
from conversations.state import AnswerChange, DialogueState, Outcome, Step
from conversations.transitions import (
    Ctx,
    advance,
    current_question,
    go_to,
    move_on,
    not_now,
    record,
    refuse,
    reopen,
    submit,
)
from conversations.wording import say


def skip(ctx: Ctx, state: DialogueState) -> Step:
    """Skip the current question; only optional questions may be skipped."""
    question = current_question(ctx, state)
    if question is None:
        return not_now(ctx, state)
    if question.required:
        return refuse(ctx, state, Refusal("refuse_required"))
    answers = {k: v for k, v in state.answers.items() if k != question.id}
    skipped = (*[s for s in state.skipped if s != question.id], question.id)
    return advance(ctx, state, answers, skipped, [AnswerChange(question.id, None)], [])


def _back(ctx: Ctx, state: DialogueState) -> Step:
    plan = ctx.plan
    if state.phase == "summary":
        target = previous(plan, state, len(plan.questions))
        editing = True
    elif state.phase == "asking" and state.current is not None:
        target = previous(plan, state, plan.index[state.current])
        editing = state.editing
    else:
        return not_now(ctx, state)
    if target is None:
        return refuse(ctx, state, Refusal("refuse_first_question"))
    state = go_to(ctx, state, plan.questions[plan.index[target]], editing=editing)
    return Step(state, prompt(plan, state))


def _resolve(ctx: Ctx, state: DialogueState, argument: str) -> Question | None:
    """An answered (or skipped) question by its number in the list or by its id."""
    listed = [
        q for q in applicable(ctx.plan, state.answers) if q.id in state.answers or q.id in state.skipped
    ]
    wanted = argument.strip().casefold()
    if wanted.isdigit():
        number = int(wanted)
        applying = applicable(ctx.plan, state.answers)
        if 1 <= number <= len(applying) and applying[number - 1] in listed:
            return applying[number - 1]
        return None
    return next((q for q in listed if q.id.casefold() == wanted), None)


def _change(ctx: Ctx, state: DialogueState, argument: str) -> Step:
    language = state.language
    outcome: Outcome | None = "reopened" if state.phase == "submitted" else None
    if state.phase in ("declined", "opted_out"):
        return reopen(ctx, state, [])
    if not argument.strip():
        if state.phase == "submitted":
            state = replace(state, phase="summary", editing=True, updated_at=ctx.stamp)
            return Step(state, prompt(ctx.plan, state), (), outcome)
        lines, _ = answer_list(ctx.plan, state)
        if not lines:
            return refuse(ctx, state, Refusal("refuse_nothing_to_change"))
        if state.phase == "summary":
            return refuse(ctx, state, Refusal("summary_not_yet"), "notice")
        listing = TextOut("\n".join([phrase("change_list", language), *lines]), "summary")
        return Step(replace(state, updated_at=ctx.stamp), (listing, *prompt(ctx.plan, state)))
    target = _resolve(ctx, state, argument)
    if target is None:
        return refuse(ctx, state, Refusal("refuse_no_such_question", {"argument": argument.strip()}))
    editing = state.editing or state.phase in ("summary", "submitted")
    state = go_to(ctx, state, target, editing=editing)
    return Step(state, prompt(ctx.plan, state), (), outcome)


def _done(ctx: Ctx, state: DialogueState) -> Step:
    if state.phase == "summary":
        return submit(ctx, state)
    question = current_question(ctx, state)
    if question is None:
        return not_now(ctx, state)
    if question.kind == "multi":
        # The selection built with ToggleIn (pre-filled with the old answer when visited again).
        if state.pending:
            return record(ctx, state, question, list(state.pending))
        if question.required:
            return refuse(ctx, state, Refusal("refuse_multi_empty"))
        return skip(ctx, state)
    if question.id in state.answers or question.id in state.skipped:
        return move_on(ctx, state, question)
    if not question.required:
        return skip(ctx, state)
    return refuse(ctx, state, Refusal("refuse_nothing_pending"))


def on_command(ctx: Ctx, state: DialogueState, command: CommandIn) -> Step:
    name = command.name
    language = state.language
    if state.phase == "confirm_stop" and name != "stop":
        if name == "help":
            return Step(state, (TextOut(phrase("help", language)), *prompt(ctx.plan, state)))
        # Any other command means "no, don't stop": go back, then do what was asked.
        state = replace(state, phase=state.resume_phase or "asking", resume_phase=None)
    if name == "stop":
        if state.phase == "opted_out":
            return Step(state, prompt(ctx.plan, state))
        resume = state.resume_phase if state.phase == "confirm_stop" else state.phase
        state = replace(state, phase="confirm_stop", resume_phase=resume, updated_at=ctx.stamp)
        return Step(state, (stop_prompt(language),))
    if state.phase in ("declined", "opted_out"):
        if name in ("resume", "change", "back"):
            return reopen(ctx, state, [])
        return Step(state, prompt(ctx.plan, state))
    if name == "help":
        return Step(state, (TextOut(phrase("help", language)), *prompt(ctx.plan, state)))
    if name == "decline":
        if state.submitted_at is not None:
            return refuse(ctx, state, Refusal("refuse_already_submitted"))
        state = replace(state, phase="declined", current=None, pending=(), editing=False,
                        updated_at=ctx.stamp)
        return Step(state, (TextOut(say("thanks_declined", state), "done"),), (), "declined")
    if name == "change":
        return _change(ctx, state, command.argument)
    if name == "skip":
        return skip(ctx, state)
    if name == "back":
        return _back(ctx, state)
    if name == "done":
        return _done(ctx, state)
    if name == "submit":
        if state.phase == "summary":
            return submit(ctx, state)
        question = current_question(ctx, state)
        return move_on(ctx, state, question) if question is not None else not_now(ctx, state)
    # resume
    question = current_question(ctx, state)
    return move_on(ctx, state, question) if question is not None else not_now(ctx, state)

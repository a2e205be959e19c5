"""A consultation's dialogue played through once, as a business would see it in a chat: the engine's
own messages (the neutral content every channel renders from), each answered with a sample answer
until the response is submitted. The officials' preview shows it as chat bubbles and buttons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from conversations.engine import begin, step
from conversations.messages import ChoiceIn, Outbound, QuestionOut
from conversations.questionnaire import Questionnaire
from conversations.state import Step

_MAX_TURNS = 200  # a questionnaire has at most a few dozen questions; this only guards the loop
_SAMPLE_TEXT = {"sv": "Exempelsvar", "en": "Sample answer"}


@dataclass(frozen=True)
class Turn:
    """One message of the played dialogue: from the bot (`message`) or the business's reply (`reply`)."""

    message: Outbound | None = None
    reply: str | None = None


def _sample(question: QuestionOut, language: str, now: dt.datetime) -> tuple[tuple[str, ...], str]:
    """(the values sent, what the business is shown to have answered) for a question."""
    if question.choices:
        first = question.choices[0]
        return (first.id,), first.label
    if question.kind == "number":
        low = question.min if question.min is not None else 3
        high = question.max if question.max is not None else low
        value = str(int(min(max(3, low), max(high, low))))
        return (value,), value
    if question.kind == "date":
        value = (now + dt.timedelta(days=7)).date().isoformat()
        return (value,), value
    text = _SAMPLE_TEXT.get(language, _SAMPLE_TEXT["sv"])
    return (text,), text


def play(questionnaire: Questionnaire, *, language: str, now: dt.datetime) -> list[Turn]:
    """The whole dialogue answered with the first choice (or a sample value) at every question."""
    current: Step = begin(questionnaire, language="en" if language == "en" else "sv", now=now)
    turns: list[Turn] = []
    for _ in range(_MAX_TURNS):
        turns += [Turn(message=m) for m in current.messages]
        asked = [m for m in current.messages if isinstance(m, QuestionOut)]
        if current.outcome is not None or not asked:
            break
        question = asked[-1]
        values, shown = _sample(question, language, now)
        turns.append(Turn(reply=shown))
        current = step(questionnaire, current.state, ChoiceIn(question.question_id, values), now=now)
    return turns

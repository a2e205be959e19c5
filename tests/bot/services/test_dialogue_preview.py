"""Playing a consultation's dialogue once for the officials' preview: every question is asked and
answered with a sample, in order, and the dialogue ends submitted."""

from __future__ import annotations

import datetime as dt

from bot.services.dialogue_preview import play
from conversations import dialogue_model
from conversations.messages import QuestionOut, TextOut

NOW = dt.datetime(2025, 2, 27, 8, 13, tzinfo=dt.UTC)


def test_the_played_dialogue_asks_each_question_once_answers_it_and_ends_with_the_thanks() -> None:
    questionnaire = dialogue_model.template_questionnaire("traffic", "consultation")
    turns = play(questionnaire, language="sv", now=NOW)
    asked = [t.message for t in turns if isinstance(t.message, QuestionOut) and t.message.position]
    assert [q.question_id for q in asked] == [q.id for q in questionnaire.questions]
    assert [t.reply for t in turns if t.reply][:3] == ["Ja", "1", "Leveranser"]
    assert "2025-03-06" in [t.reply for t in turns]  # a date question: a week after now
    assert turns[-2].reply == "Ja, skicka in"
    last = turns[-1].message
    assert isinstance(last, TextOut) and last.text.startswith("Tack! Dina svar är inskickade.")


def test_the_played_dialogue_speaks_the_pages_language() -> None:
    questionnaire = dialogue_model.template_questionnaire("events", "early")
    english = play(questionnaire, language="en", now=NOW)
    first = english[0].message
    assert isinstance(first, TextOut) and first.text.startswith(questionnaire.title.get("en"))
    assert [t.reply for t in english if t.reply][-2:] == ["Sample answer", "Yes, send"]

"""A question's `when` in words on the preview: each kind of condition the loader takes."""

from __future__ import annotations

from bot.web.admin.condition_words import conditions_in_words
from bot.web.admin.texts import TEXTS
from conversations.question import LocalText, Option, Question, Range


def _question(qid: str, kind: str, **more: object) -> Question:
    return Question.model_validate({"id": qid, "kind": kind, "text": LocalText(sv=qid, en=qid), **more})


OPTIONS = (Option(id="deliveries", text=LocalText(sv="Leveranser", en="Deliveries")),
           Option(id="parking", text=LocalText(sv="Parkering", en="Parking")))
QUESTIONS = [
    _question("affected", "yesno"),
    _question("concerns", "multi", options=OPTIONS),
    _question("when_best", "choice", options=OPTIONS),
    _question("staff", "number"),
    _question("a", "text", when={"affected": False}),
    _question("b", "text", when={"concerns": "parking"}),
    _question("c", "text", when={"when_best": ["deliveries", "parking"], "affected": True}),
    _question("d", "text", when={"staff": Range(gte=2.5, lte=10)}),
    _question("e", "text", when={"staff": Range(gte=50)}),
    _question("f", "text", when={"staff": Range(lte=3)}),
    _question("g", "text", when={"when_best": "gone", "staff": 4}),
]


def test_each_condition_is_named_by_question_number_and_answer_text() -> None:
    said = conditions_in_words(QUESTIONS, TEXTS["sv"], "sv")
    assert said == {
        "a": "svaret på fråga 1 är nej",
        "b": "svaret på fråga 2 innehåller Parkering",  # a multi question: one of its choices
        "c": "svaret på fråga 3 är Leveranser eller Parkering och svaret på fråga 1 är ja",
        "d": "svaret på fråga 4 är 2,5–10",
        "e": "svaret på fråga 4 är minst 50",
        "f": "svaret på fråga 4 är högst 3",
        "g": "svaret på fråga 3 är gone och svaret på fråga 4 är 4",  # no such option: shown as written
    }


def test_in_english_the_options_are_in_english() -> None:
    said = conditions_in_words(QUESTIONS, TEXTS["en"], "en")
    assert said["c"] == "the answer to question 3 is Deliveries or Parking and the answer to question 1 is yes"
    assert said["d"] == "the answer to question 4 is 2.5–10"

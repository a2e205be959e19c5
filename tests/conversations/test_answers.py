"""Reading answers the way people type them on a phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conversations.answers import Refusal, fold, kind_hint, option_ids, parse_answer, parse_values
from conversations.messages import AnswerValue
from conversations.questionnaire import Question

TODAY = dt.date(2025, 3, 10)


def question(kind: str, **fields: Any) -> Question:
    return Question.model_validate(
        {"id": "q", "kind": kind, "text": {"sv": "Fråga", "en": "Question"}, **fields}
    )


def options(*texts: str | tuple[str, str]) -> list[dict[str, Any]]:
    made = []
    for n, text in enumerate(texts, start=1):
        sv, en = text if isinstance(text, tuple) else (text, text)
        made.append({"id": f"o{n}", "text": {"sv": sv, "en": en}})
    return made


YESNO = question("yesno")
CHOICE = question("choice", options=options(("Morgon", "Morning"), ("Kväll", "Evening")))
THREE = question("choice", options=options("Morgon", "Mitt på dagen", "Kväll"))
MULTI = question("multi", options=options("Leveranser", "Parkering", "Buller och damm"))
# Option texts of several words that no separator splits; Swedish and English texts that differ.
SPOTS = question("multi", options=options("Sena leveranser", "Parkering", "Mitt på dagen"))
TIMES = question("choice", options=options(("Morgon", "Morning"), ("Mitt på dagen", "Midday"), ("Kväll", "Evening")))
ENGLISH_ONLY = question(
    "choice",
    options=[{"id": "morning", "text": {"en": "Morning"}}, {"id": "midday", "text": {"en": "Midday"}}],
)
SCALE = question("scale")
SCALE_0_10 = question("scale", min=0, max=10)
NUMBER = question("number")
STAFF = question("number", min=0, max=500)
DATE = question("date")
TEXT = question("text", max_length=20)


def parse(q: Question, text: str) -> AnswerValue | Refusal:
    return parse_answer(q, text, today=TODAY)


@pytest.mark.parametrize(
    ("q", "text", "expected"),
    [
        # yes/no, any case, with punctuation, both languages
        (YESNO, "ja", True),
        (YESNO, "Ja!", True),
        (YESNO, "JA", True),
        (YESNO, "j", True),
        (YESNO, " yes ", True),
        (YESNO, "Y", True),
        (YESNO, "nej", False),
        (YESNO, "Nej.", False),
        (YESNO, "n", False),
        (YESNO, "No", False),
        # a choice by number, text, either language, without accents, by an unambiguous prefix
        (CHOICE, "2", "o2"),
        (CHOICE, "morgon", "o1"),
        (CHOICE, "MORGON", "o1"),
        (CHOICE, "kvall", "o2"),
        (CHOICE, "Kväll!", "o2"),
        (CHOICE, "evening", "o2"),
        (CHOICE, "morg", "o1"),
        (CHOICE, "o2", "o2"),
        (THREE, "mitt", "o2"),
        # multi: numbers with commas, spaces or "och"; texts; always in questionnaire order
        (MULTI, "1, 3", ["o1", "o3"]),
        (MULTI, "1 3", ["o1", "o3"]),
        (MULTI, "1 och 3", ["o1", "o3"]),
        (MULTI, "3 and 1", ["o1", "o3"]),
        (MULTI, "leveranser, parkering", ["o1", "o2"]),
        (MULTI, "Parkering; leveranser", ["o1", "o2"]),
        (MULTI, "2", ["o2"]),
        (MULTI, "1, 1", ["o1"]),
        (MULTI, "Buller och damm", ["o3"]),
        (SPOTS, "parkering, sena leveranser", ["o1", "o2"]),
        (SPOTS, "mitt på dagen och 2", ["o2", "o3"]),
        # scale
        (SCALE, "4", 4),
        (SCALE, "4/5", 4),
        (SCALE, "4 av 5", 4),
        (SCALE, "4 of 5", 4),
        (SCALE, "1", 1),
        (SCALE_0_10, "0", 0),
        (SCALE_0_10, "10/10", 10),
        # numbers: thousands spaces of every kind, decimal comma or point, negative
        (NUMBER, "1 200", 1200),
        (NUMBER, "1\u00a0200", 1200),
        (NUMBER, "1\u202f200", 1200),
        (NUMBER, "1\u2009200", 1200),
        (NUMBER, "3,5", 3.5),
        (NUMBER, "1200.5", 1200.5),
        (NUMBER, "1200.0", 1200),
        (NUMBER, "-3", -3),
        (NUMBER, "\u22123", -3),
        # a sentence's full stop after the number is not a decimal point; a leading point is
        (NUMBER, "3,5.", 3.5),
        (NUMBER, "12.", 12),
        (NUMBER, ".5", 0.5),
        (STAFF, "0", 0),
        (STAFF, "500", 500),
        # dates; without a year: the next time that day comes, counting today (2025-03-10)
        (DATE, "2025-03-15", "2025-03-15"),
        (DATE, "2024-12-01", "2024-12-01"),
        (DATE, "15/3", "2025-03-15"),
        (DATE, "10/3", "2025-03-10"),
        (DATE, "9/3", "2026-03-09"),
        # a typed year is kept, whether or not the day has passed this year
        (DATE, "15/3/2025", "2025-03-15"),
        (DATE, "15/3/2027", "2027-03-15"),
        (DATE, "9/3/2025", "2025-03-09"),
        (DATE, "15.3.2026", "2026-03-15"),
        (DATE, "15/3 2026", "2026-03-15"),
        (DATE, "1 maj 2024", "2024-05-01"),
        (DATE, "May 1st, 2027", "2027-05-01"),
        (DATE, "15.3", "2025-03-15"),
        (DATE, "15 mars", "2025-03-15"),
        (DATE, "15 mars 2027", "2027-03-15"),
        (DATE, "den 1 maj", "2025-05-01"),
        (DATE, "3 januari", "2026-01-03"),
        (DATE, "march 15", "2025-03-15"),
        (DATE, "15 March", "2025-03-15"),
        (DATE, "March 15, 2026", "2026-03-15"),
        (DATE, "15 okt", "2025-10-15"),
        # month names and their first three letters, Swedish and English; "sept" too
        (DATE, "2 sept", "2025-09-02"),
        (DATE, "2 sep", "2025-09-02"),
        (DATE, "2 september", "2025-09-02"),
        (DATE, "dec 24", "2025-12-24"),
        (DATE, "1 januari", "2026-01-01"),
        (DATE, "1 feb.", "2026-02-01"),
        (DATE, "30 juni", "2025-06-30"),
        (DATE, "31 december", "2025-12-31"),
        (DATE, "august 8", "2025-08-08"),
        (DATE, "29/2", "2028-02-29"),
        (DATE, "idag", "2025-03-10"),
        (DATE, "tomorrow", "2025-03-11"),
        # free text, trimmed
        (TEXT, "  Mer parkering  ", "Mer parkering"),
        (TEXT, "x" * 20, "x" * 20),
    ],
)
def test_accepted(q: Question, text: str, expected: AnswerValue) -> None:
    value = parse(q, text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("q", "text", "key", "params"),
    [
        (YESNO, "kanske", "hint_yesno", {}),
        (YESNO, "", "hint_yesno", {}),
        (CHOICE, "3", "hint_choice", {"count": 2}),
        (CHOICE, "0", "hint_choice", {"count": 2}),
        (CHOICE, "natt", "refuse_unknown_option", {"text": "natt", "count": 2}),
        (CHOICE, "", "hint_choice", {"count": 2}),
        (THREE, "?!", "hint_choice", {"count": 3}),
        # an ambiguous start is explained with the options' Swedish texts, or English when that is all
        (TIMES, "M", "refuse_ambiguous", {"text": "M", "options": "Morgon, Mitt på dagen"}),
        (ENGLISH_ONLY, "m", "refuse_ambiguous", {"text": "m", "options": "Morning, Midday"}),
        (THREE, "m", "refuse_ambiguous", {"text": "m", "options": "Morgon, Mitt på dagen"}),
        (MULTI, "1, 4", "hint_choice", {"count": 3}),
        (MULTI, "leveranser, cyklar", "refuse_unknown_option", {"text": "cyklar", "count": 3}),
        (MULTI, ", ,", "refuse_multi_empty", {}),
        (SCALE, "6", "hint_scale", {"min": 1, "max": 5}),
        (SCALE, "0", "hint_scale", {"min": 1, "max": 5}),
        (SCALE, "4/10", "hint_scale", {"min": 1, "max": 5}),
        (SCALE, "3.5", "hint_scale", {"min": 1, "max": 5}),
        (SCALE, "fyra", "hint_scale", {"min": 1, "max": 5}),
        (SCALE_0_10, "11", "hint_scale", {"min": 0, "max": 10}),
        (NUMBER, "många", "refuse_not_a_number", {"text": "många"}),
        (NUMBER, "1,200.5", "refuse_not_a_number", {"text": "1,200.5"}),
        (NUMBER, "12 X", "refuse_not_a_number", {"text": "12 X"}),
        (NUMBER, "12.X.", "refuse_not_a_number", {"text": "12.X."}),
        (NUMBER, "", "hint_number", {}),
        (STAFF, "-1", "hint_number_range", {"min": "0", "max": "500"}),
        (STAFF, "501", "hint_number_range", {"min": "0", "max": "500"}),
        (question("number", min=0), "-2", "hint_number_min", {"min": "0"}),
        (question("number", max=2.5), "3", "hint_number_max", {"max": "2.5"}),
        (DATE, "snart", "hint_date", {}),
        (DATE, "31/2", "refuse_date_invalid", {}),
        (DATE, "2025-02-30", "refuse_date_invalid", {}),
        (DATE, "32 mars", "refuse_date_invalid", {}),
        (DATE, "15 smurf", "hint_date", {}),
        (TEXT, "   ", "refuse_text_empty", {}),
        (TEXT, "x" * 21, "refuse_text_too_long", {"length": 21, "limit": 20}),
    ],
)
def test_refused(q: Question, text: str, key: str, params: dict[str, object]) -> None:
    assert parse(q, text) == Refusal(key, params)


@pytest.mark.parametrize(
    ("q", "values", "expected"),
    [
        (CHOICE, ("o2",), "o2"),
        (CHOICE, ("Kväll",), "o2"),
        (MULTI, ("o3", "o1"), ["o1", "o3"]),
        (MULTI, ("2",), ["o2"]),
        (YESNO, ("yes",), True),
        (YESNO, ("no",), False),
        (SCALE, ("4",), 4),
        (NUMBER, ("1 200",), 1200),
        (DATE, ("2025-04-01",), "2025-04-01"),
        # a form's date field is read like a typed date, against the same today
        (DATE, ("9/3",), "2026-03-09"),
        (DATE, ("i morgon",), "2025-03-11"),
        # several values of one field are read as one typed text
        (TEXT, ("Mer", "parkering"), "Mer parkering"),
        (NUMBER, ("1", "200"), 1200),
        (CHOICE, ("o1", "o2"), Refusal("hint_choice", {"count": 2})),
        (MULTI, (), Refusal("refuse_multi_empty")),
        (CHOICE, ("",), Refusal("hint_choice", {"count": 2})),
        (MULTI, ("o9",), Refusal("refuse_unknown_option", {"text": "o9", "count": 3})),
    ],
)
def test_button_and_form_values(q: Question, values: tuple[str, ...], expected: object) -> None:
    assert parse_values(q, values, today=TODAY) == expected


def test_a_button_carries_the_option_id_which_wins_over_a_text_it_resembles() -> None:
    # The id "evening" of the first option is also the English text of the second.
    late = question(
        "choice",
        options=[
            {"id": "evening", "text": {"sv": "Kväll", "en": "Early evening"}},
            {"id": "late", "text": {"sv": "Sen kväll", "en": "Evening"}},
        ],
    )
    assert parse_values(late, ("evening",), today=TODAY) == "evening"
    assert parse_values(late, ("late",), today=TODAY) == "late"


def test_no_option_ids_is_no_selection() -> None:
    assert option_ids(MULTI, []) == Refusal("refuse_multi_empty")
    assert option_ids(CHOICE, []) == Refusal("hint_choice", {"count": 2})


def test_fold_forgives_case_accents_spaces_and_punctuation() -> None:
    assert fold("  Kväll!  ") == "kvall"
    assert fold("Mitt  på\tdagen?") == "mitt pa dagen"


@pytest.mark.parametrize(
    ("q", "hint"),
    [
        (YESNO, Refusal("hint_yesno")),
        # "Svara med en siffra 1–2": the hint counts this question's options
        (CHOICE, Refusal("hint_choice", {"count": 2})),
        (THREE, Refusal("hint_choice", {"count": 3})),
        (MULTI, Refusal("hint_multi")),
        (SCALE, Refusal("hint_scale", {"min": 1, "max": 5})),
        (SCALE_0_10, Refusal("hint_scale", {"min": 0, "max": 10})),
        (NUMBER, Refusal("hint_number")),
        (STAFF, Refusal("hint_number_range", {"min": "0", "max": "500"})),
        (DATE, Refusal("hint_date")),
        (TEXT, Refusal("hint_text", {"limit": 20})),
    ],
)
def test_every_kind_has_a_hint_with_this_questions_numbers(q: Question, hint: Refusal) -> None:
    assert kind_hint(q) == hint


WHOLE = question("number", min=0, max=500, integer=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("120", 120),
        ("3,0", 3),
        ("3,5", Refusal("refuse_not_whole", {"text": "3,5"})),
        ("2.25", Refusal("refuse_not_whole", {"text": "2.25"})),
        ("tre", Refusal("refuse_not_a_number", {"text": "tre"})),
        ("501", Refusal("hint_whole_number_range", {"min": "0", "max": "500"})),
    ],
)
def test_a_question_for_whole_numbers_refuses_decimals_and_says_so(text: str, expected: object) -> None:
    assert parse(WHOLE, text) == expected
    assert kind_hint(WHOLE) == Refusal("hint_whole_number_range", {"min": "0", "max": "500"})


def test_integer_belongs_to_number_questions_only() -> None:
    with pytest.raises(ValueError, match="integer applies only to number questions"):
        question("scale", integer=True)

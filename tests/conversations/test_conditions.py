"""Whether a follow-up question applies: one earlier answer against its `when`.

The branching scenarios (a whole dialogue taking one path or another) are in test_engine.py; here are
the edges of each kind of condition, with answers on both sides of every edge.
"""

from __future__ import annotations

import pytest

from conversations.conditions import holds, matches
from conversations.messages import AnswerValue
from conversations.questionnaire import ConditionValue, Range


@pytest.mark.parametrize(
    ("answer", "condition", "expected"),
    [
        # an exact number: only that number
        (4, 4, True),
        (3, 4, False),
        (5, 4, False),
        (2.5, 2.5, True),
        (2.5, 2, False),
        # a range includes both of its bounds, and nothing past them
        (10, Range(lte=10), True),
        (10.5, Range(lte=10), False),
        (9.5, Range(lte=10), True),
        (4, Range(gte=4), True),
        (3.9, Range(gte=4), False),
        (7, Range(gte=4, lte=7), True),
        (8, Range(gte=4, lte=7), False),
        # a list: any of its values
        (3, [1, 3], True),
        (2, [1, 3], False),
        ("mon", ["mon", "tue"], True),
        ("sat", ["mon", "tue"], False),
        # a multi selection holds when the value is among the chosen options
        (["deliveries", "parking"], "parking", True),
        (["deliveries"], "parking", False),
        (["deliveries"], ["noise", "deliveries"], True),
        # yes/no
        (True, True, True),
        (False, True, False),
        (False, False, True),
        (True, False, False),
    ],
)
def test_a_condition_holds_exactly_for_the_answers_it_names(
    answer: AnswerValue, condition: ConditionValue, expected: bool
) -> None:
    assert matches(answer, condition) is expected


@pytest.mark.parametrize(
    ("answer", "condition", "expected"),
    [
        (True, "ja", True),
        (True, "Yes", True),
        (False, "ja", False),
        (False, "Nej", True),
        (True, "nej", False),
        (False, "false", True),
        # a word that is neither yes nor no matches neither answer
        (True, "kanske", False),
        (False, "kanske", False),
    ],
)
def test_a_yes_or_no_written_as_a_word_matches_that_answer(
    answer: bool, condition: str, expected: bool
) -> None:
    assert matches(answer, condition) is expected


@pytest.mark.parametrize(
    ("answer", "condition"),
    [
        # a yes is not a number, nor is an option or a date: a range or a yes never matches them
        (True, Range(gte=1)),
        (False, Range(lte=1)),
        ("traffic", Range(gte=4)),
        ("2025-03-15", Range(lte=10)),
        (["parking"], Range(gte=1)),
        (4, True),
        ("traffic", True),
        (["parking"], True),
        (1, True),
        (0, False),
    ],
)
def test_an_odd_condition_simply_does_not_match(answer: AnswerValue, condition: ConditionValue) -> None:
    assert matches(answer, condition) is False


def test_every_named_answer_must_match_and_a_missing_one_never_does() -> None:
    when = (("affected", True), ("impact", Range(gte=4)))
    assert holds(when, {"affected": True, "impact": 4})
    assert not holds(when, {"affected": True, "impact": 3})
    assert not holds(when, {"affected": False, "impact": 5})
    assert not holds(when, {"affected": True})
    assert holds((), {})

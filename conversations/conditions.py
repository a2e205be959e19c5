"""Whether a question's `when` holds for the answers given so far.

`conversations.question_checks` refuses conditions that can never match when a file is loaded; here
a condition is only evaluated, so an odd value simply does not match.
"""

from __future__ import annotations

from conversations.messages import AnswerValue
from conversations.questionnaire import ConditionValue, Range

# One `when` as (question id, condition) pairs: a tuple is cheaper to walk than the model's dict.
Conditions = tuple[tuple[str, ConditionValue], ...]

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


def matches(answer: AnswerValue, condition: ConditionValue) -> bool:
    if isinstance(condition, Range):
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            return False
        return (condition.gte is None or answer >= condition.gte) and (
            condition.lte is None or answer <= condition.lte
        )
    if isinstance(condition, list):
        return any(_equals(answer, expected) for expected in condition)
    return _equals(answer, condition)


def holds(conditions: Conditions, answers: dict[str, AnswerValue]) -> bool:
    """Every named earlier answer matches; an unanswered or skipped one does not."""
    for ref, condition in conditions:
        answer = answers.get(ref)
        if answer is None or not matches(answer, condition):
            return False
    return True

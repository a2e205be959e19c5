"""Checks across the questions of one list: distinct ids, and `when` conditions that can match.

Each question's own checks are `Question.issues`; these are the ones that need the other questions.
`when` names earlier questions only, with values their answers can take: true/false for yesno,
option ids for choice/multi, whole numbers or `{gte, lte}` within the scale, numbers or ranges for
number, ISO dates (YYYY-MM-DD) for date. A text answer cannot be a condition.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from conversations.problems import Issue, Path, did_you_mean, prefixed, show_number, show_value
from conversations.question import KINDS_WITH_BOUNDS, KINDS_WITH_OPTIONS, ConditionValue, Question, Range


def check_questions(questions: Sequence[Question]) -> list[Issue]:
    """Every problem in a list of questions: each question's own, duplicate ids and bad conditions.

    Paths are relative to the list: `(2, "when", "affected")`.
    """
    if not questions:
        return [((), "there are no questions: a consultation needs at least one")]
    issues: list[Issue] = []
    earlier: dict[str, int] = {}
    for index, question in enumerate(questions):
        if question.id in earlier:
            issues.append(
                (
                    (index, "id"),
                    f'duplicate question id "{question.id}" '
                    f"(already used by questions[{earlier[question.id]}])",
                )
            )
        issues += prefixed((index,), question.issues())
        if question.when is not None:
            issues += prefixed((index,), _when_issues(question, questions, earlier))
        earlier.setdefault(question.id, index)
    return issues


def _when_issues(
    question: Question, questions: Sequence[Question], earlier: Mapping[str, int]
) -> list[Issue]:
    assert question.when is not None
    if not question.when:
        return [(("when",), "when is empty: name at least one earlier question, e.g. {affected: true}")]
    issues: list[Issue] = []
    for name, condition in question.when.items():
        where: Path = ("when", name)
        if name == question.id:
            issues.append((where, "a question cannot depend on its own answer"))
        elif name in earlier:
            issues += [
                (where, message) for message in condition_problems(questions[earlier[name]], condition)
            ]
        else:
            later = next((i for i, q in enumerate(questions) if q.id == name), None)
            if later is not None:
                issues.append(
                    (
                        where,
                        f'"{name}" comes later (questions[{later}]); '
                        "a condition can only look at earlier answers",
                    )
                )
            else:
                hint = did_you_mean(name, [q.id for q in questions])
                issues.append((where, f'"{name}" is not a question in this questionnaire{hint}'))
    return issues


def condition_problems(target: Question, condition: ConditionValue) -> list[str]:
    """Why `condition` can never match an answer to `target` (empty when it can)."""
    kind, name = target.kind, target.id
    if kind == "text":
        return [f'"{name}" is a text question; a free-text answer cannot be a condition']
    if isinstance(condition, Range):
        return _range_problems(target, condition)
    values = condition if isinstance(condition, list) else [condition]
    if not values:
        return ["an empty list never matches; give at least one value"]
    problems: list[str] = []
    for value in values:
        problem = _value_problem(target, value)
        if problem:
            problems.append(problem)
    if (
        kind in ("yesno", "choice", "multi", "date")
        and not problems
        and len(set(map(repr, values))) < len(values)
    ):
        problems.append("a value is listed twice")
    return problems


def _value_problem(target: Question, value: bool | int | float | str) -> str | None:
    kind, name = target.kind, target.id
    if kind == "yesno":
        if not isinstance(value, bool):
            return f'"{name}" is a yes/no question: the condition is true or false, not {show_value(value)}'
    elif kind in KINDS_WITH_OPTIONS:
        ids = [option.id for option in target.options]
        if not isinstance(value, str) or value not in ids:
            hint = did_you_mean(str(value), ids)
            return f'{show_value(value)} is not an option of "{name}" (options: {", ".join(ids)}){hint}'
    elif kind == "date":
        if not isinstance(value, str) or not _is_iso_date(value):
            return f'"{name}" is a date question: the condition is a date like 2024-05-01, not {show_value(value)}'
    elif isinstance(value, bool) or not isinstance(value, int | float):
        expected = "a number or {gte: …, lte: …}"
        return f'"{name}" is a {kind} question: the condition is {expected}, not {show_value(value)}'
    elif kind == "scale" and not float(value).is_integer():
        return f'"{name}" is a scale of whole numbers: {show_value(value)} never matches'
    elif not _within(target, value):
        return f'{show_value(value)} is outside the {_bounds(target)} of "{name}", so it never matches'
    return None


def _range_problems(target: Question, condition: Range) -> list[str]:
    kind, name = target.kind, target.id
    if kind not in KINDS_WITH_BOUNDS:
        return [
            f'"{name}" is a {kind} question: {{gte, lte}} ranges apply only to scale and number questions'
        ]
    if condition.gte is None and condition.lte is None:
        return ["a range needs gte, lte or both"]
    if condition.gte is not None and condition.lte is not None and condition.gte > condition.lte:
        return [f"gte ({show_number(condition.gte)}) is above lte ({show_number(condition.lte)}): nothing matches"]
    low = condition.gte if condition.gte is not None else -float("inf")
    high = condition.lte if condition.lte is not None else float("inf")
    if (target.max is not None and low > target.max) or (target.min is not None and high < target.min):
        return [f'the range lies outside the {_bounds(target)} of "{name}", so it never matches']
    return []


def _within(target: Question, value: float) -> bool:
    return (target.min is None or value >= target.min) and (target.max is None or value <= target.max)


def _bounds(target: Question) -> str:
    low = "" if target.min is None else show_number(target.min)
    high = "" if target.max is None else show_number(target.max)
    return f"{'scale' if target.kind == 'scale' else 'range'} {low}–{high}"


def _is_iso_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True

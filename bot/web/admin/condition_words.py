"""A question's `when` condition in words, for the preview: "ställs bara om svaret på fråga 1 är ja"
where the file says `affected: true` (a question id and a Python-looking value an official never sees
elsewhere)."""

from __future__ import annotations

from bot.services.results import show
from conversations.messages import Language
from conversations.question import ConditionValue, Question, Range


def conditions_in_words(questions: tuple[Question, ...] | list[Question], t: dict[str, str], language: Language) -> dict[str, str]:
    """Each conditional question's condition in words, by the question's id."""
    numbers = {q.id: index + 1 for index, q in enumerate(questions)}
    by_id = {q.id: q for q in questions}
    said: dict[str, str] = {}
    for question in questions:
        if not question.when:
            continue
        parts = []
        for source_id, condition in question.when.items():
            source = by_id.get(source_id)
            part = "condition_includes" if source is not None and source.kind == "multi" else "condition_is"
            parts.append(t[part].format(n=numbers.get(source_id, source_id), value=_value(condition, source, t, language)))
        said[question.id] = t["condition_and"].join(parts)
    return said


def _value(condition: ConditionValue, source: Question | None, t: dict[str, str], language: Language) -> str:
    if isinstance(condition, Range):
        if condition.gte is not None and condition.lte is not None:
            return f"{show(condition.gte, language)}–{show(condition.lte, language)}"
        if condition.gte is not None:
            return t["condition_at_least"].format(low=show(condition.gte, language))
        return t["condition_at_most"].format(high=show(condition.lte or 0, language))
    values = condition if isinstance(condition, list) else [condition]
    return t["condition_or"].join(_one(value, source, t, language) for value in values)


def _one(value: bool | int | float | str, source: Question | None, t: dict[str, str], language: Language) -> str:
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    option = source.option(str(value)) if source is not None else None
    if option is not None:
        return option.text.get(language)
    return show(value, language) if isinstance(value, int | float) else value

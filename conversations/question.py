"""The parts of a question: its kind, bilingual texts, options, bounds and `when` conditions.

Rules a question must follow on its own, beyond its shape (`Question.issues`):
- `choice` and `multi` need at least two options, with distinct ids; no other kind takes options.
- `scale` runs between whole numbers, 1–5 unless `min`/`max` say otherwise, with at most
  `MAX_SCALE_STEPS` (11) steps: every step is a button, and 0–10 is the widest scale in common use.
- `number` may have `min` and/or `max` (min ≤ max); `min`/`max` mean nothing for the other kinds.
- `integer: true` (number only) asks for a whole number: a count of people or days is never 3,5.
- `max_length` applies to `text` only, 1–`MAX_TEXT_LIMIT` characters.
What a `when` may name is checked with the other questions (conversations.question_checks).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from conversations.messages import Language
from conversations.problems import CheckedModel, FrozenModel, Issue, show_number

QuestionKind = Literal["yesno", "choice", "multi", "scale", "number", "date", "text"]
QUESTION_KINDS: tuple[QuestionKind, ...] = ("yesno", "choice", "multi", "scale", "number", "date", "text")
DEFAULT_TEXT_LIMIT = 2000
MAX_TEXT_LIMIT = 4000  # what fits in one chat message on every channel
MAX_SCALE_STEPS = 11  # 0–10
DEFAULT_SCALE = (1, 5)
KINDS_WITH_OPTIONS: tuple[QuestionKind, ...] = ("choice", "multi")
KINDS_WITH_BOUNDS: tuple[QuestionKind, ...] = ("scale", "number")


class LocalText(FrozenModel):
    """A text in Swedish and/or English; a plain string in YAML means the same text in both."""

    sv: str | None = None
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"sv": data, "en": data}
        if isinstance(data, bool):
            raise ValueError(
                "expected a text, got true/false: YAML reads yes, no, on and off as true and "
                'false, so put the text in quotes ("yes")'
            )
        if isinstance(data, int | float):
            raise ValueError(f"expected a text, got the number {data}: put it in quotes")
        if isinstance(data, list):
            raise ValueError("expected a text, got a list: write a string or {sv: …, en: …}")
        return data

    @model_validator(mode="after")
    def _needs_one_language(self) -> LocalText:
        if not (self.sv or "").strip() and not (self.en or "").strip():
            raise ValueError("the text is empty: write it in Swedish (sv), English (en) or both")
        return self

    def get(self, language: Language) -> str:
        """The text in `language`, falling back to the other language when it is missing."""
        preferred = self.sv if language == "sv" else self.en
        fallback = self.en if language == "sv" else self.sv
        return (preferred or fallback or "").strip()


class Option(FrozenModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    text: LocalText


class Range(FrozenModel):
    """A `when` condition on a number or scale answer: inclusive bounds."""

    gte: float | None = None
    lte: float | None = None


# A `when` value: one allowed value, a list of allowed values, or a range.
ConditionValue = bool | int | float | str | list[bool | int | float | str] | Range


class Question(CheckedModel):
    """One question. A `scale` without `min`/`max` runs from 1 to 5."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
    kind: QuestionKind
    text: LocalText
    help: LocalText | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    integer: bool = False  # a number question that takes whole numbers only
    max_length: int = DEFAULT_TEXT_LIMIT
    when: dict[str, ConditionValue] | None = None

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    @model_validator(mode="before")
    @classmethod
    def _default_scale(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "scale":
            return {"min": DEFAULT_SCALE[0], "max": DEFAULT_SCALE[1], **data}
        return data

    @field_validator("when", mode="before")
    @classmethod
    def _condition_shapes(cls, value: Any) -> Any:
        if value is None:
            return value
        if not isinstance(value, dict):
            raise ValueError(
                "when is a mapping from earlier question ids to the answers they need, e.g. {affected: true}"
            )
        for name, condition in value.items():
            if isinstance(condition, dict):
                unknown = sorted(str(key) for key in condition if key not in ("gte", "lte"))
                if unknown:
                    raise ValueError(
                        f'the condition on "{name}" takes gte and/or lte, not '
                        + ", ".join(f'"{key}"' for key in unknown)
                    )
            elif isinstance(condition, list):
                if any(isinstance(item, list | dict) or item is None for item in condition):
                    raise ValueError(f'the condition on "{name}" is a list of plain values')
            elif condition is None:
                raise ValueError(f'the condition on "{name}" has no value')
        return value

    def issues(self) -> list[Issue]:
        issues: list[Issue] = []
        kind = self.kind
        if kind in KINDS_WITH_OPTIONS:
            if not self.options:
                issues.append((("options",), f"a {kind} question needs options (at least two)"))
            elif len(self.options) == 1:
                issues.append(
                    (
                        ("options",),
                        f"a {kind} question needs at least two options; with one there is nothing to choose",
                    )
                )
            seen: set[str] = set()
            for index, option in enumerate(self.options):
                if option.id in seen:
                    issues.append((("options", index, "id"), f'option id "{option.id}" is used twice'))
                seen.add(option.id)
        elif self.options:
            issues.append((("options",), f"a {kind} question takes no options (only choice and multi do)"))
        if kind not in KINDS_WITH_BOUNDS:
            for name in ("min", "max"):
                if getattr(self, name) is not None:
                    issues.append(((name,), f"{name} applies only to scale and number questions"))
        if self.integer and kind != "number":
            issues.append((("integer",), "integer applies only to number questions"))
        if kind == "scale":
            issues += self._scale_issues()
        if kind == "number" and self.min is not None and self.max is not None and self.min > self.max:
            issues.append((("min",), f"min ({show_number(self.min)}) is above max ({show_number(self.max)})"))
        if self.max_length != DEFAULT_TEXT_LIMIT:
            if kind != "text":
                issues.append((("max_length",), "max_length applies only to text questions"))
            elif not 1 <= self.max_length <= MAX_TEXT_LIMIT:
                issues.append((("max_length",), f"max_length must be between 1 and {MAX_TEXT_LIMIT}"))
        return issues

    def _scale_issues(self) -> list[Issue]:
        low, high = self.min, self.max
        if low is None or high is None:
            return [((), "a scale needs both min and max")]
        if not float(low).is_integer() or not float(high).is_integer():
            return [
                (("min" if not float(low).is_integer() else "max",), "a scale runs between whole numbers")
            ]
        if low >= high:
            return [(("min",), f"the scale's min ({show_number(low)}) must be below its max ({show_number(high)})")]
        steps = int(high - low) + 1
        if steps > MAX_SCALE_STEPS:
            return [
                (
                    ("max",),
                    f"a scale can have at most {MAX_SCALE_STEPS} steps (like 0–10); "
                    f"{show_number(low)}–{show_number(high)} has {steps}",
                )
            ]
        return []

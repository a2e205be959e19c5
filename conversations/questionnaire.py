"""The questionnaire model: question kinds, options, `when` conditions and bilingual texts.

The YAML format is described in CONTRACT.md. `conversations.consultation_file.load_consultation_file`
turns a file into a `ConsultationFile`, refusing a bad file with a `QuestionnaireError` that names the
line and field. This module holds what every YAML-backed model shares: the question models, the checks
across fields (`CheckedModel.issues`), and `validate_yaml`, which parses YAML with line numbers and
translates pydantic's errors into one readable line per problem.

Rules a question must follow, beyond its shape:
- `choice` and `multi` need at least two options, with distinct ids; no other kind takes options.
- `scale` runs between whole numbers, 1–5 unless `min`/`max` say otherwise, with at most
  `MAX_SCALE_STEPS` (11) steps: every step is a button, and 0–10 is the widest scale in common use.
- `number` may have `min` and/or `max` (min ≤ max); `min`/`max` mean nothing for the other kinds.
- `max_length` applies to `text` only, 1–`MAX_TEXT_LIMIT` characters.
- `when` names earlier questions only, with values their answers can take: true/false for yesno,
  option ids for choice/multi, whole numbers or `{gte, lte}` within the scale, numbers or ranges for
  number, ISO dates (YYYY-MM-DD) for date. A text answer cannot be a condition.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self, TypeVar, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from conversations.messages import Language

QuestionKind = Literal["yesno", "choice", "multi", "scale", "number", "date", "text"]
QUESTION_KINDS: tuple[QuestionKind, ...] = ("yesno", "choice", "multi", "scale", "number", "date", "text")
DEFAULT_TEXT_LIMIT = 2000
MAX_TEXT_LIMIT = 4000  # what fits in one chat message on every channel
MAX_SCALE_STEPS = 11  # 0–10
DEFAULT_SCALE = (1, 5)
KINDS_WITH_OPTIONS: tuple[QuestionKind, ...] = ("choice", "multi")
KINDS_WITH_BOUNDS: tuple[QuestionKind, ...] = ("scale", "number")

# A place in a YAML document: mapping keys and list indexes, e.g. ("consultation", "questions", 2, "kind").
Path = tuple[str | int, ...]
# A problem found by a check across fields: where (relative to the model checked) and what is wrong.
Issue = tuple[Path, str]

# Validation context key: defer the checks across fields so that a loader can collect them all.
COLLECT_ISSUES = "samrad_collect_issues"


class QuestionnaireError(ValueError):
    """A questionnaire or consultation file that cannot be used, with every problem found.

    `str(error)` has one line per problem, e.g.
    ``line 14, consultation.questions[2].kind: unknown kind "slider" (expected one of yesno, …)``.
    """

    def __init__(self, problems: Sequence[Problem], *, source: str = "<yaml>") -> None:
        self.problems = tuple(problems)
        self.source = source
        prefix = "" if source.startswith("<") else f"{source}, "  # a file name, not "<yaml>"
        super().__init__("\n".join(prefix + str(problem) for problem in self.problems))


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: the line it is on (1-based, when known), the field path and what is wrong."""

    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"line {self.line}" if self.line else "", self.path) if part)
        return f"{where}: {self.message}" if where else self.message


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckedModel(_Frozen):
    """A model with checks across its fields (`issues`).

    The checks run when the model is validated and raise on the first problems found. A file loader
    validates with the context `{COLLECT_ISSUES: True}` instead and then collects every issue of the whole
    document with `issues()`, so that each one can be reported with its own line.
    """

    def issues(self) -> list[Issue]:
        return []

    @model_validator(mode="after")
    def _run_checks(self, info: ValidationInfo) -> Self:
        if isinstance(info.context, dict) and info.context.get(COLLECT_ISSUES):
            return self
        found = self.issues()
        if found:
            raise ValueError(
                "; ".join(f"{format_path(path)}: {message}" if path else message for path, message in found)
            )
        return self


class LocalText(_Frozen):
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


class Option(_Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    text: LocalText


class Range(_Frozen):
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
        if kind == "scale":
            issues += self._scale_issues()
        if kind == "number" and self.min is not None and self.max is not None and self.min > self.max:
            issues.append((("min",), f"min ({_number(self.min)}) is above max ({_number(self.max)})"))
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
            return [(("min",), f"the scale's min ({_number(low)}) must be below its max ({_number(high)})")]
        steps = int(high - low) + 1
        if steps > MAX_SCALE_STEPS:
            return [
                (
                    ("max",),
                    f"a scale can have at most {MAX_SCALE_STEPS} steps (like 0–10); "
                    f"{_number(low)}–{_number(high)} has {steps}",
                )
            ]
        return []


class Questionnaire(CheckedModel):
    """What the engine runs: the texts shown around the questions and the questions themselves.

    It round-trips through JSON for storage: `Questionnaire.model_validate(q.model_dump(mode="json"))`.
    """

    title: LocalText
    intro: LocalText | None = None
    questions: tuple[Question, ...]
    closes: dt.datetime | None = None

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def position(self, question_id: str) -> int:
        """1-based number of a question, as shown to people ("Fråga 3 av 7")."""
        for index, question in enumerate(self.questions, start=1):
            if question.id == question_id:
                return index
        raise KeyError(question_id)

    def issues(self) -> list[Issue]:
        return prefixed(("questions",), check_questions(self.questions))


# --- checks across questions ---------------------------------------------------------------------


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
                hint = _did_you_mean(name, [q.id for q in questions])
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
            return f'"{name}" is a yes/no question: the condition is true or false, not {_show(value)}'
    elif kind in KINDS_WITH_OPTIONS:
        ids = [option.id for option in target.options]
        if not isinstance(value, str) or value not in ids:
            hint = _did_you_mean(str(value), ids)
            return f'{_show(value)} is not an option of "{name}" (options: {", ".join(ids)}){hint}'
    elif kind == "date":
        if not isinstance(value, str) or not _is_iso_date(value):
            return f'"{name}" is a date question: the condition is a date like 2024-05-01, not {_show(value)}'
    elif isinstance(value, bool) or not isinstance(value, int | float):
        expected = "a number or {gte: …, lte: …}"
        return f'"{name}" is a {kind} question: the condition is {expected}, not {_show(value)}'
    elif kind == "scale" and not float(value).is_integer():
        return f'"{name}" is a scale of whole numbers: {_show(value)} never matches'
    elif not _within(target, value):
        return f'{_show(value)} is outside the {_bounds(target)} of "{name}", so it never matches'
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
        return [f"gte ({_number(condition.gte)}) is above lte ({_number(condition.lte)}): nothing matches"]
    low = condition.gte if condition.gte is not None else -float("inf")
    high = condition.lte if condition.lte is not None else float("inf")
    if (target.max is not None and low > target.max) or (target.min is not None and high < target.min):
        return [f'the range lies outside the {_bounds(target)} of "{name}", so it never matches']
    return []


def _within(target: Question, value: float) -> bool:
    return (target.min is None or value >= target.min) and (target.max is None or value <= target.max)


def _bounds(target: Question) -> str:
    low = "" if target.min is None else _number(target.min)
    high = "" if target.max is None else _number(target.max)
    return f"{'scale' if target.kind == 'scale' else 'range'} {low}–{high}"


def _is_iso_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _did_you_mean(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def prefixed(prefix: Path, issues: Sequence[Issue]) -> list[Issue]:
    """`issues` of a part of a model, with paths relative to the whole."""
    return [(prefix + path, message) for path, message in issues]


def format_path(path: Path) -> str:
    """`("consultation", "questions", 2, "kind")` -> `consultation.questions[2].kind`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- YAML with line numbers ----------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings: dates and times are parsed (and explained) by the
    models, so a bad date is reported with its line like any other mistake."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Parsed YAML: the data, the line of every key and list item, and duplicate keys found."""

    data: Any
    lines: Mapping[Path, int]
    duplicates: tuple[Problem, ...]

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that exists in the document."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def parse_yaml(text: str, *, source: str = "<yaml>") -> YamlDocument:
    """Parse one YAML document, refusing syntax errors with their line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = f"{error.problem} ({error.context})" if error.context else str(error.problem)
        problem = Problem(mark.line + 1 if mark else None, "", f"not valid YAML: {what}")
        raise QuestionnaireError([problem], source=source) from None
    except (yaml.YAMLError, ValueError) as error:  # a YAML error without a place
        raise QuestionnaireError([Problem(None, "", f"not valid YAML: {error}")], source=source) from None
    finally:
        loader.dispose()
    if node is None:
        raise QuestionnaireError([Problem(1, "", "the file is empty")], source=source)
    lines: dict[Path, int] = {(): node.start_mark.line + 1}
    duplicates: list[Problem] = []
    _walk(node, (), lines, duplicates, set())
    return YamlDocument(data, lines, tuple(duplicates))


def _walk(
    node: yaml.Node, path: Path, lines: dict[Path, int], duplicates: list[Problem], seen: set[int]
) -> None:
    if id(node) in seen:  # an alias of a node already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            line = key.start_mark.line + 1
            if key.value in first_line and key.value != "<<":
                duplicates.append(
                    Problem(
                        line,
                        format_path((*path, key.value)),
                        f'duplicate key "{key.value}" (first on line {first_line[key.value]}); '
                        "YAML would silently keep only the last one",
                    )
                )
            first_line.setdefault(key.value, line)
            lines.setdefault((*path, key.value), line)
            _walk(value, (*path, key.value), lines, duplicates, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines, duplicates, seen)


M = TypeVar("M", bound=CheckedModel)


def validate_yaml(text: str, model: type[M], *, source: str = "<yaml>", what: str = "the file") -> M:
    """Parse `text` and validate it as `model`, or raise a `QuestionnaireError` listing every problem."""
    document = parse_yaml(text, source=source)
    if not isinstance(document.data, dict):
        keys = ", ".join(model.model_fields)
        problem = Problem(document.line(()), "", f"{what} must be a mapping with the keys {keys}")
        raise QuestionnaireError([problem], source=source)
    return validate_data(document.data, model, source=source, document=document)


def validate_data(
    data: Mapping[str, Any], model: type[M], *, source: str = "<data>", document: YamlDocument | None = None
) -> M:
    """Validate plain data as `model`; problems carry lines when `document` (its YAML) is given."""
    problems = list(document.duplicates) if document else []

    def problem(path: Path, message: str) -> Problem:
        return Problem(document.line(path) if document else None, format_path(path), message)

    try:
        result = model.model_validate(data, context={COLLECT_ISSUES: True})
    except ValidationError as error:
        explained = [
            (raw["type"], *explain_error(raw, data, model)) for raw in error.errors(include_url=False)
        ]
        # A misspelt field is reported once, as unknown with a suggestion, not also as missing.
        misspelt = {
            (*path[:-1], suggestion)
            for kind, path, _ in explained
            if kind == "extra_forbidden" and (suggestion := _misspelling(path, model))
        }
        seen: set[tuple[str, str]] = set()
        for kind, path, message in explained:
            if kind == "missing" and path in misspelt:
                continue
            if (format_path(path), message) not in seen:
                seen.add((format_path(path), message))
                problems.append(problem(path, message))
        raise QuestionnaireError(_ordered(problems), source=source) from None
    problems += [problem(path, message) for path, message in result.issues()]
    if problems:
        raise QuestionnaireError(_ordered(problems), source=source)
    return result


def _ordered(problems: Sequence[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line or 0)


# --- pydantic errors in plain words --------------------------------------------------------------

_PATTERNS = {
    Question.model_fields["id"].metadata[0].pattern: "a question id starts with a letter and has only "
    "letters, digits and _ (at most 40)",
    Option.model_fields["id"]
    .metadata[0]
    .pattern: "an option id has only letters, digits, _ and - (at most 40)",
}
_NOUNS = {"kind": "kind", "type": "case type", "stage": "stage", "stages": "stage", "case_type": "case type"}


def explain_error(error: Mapping[str, Any], data: Any, model: type[BaseModel]) -> tuple[Path, str]:
    """One pydantic error as (path in the data, plain message)."""
    kind: str = error["type"]
    path = _data_path(tuple(error["loc"]), data, final_is_field=kind == "missing")
    value = error.get("input")
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    field = next((part for part in reversed(path) if isinstance(part, str)), "")
    if kind == "missing":
        return path, "required, but missing"
    if kind == "extra_forbidden":
        return path, _unknown_field(path, model)
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if tuple(error["loc"][-1:]) == ("[key]",) and len(path) >= 2:  # a mapping key, e.g. stages.erly
            field = str(path[-2])
        noun = _NOUNS.get(field, "value")
        return path, f"unknown {noun} {_show(value)} (expected one of {', '.join(expected)})"
    if kind in ("value_error", "assertion_error"):
        return path, re.sub(r"^(Value|Assertion) error, ", "", str(error["msg"]))
    if kind == "string_pattern_mismatch":
        return path, f"{_show(value)} is not allowed: " + _PATTERNS.get(
            ctx.get("pattern"), f"must match {ctx}"
        )
    if kind == "string_type":
        if isinstance(value, bool):
            return path, (
                "expected a text, got true/false: YAML reads yes, no, on and off as true and "
                'false, so put it in quotes ("yes")'
            )
        return path, f"expected a text, got {_type_name(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return path, f"expected true or false, got {_show(value)}"
    if kind.startswith(("int_", "float_")):
        return path, f"expected a number, got {_show(value)}"
    if kind in ("tuple_type", "list_type"):
        return path, f"expected a list, got {_type_name(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return path, f"expected a mapping (key: value), got {_type_name(value)}"
    if kind.startswith(("datetime", "date_")):
        return path, f"{_show(value)} is not a date and time; write it like 2024-03-15T17:00:00+01:00"
    return path, str(error["msg"]).splitlines()[0]


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {_number(value)}"
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def _data_path(loc: tuple[Any, ...], data: Any, *, final_is_field: bool) -> Path:
    """pydantic's `loc` as a path into the data, without union and function tags ("bool", "[key]")."""
    path: list[str | int] = []
    current = data
    for position, part in enumerate(loc):
        in_mapping = isinstance(current, dict) and part in current
        in_list = isinstance(current, list | tuple) and isinstance(part, int) and 0 <= part < len(current)
        if in_mapping or in_list:
            path.append(part)
            current = current[part]
        elif final_is_field and position == len(loc) - 1 and isinstance(part, str):
            path.append(part)
    return tuple(path)


def _unknown_field(path: Path, root: type[BaseModel]) -> str:
    name = str(path[-1]) if path else ""
    model = _model_at(root, path[:-1])
    if model is LocalText:
        return f'unknown language "{name}" (a text has sv and/or en)'
    if model is None:
        return f'unknown field "{name}"'
    fields = list(model.model_fields)
    return f'unknown field "{name}"{_did_you_mean(name, fields)} (expected {", ".join(fields)})'


def _misspelling(path: Path, root: type[BaseModel]) -> str | None:
    """The field an unknown key at `path` was probably meant to be."""
    model = _model_at(root, path[:-1]) if path else None
    if model is None or model is LocalText:
        return None
    close = difflib.get_close_matches(str(path[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return close[0] if close else None


def _model_at(root: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The model whose fields are the keys at `path`, following field annotations from `root`."""
    current: type[BaseModel] | None = root
    for part in path:
        if current is None:
            return None
        if isinstance(part, str) and part in current.model_fields:
            found = list(_models_in(current.model_fields[part].annotation))
            current = found[0] if len(found) == 1 else None
        # an index or a dict key keeps the element model found for the container
    return current


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin is None:
        return
    arguments = typing.get_args(annotation)
    if origin is dict:
        arguments = arguments[1:]
    if origin in (Union, types.UnionType, tuple, list, dict, typing.Annotated):
        for argument in arguments:
            if argument is not Ellipsis:
                yield from _models_in(argument)


def load_questionnaire(text: str, *, source: str = "<yaml>") -> Questionnaire:
    """A bare questionnaire from YAML (title, intro, questions, closes); mainly for tests and previews."""
    return validate_yaml(text, Questionnaire, source=source)

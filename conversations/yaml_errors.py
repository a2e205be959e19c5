"""YAML with line numbers, and validation errors in plain words on the line they are about.

`validate_yaml` parses a document keeping the line of every key and list item (and refusing duplicate
keys, which YAML would silently collapse), validates it as a model, and turns each pydantic error and
each issue of a `CheckedModel` into a `Problem` that names the line and field.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, Union

import yaml
from pydantic import BaseModel, ValidationError

from conversations.problems import (
    COLLECT_ISSUES,
    CheckedModel,
    Path,
    Problem,
    QuestionnaireError,
    did_you_mean,
    format_path,
    show_number,
    show_value,
)
from conversations.question import LocalText, Option, Question

# Limits on a YAML file, far above any real consultation or questionnaire, that keep a wrong or hostile
# file from exhausting memory or the stack: an alias (*name) can repeat a large part of a document any
# number of times ("billion laughs"), so aliases are refused; nesting would overflow the parser's stack.
MAX_YAML_CHARS = 250_000  # a consultation of 100 questions is some 20 000
MAX_DEPTH = 30
MAX_SCALAR_CHARS = 20_000
MAX_ITEMS = 2_000
_UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class _Refused(Exception):
    """A file past one of the limits: the line and what is wrong."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings: dates and times are parsed (and explained) by the
    models, so a bad date is reported with its line like any other mistake. It refuses aliases and
    nesting deeper than MAX_DEPTH while composing, before anything is expanded."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _Refused(mark.line + 1, "aliases (*name) are not allowed here; write the value out")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refused(mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


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
    """Parse one YAML document, refusing syntax errors with their line, and files past the limits."""
    try:
        _check_text(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            lines: dict[Path, int] = {}
            duplicates: list[Problem] = []
            if node is not None:
                lines[()] = node.start_mark.line + 1
                _walk(node, (), lines, duplicates, set())
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Refused as refused:
        raise QuestionnaireError([Problem(refused.line, "", refused.message)], source=source) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = f"{error.problem} ({error.context})" if error.context else str(error.problem)
        problem = Problem(mark.line + 1 if mark else None, "", f"not valid YAML: {_one_line(what)}")
        raise QuestionnaireError([problem], source=source) from None
    except (yaml.YAMLError, ValueError, RecursionError) as error:  # a YAML error without a place
        problem = Problem(None, "", f"not valid YAML: {_one_line(str(error))}")
        raise QuestionnaireError([problem], source=source) from None
    if node is None:
        raise QuestionnaireError([Problem(1, "", "the file is empty")], source=source)
    return YamlDocument(data, lines, tuple(duplicates))


def _check_text(text: str) -> None:
    if len(text) > MAX_YAML_CHARS:
        raise _Refused(None, f"the file is larger than {MAX_YAML_CHARS // 1000} kB")
    found = _UNREADABLE.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        raise _Refused(line, f"the file holds a control character (U+{ord(found.group()):04X}); "
                             "save it as plain UTF-8 text")


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def _walk(
    node: yaml.Node, path: Path, lines: dict[Path, int], duplicates: list[Problem], seen: set[int]
) -> None:
    if id(node) in seen:  # an alias of a node already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_SCALAR_CHARS:
        raise _Refused(node.start_mark.line + 1, f"{format_path(path) or 'a value'}: longer than "
                       f"{MAX_SCALAR_CHARS:,} characters".replace(",", " "))
    if isinstance(node, yaml.SequenceNode | yaml.MappingNode) and len(node.value) > MAX_ITEMS:
        raise _Refused(node.start_mark.line + 1, f"{format_path(path) or 'the file'}: more than "
                       f"{MAX_ITEMS:,} entries".replace(",", " "))
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
        return path, f"unknown {noun} {show_value(value)} (expected one of {', '.join(expected)})"
    if kind in ("value_error", "assertion_error"):
        return path, re.sub(r"^(Value|Assertion) error, ", "", str(error["msg"]))
    if kind == "string_pattern_mismatch":
        return path, f"{show_value(value)} is not allowed: " + _PATTERNS.get(
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
        return path, f"expected true or false, got {show_value(value)}"
    if kind.startswith(("int_", "float_")):
        return path, f"expected a number, got {show_value(value)}"
    if kind in ("tuple_type", "list_type"):
        return path, f"expected a list, got {_type_name(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return path, f"expected a mapping (key: value), got {_type_name(value)}"
    if kind.startswith(("datetime", "date_")):
        return path, f"{show_value(value)} is not a date and time; write it like 2024-03-15T17:00:00+01:00"
    return path, str(error["msg"]).splitlines()[0]


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {show_number(value)}"
    if isinstance(value, str):
        return f"the text {show_value(value)}"
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
    return f'unknown field "{name}"{did_you_mean(name, fields)} (expected {", ".join(fields)})'


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

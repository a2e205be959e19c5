"""What is wrong with a questionnaire or consultation file, and where.

Models check across their fields in `CheckedModel.issues`, as (path, message) pairs; a loader turns
them into `Problem`s with line numbers (conversations.yaml_errors) and raises one
`QuestionnaireError` listing them all. The wording helpers keep every message in the same style.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

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


class FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckedModel(FrozenModel):
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


def prefixed(prefix: Path, issues: Sequence[Issue]) -> list[Issue]:
    """`issues` of a part of a model, with paths relative to the whole."""
    return [(prefix + path, message) for path, message in issues]


def format_path(path: Path) -> str:
    """`("consultation", "questions", 2, "kind")` -> `consultation.questions[2].kind`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- wording -------------------------------------------------------------------------------------


def show_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def show_value(value: object) -> str:
    """A value as the file's author wrote it in YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        flat = " ".join(value.split())  # an error message is one line, of a readable length
        return f'"{flat}"' if len(flat) <= 60 else f'"{flat[:59]}…"'
    if isinstance(value, float):
        return show_number(value)
    return str(value)


def did_you_mean(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""

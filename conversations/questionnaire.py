"""The questionnaire model, and the one place to import the questionnaire vocabulary from.

The YAML format is described in the README ("Consultation YAML"). `conversations.consultation_file.load_consultation_file`
turns a file into a `ConsultationFile`, refusing a bad file with a `QuestionnaireError` that names the
line and field. What every YAML-backed model shares lives in smaller modules, re-exported here so that
callers need not know the split:

- conversations.problems — `Problem`, `QuestionnaireError`, issue paths, `CheckedModel`;
- conversations.question — the question model and the rules one question follows on its own;
- conversations.question_checks — checks across questions: distinct ids, `when` conditions;
- conversations.yaml_errors — YAML with line numbers, pydantic errors in plain words.
"""

from __future__ import annotations

import datetime as dt

from conversations.problems import (
    COLLECT_ISSUES,
    CheckedModel,
    Issue,
    Path,
    Problem,
    QuestionnaireError,
    format_path,
    prefixed,
)
from conversations.question import (
    DEFAULT_SCALE,
    DEFAULT_TEXT_LIMIT,
    KINDS_WITH_BOUNDS,
    KINDS_WITH_OPTIONS,
    MAX_SCALE_STEPS,
    MAX_TEXT_LIMIT,
    QUESTION_KINDS,
    ConditionValue,
    LocalText,
    Option,
    Question,
    QuestionKind,
    Range,
)
from conversations.question_checks import check_questions, condition_problems
from conversations.yaml_errors import YamlDocument, explain_error, parse_yaml, validate_data, validate_yaml

__all__ = [
    "COLLECT_ISSUES",
    "DEFAULT_SCALE",
    "DEFAULT_TEXT_LIMIT",
    "KINDS_WITH_BOUNDS",
    "KINDS_WITH_OPTIONS",
    "MAX_SCALE_STEPS",
    "MAX_TEXT_LIMIT",
    "QUESTION_KINDS",
    "CheckedModel",
    "ConditionValue",
    "Issue",
    "LocalText",
    "Option",
    "Path",
    "Problem",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "QuestionnaireError",
    "Range",
    "YamlDocument",
    "check_questions",
    "condition_problems",
    "explain_error",
    "format_path",
    "load_questionnaire",
    "parse_yaml",
    "prefixed",
    "validate_data",
    "validate_yaml",
]


class Questionnaire(CheckedModel):
    """What the engine runs: the texts shown around the questions and the questions themselves.

    It round-trips through JSON for storage: `Questionnaire.model_validate(q.model_dump(mode="json"))`.
    """

    title: LocalText
    intro: LocalText | None = None
    questions: tuple[Question, ...]
    closes: dt.datetime | None = None
    # No identity is kept with a sent response (README, "Data protection"): the notice says so.
    anonymous: bool = False

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


def load_questionnaire(text: str, *, source: str = "<yaml>") -> Questionnaire:
    """A bare questionnaire from YAML (title, intro, questions, closes); mainly for tests and previews."""
    return validate_yaml(text, Questionnaire, source=source)

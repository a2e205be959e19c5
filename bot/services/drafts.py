"""Editing a draft consultation's texts (title, introduction, questions, options) in both languages.

Only the words change here; ids, kinds, conditions and the audience stay as the file had them (upload a
new file for those). The edited consultation is checked by the same loader as a file, so the official
gets the same messages, each naming the field it is about.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.services.audit import record
from bot.services.consultations import ConsultationError, get_consultation
from conversations.consultation_file import ConsultationFile
from conversations.yaml_errors import validate_data

LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class TextField:
    """One text of the consultation, as the loader names its place (`path`), with both languages."""

    path: str  # e.g. "consultation.questions[2].options[0].text"
    what: str  # "title" | "intro" | "question" | "help" | "option"
    question_id: str | None
    option_id: str | None
    sv: str
    en: str
    # An option's place in its question's list, from 1 (as the answer page numbers it); None otherwise.
    option_number: int | None = None


def _texts(value: Any) -> tuple[str, str]:
    if isinstance(value, dict):
        return str(value.get("sv") or ""), str(value.get("en") or "")
    text = "" if value is None else str(value)
    return text, text


def text_fields(spec: Mapping[str, Any]) -> list[TextField]:
    """Every editable text of a consultation's spec (as stored: the loaded file, dumped to JSON)."""
    consultation = spec["consultation"]
    fields = [
        TextField("consultation.title", "title", None, None, *_texts(consultation.get("title"))),
        TextField("consultation.intro", "intro", None, None, *_texts(consultation.get("intro"))),
    ]
    for i, question in enumerate(consultation.get("questions", [])):
        base = f"consultation.questions[{i}]"
        fields.append(TextField(f"{base}.text", "question", question["id"], None, *_texts(question.get("text"))))
        for j, option in enumerate(question.get("options") or []):
            fields.append(
                TextField(f"{base}.options[{j}].text", "option", question["id"], option["id"], *_texts(option.get("text")),
                          option_number=j + 1)
            )
    return fields


def _set(spec: dict[str, Any], path: str, value: dict[str, str] | None) -> None:
    """Set the text at a loader path such as consultation.questions[2].options[0].text."""
    target: Any = spec
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    target[parts[-1]] = value


def with_texts(spec: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """A copy of `spec` with the texts in `values` (keys: a field's path + ".sv" or ".en")."""
    edited = copy.deepcopy(dict(spec))
    for field in text_fields(spec):
        sv = values.get(f"{field.path}.sv", field.sv).strip()
        en = values.get(f"{field.path}.en", field.en).strip()
        if field.what == "intro" and not sv and not en:
            _set(edited, field.path, None)  # the introduction may be left out
        else:
            _set(edited, field.path, {"sv": sv, "en": en} if sv or en else {"sv": "", "en": ""})
    return edited


def check(spec: Mapping[str, Any]) -> ConsultationFile:
    """The spec as a consultation file, or a `QuestionnaireError` naming each field at fault."""
    return validate_data(spec, ConsultationFile, source="<form>")


def save_texts(session: Session, consultation_id: int, file: ConsultationFile, *, now: dt.datetime, actor: str) -> None:
    """Store a draft's edited consultation. Once opened, the questions are frozen: refused."""
    consultation = get_consultation(session, consultation_id)
    if consultation.status != "draft":
        raise ConsultationError(f"consultation {consultation_id} is {consultation.status}; only a draft can be edited")
    consultation.spec = file.model_dump(mode="json")
    consultation.title = file.consultation.title.get("sv")
    record(session, actor=actor, action="consultation.edit", target=f"consultation:{consultation_id}", detail={}, now=now)

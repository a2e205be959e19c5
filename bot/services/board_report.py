"""The report to the committee (kommunstyrelsen or a nämnd) on one consultation: the case, the stage and
the participation level, the purpose, who was asked and how they were reached, how many answered, each
question's figures, the themes with quotes and the municipality's answer ("ni sa, vi gjorde").

It names no respondent: it is built from the results' counts, and every quote has the names of the
invited contacts and businesses replaced. Themes and the municipality's answer come from elsewhere and
are shown when given (bot/web/admin/report_render.py draws it as HTML and PDF)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from bot.services.answer_filter import AnswerFilter
from bot.services.results import Results, ThemeRow, consultation_results
from conversations import dialogue_model
from conversations.messages import Language
from conversations.org_numbers import is_erased_org_number, is_personal_identity_number
from conversations.question import LocalText

NAME_PLACEHOLDER: dict[Language, str] = {"sv": "[namn]", "en": "[name]"}
# In the audience a board reads: a sole trader's number is the owner's personal identity number, and an
# erased one's placeholder means nothing to a reader (conversations/org_numbers.py).
SOLE_TRADER: dict[Language, str] = {"sv": "(enskild firma)", "en": "(sole trader)"}
ERASED_BUSINESS: dict[Language, str] = {"sv": "(raderad)", "en": "(erased)"}
MIN_NAME_CHARS = 3  # shorter "names" (initials, "AB") would blank out ordinary words


@dataclass(frozen=True)
class BoardReport:
    results: Results
    title: str
    case_type: str
    stage: str
    level: str
    promise: str
    purpose: str
    audience: list[tuple[str, list[str]]]  # (criterion key, values): areas, industries, tags, org_numbers
    audience_all: bool
    themes: list[ThemeRow]
    response: str  # the municipality's answer; "" when there is none yet
    generated_at: dt.datetime
    language: Language


def build_report(
    session: Session,
    consultation_id: int,
    *,
    now: dt.datetime,
    language: Language = "sv",
    timezone: str = "Europe/Stockholm",
    wanted: AnswerFilter | None = None,
    themes: Sequence[ThemeRow] = (),
    response: str = "",
) -> BoardReport:
    results = consultation_results(session, consultation_id, wanted, language=language, timezone=timezone)
    consultation, case = results.consultation, results.case
    spec = consultation.snapshot or consultation.spec.get("consultation", {})
    title = LocalText.model_validate(spec["title"]).get(language) if spec.get("title") else consultation.title
    intro = LocalText.model_validate(spec["intro"]).get(language) if spec.get("intro") else ""
    level = dialogue_model.participation_level(case.type, case.stage)
    # A person's name in parts ("Anna" of "Anna Ek"); a business's only whole, since its parts are often
    # ordinary words or the area's name ("Mörby Bageri AB").
    names = {part for row in results.rows for part in [row.contact_name, *row.contact_name.split()]}
    names |= {row.business_name for row in results.rows}
    placeholder = NAME_PLACEHOLDER[language]
    audience = consultation.audience or {}
    return BoardReport(
        results=results,
        title=title,
        case_type=dialogue_model.CASE_TYPES[case.type].get(language) if case.type in dialogue_model.CASE_TYPES else case.type,
        stage=dialogue_model.STAGES[case.stage].get(language) if case.stage in dialogue_model.STAGES else case.stage,
        level=dialogue_model.PARTICIPATION_LEVELS[level].get(language),
        promise=dialogue_model.PARTICIPATION_PROMISES[level].get(language),
        purpose=intro,
        audience=[(key, [_shown(key, str(v), language) for v in audience[key]])
                  for key in ("areas", "industries", "tags", "org_numbers") if audience.get(key)],
        audience_all=bool(audience.get("all")),
        themes=[
            ThemeRow(redact(t.theme, names, placeholder), t.answers,
                     tuple(redact(q, names, placeholder) for q in t.quotes))
            for t in themes
        ],
        response=redact(response.strip(), names, placeholder),
        generated_at=now,
        language=language,
    )


def redact(text: str, names: Iterable[str], placeholder: str) -> str:
    """`text` with each of `names` replaced, whole words only and in any case."""
    words = {name.strip() for name in names if len(name.strip()) >= MIN_NAME_CHARS}
    if not words:
        return text
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)",
        re.IGNORECASE,
    )
    return pattern.sub(placeholder, text)


def _shown(key: str, value: str, language: Language) -> str:
    """An audience criterion's value as the report shows it: an organisation number only when it is a
    legal person's."""
    if key != "org_numbers":
        return value
    if is_erased_org_number(value):
        return ERASED_BUSINESS[language]
    return SOLE_TRADER[language] if is_personal_identity_number(value) else value

"""The consultation file (README, "Consultation YAML"): a case, and the consultation about it.

    case: {reference, title, type, stage}
    consultation: {title, intro, opens, closes, audience, reminders, anonymous, questions}

`load_consultation_file(text)` / `load_consultation_path(path)` return a `ConsultationFile` or raise a
`QuestionnaireError` with one line per problem: ``line 14, consultation.questions[2].kind: …``.

Decisions:
- `closes` is required: a consultation without an end never reports back. `opens` is optional (open
  now). Both need an explicit UTC offset (`2024-03-15T17:00:00+01:00` or `…Z`): a naive time would be
  read differently by a server in another zone, so it is refused with a message asking for the offset.
- `reminders` are ISO 8601 durations counted from each contact's invitation, in increasing order,
  using weeks, days, hours and minutes (`P1W`, `P3D`, `PT12H`, `P1DT2H`). Years and months are refused:
  they have no fixed length. `remind_before_close` (optional) adds one more, that long before closing.
- The audience is `{all: true}` or at least one of areas, industries (SNI code prefixes, digits only,
  quoted in YAML so that leading zeros survive), tags and organisation numbers (NNNNNN-NNNN, Luhn-checked;
  written without the hyphen they are normalised). An empty audience is an error, and so is `all: true`
  together with filters.
- `case.title`, like every text, is a string or `{sv: …, en: …}`.
- `anonymous` is true or false (default false), nothing else: "yes" in quotes or 1 is refused rather than
  guessed, since it decides whether a person's identity is kept with their answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path as FilePath
from typing import Annotated, Any

import yaml
from pydantic import BeforeValidator, Field, PlainSerializer, StrictBool

from conversations.dialogue_model import (
    CASE_TYPES,
    PARTICIPATION_LEVELS,
    STAGES,
    CaseType,
    ParticipationLevel,
    Stage,
    participation_level,
    template,
)
from conversations.org_numbers import is_erased_org_number, luhn_check_digit
from conversations.questionnaire import (
    DEFAULT_TEXT_LIMIT,
    CheckedModel,
    Issue,
    LocalText,
    Problem,
    Question,
    Questionnaire,
    QuestionnaireError,
    check_questions,
    prefixed,
    validate_data,
    validate_yaml,
)

DEFAULT_REMINDERS: tuple[dt.timedelta, ...] = (dt.timedelta(days=3),)
# A consultation is asked early and answered on a phone: short. These are far above what one needs and
# keep a mistaken file (a pasted document, a generated list) from reaching the people it is sent to.
MAX_QUESTIONS = 100
MAX_INTRO_CHARS = 10_000
MAX_TITLE_CHARS = 300

# --- ISO 8601 durations --------------------------------------------------------------------------

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def parse_duration(text: str) -> dt.timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds: P3D, PT12H, P1DT2H, P1W."""
    value = text.strip().upper()
    match = _DURATION.fullmatch(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        if re.fullmatch(r"P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T.*)?", value) and re.match(
            r"P(\d+Y|(\d+Y)?\d+M)", value
        ):
            raise ValueError(f'"{text}": years and months have no fixed length; use days, e.g. P30D')
        raise ValueError(f'"{text}" is not a duration; write e.g. P3D (3 days), PT12H (12 hours) or P1DT2H')
    parts = {name: int(number) for name, number in match.groupdict(default="0").items()}
    return dt.timedelta(**parts)


def format_duration(duration: dt.timedelta) -> str:
    """The ISO 8601 form `parse_duration` reads: 3 days -> "P3D", 26 hours -> "P1DT2H"."""
    seconds = int(duration.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return text if text != "P" else "PT0S"


def _duration(value: Any) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as P3D or PT12H, got {value!r}")
    return parse_duration(value)


Duration = Annotated[
    dt.timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, when_used="json")
]


# --- small value types ---------------------------------------------------------------------------


def _aware_datetime(value: Any) -> dt.datetime:
    example = "2024-03-15T17:00:00+01:00"
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(f'"{value}" is a date without a time; write e.g. {text}T17:00:00+01:00')
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f'"{value}" is not a date and time; write it like {example}') from None
    else:
        raise ValueError(f"expected a date and time like {example}, got {value!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f'"{value}" has no UTC offset; add one, e.g. +01:00 (winter) or +02:00 (summer) '
            f"in Sweden: {example}"
        )
    return moment


AwareDateTime = Annotated[dt.datetime, BeforeValidator(_aware_datetime)]


def _sni_prefix(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'write SNI codes in quotes, e.g. "{value}": YAML drops the leading zeros of bare '
            "numbers (01 becomes 1)"
        )
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,5}", value.strip()):
        raise ValueError(
            f'{value!r} is not an SNI code or prefix: 1–5 digits, e.g. "47" or "56100" (without a dot)'
        )
    return value.strip()


def _org_number(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if is_erased_org_number(text):
        # An erased sole trader's business, named in a saved audience in place of the owner's number
        # (bot/services/contacts.py): the audience still names that business, and the file still loads.
        return text
    match = re.fullmatch(r"(\d{6})-?(\d{4})", text)
    if match is None:
        raise ValueError(f"{value!r} is not an organisation number: write NNNNNN-NNNN")
    digits = match[1] + match[2]
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise ValueError(
            f'organisation number "{match[1]}-{match[2]}" fails its check digit; check for a typo'
        )
    return f"{match[1]}-{match[2]}"


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty text, got {value!r}")
    return value.strip()


SniPrefix = Annotated[str, BeforeValidator(_sni_prefix)]
OrgNumber = Annotated[str, BeforeValidator(_org_number)]
Name = Annotated[str, BeforeValidator(_name)]


# --- the file ------------------------------------------------------------------------------------


class CaseSpec(CheckedModel):
    """The case (ärende) a consultation is about."""

    reference: Name = Field(max_length=60)  # diarienummer, e.g. "KS 2024/0042"; unique
    title: LocalText
    type: CaseType
    stage: Stage


class AudienceSpec(CheckedModel):
    """Who is invited: every business (`all`), or those matching any of the filters."""

    all: bool = False
    areas: tuple[Name, ...] = ()
    industries: tuple[SniPrefix, ...] = ()  # SNI code prefixes: "47" matches 47111
    tags: tuple[Name, ...] = ()
    org_numbers: tuple[OrgNumber, ...] = ()

    @property
    def filtered(self) -> bool:
        return bool(self.areas or self.industries or self.tags or self.org_numbers)

    def issues(self) -> list[Issue]:
        if self.all and self.filtered:
            return [
                (
                    ("all",),
                    "all: true invites every business; remove the areas, industries, tags and "
                    "org_numbers, or set all: false",
                )
            ]
        if not self.all and not self.filtered:
            return [
                ((), "the audience is empty: set all: true, or name areas, industries, tags or org_numbers")
            ]
        return []


class ConsultationSpec(CheckedModel):
    """The consultation (samråd): its texts, times, audience, reminders and questions."""

    title: LocalText
    intro: LocalText | None = None
    opens: AwareDateTime | None = None
    closes: AwareDateTime
    audience: AudienceSpec
    reminders: tuple[Duration, ...] = ()
    remind_before_close: Duration | None = None  # one more reminder this long before closing
    # True: a sent response keeps no identity, only the business's area and industry (README, "Data protection").
    anonymous: StrictBool = False
    questions: tuple[Question, ...]

    def issues(self) -> list[Issue]:
        if len(self.questions) > MAX_QUESTIONS:
            return [(("questions",), f"{len(self.questions)} questions; at most {MAX_QUESTIONS}")]
        issues = _too_long(("title",), self.title, MAX_TITLE_CHARS)
        issues += _too_long(("intro",), self.intro, MAX_INTRO_CHARS)
        issues += prefixed(("audience",), self.audience.issues())
        issues += prefixed(("questions",), check_questions(self.questions))
        if self.opens is not None and self.opens >= self.closes:
            issues.append(
                (
                    ("opens",),
                    f"opens ({self.opens.isoformat()}) must be before closes ({self.closes.isoformat()})",
                )
            )
        previous: dt.timedelta | None = None
        for index, reminder in enumerate(self.reminders):
            shown = format_duration(reminder)
            if reminder <= dt.timedelta(0):
                issues.append((("reminders", index), f"{shown}: a reminder must come after the invitation"))
            elif previous is not None and reminder <= previous:
                issues.append(
                    (
                        ("reminders", index),
                        f"{shown} does not come after {format_duration(previous)}; "
                        "list reminders in increasing order, without repeats",
                    )
                )
            elif self.opens is not None and self.opens < self.closes <= self.opens + reminder:
                issues.append((("reminders", index), f"{shown} after opening is already past closing time"))
            previous = reminder
        before = self.remind_before_close
        if before is not None and before <= dt.timedelta(0):
            issues.append((("remind_before_close",), f"{format_duration(before)}: must be a time before closing"))
        elif before is not None and self.opens is not None and self.closes - before <= self.opens:
            issues.append(
                (("remind_before_close",), f"{format_duration(before)} before closing is before opening")
            )
        return issues


def _too_long(path: tuple[str, ...], text: LocalText | None, limit: int) -> list[Issue]:
    longest = max((len(t) for t in (text.sv, text.en) if t), default=0) if text else 0
    return [(path, f"{longest} characters; at most {limit}")] if longest > limit else []


class ConsultationFile(CheckedModel):
    """A whole consultation file: the case and the consultation."""

    case: CaseSpec
    consultation: ConsultationSpec

    def issues(self) -> list[Issue]:
        case = self.case.issues() + _too_long(("title",), self.case.title, MAX_TITLE_CHARS)
        consultation = self.consultation.issues()
        return prefixed(("case",), case) + prefixed(("consultation",), consultation)

    @property
    def participation_level(self) -> ParticipationLevel:
        return participation_level(self.case.type, self.case.stage)

    def questionnaire(self) -> Questionnaire:
        """What the engine runs for this consultation."""
        spec = self.consultation
        return Questionnaire(
            title=spec.title, intro=spec.intro, questions=spec.questions, closes=spec.closes, anonymous=spec.anonymous
        )

    @classmethod
    def from_template(
        cls,
        case_type: str,
        stage: str,
        *,
        reference: str,
        case_title: str | LocalText,
        closes: dt.datetime,
        audience: AudienceSpec | Mapping[str, Any],
        reminders: Sequence[dt.timedelta] | None = None,
        title: str | LocalText | None = None,
        intro: str | LocalText | None = None,
        opens: dt.datetime | None = None,
    ) -> ConsultationFile:
        """A consultation built from the dialogue model's template for `case_type` at `stage`.

        Title and intro default to the template's; reminders to `DEFAULT_REMINDERS` (one, after three
        days). Raises `QuestionnaireError` (without line numbers) when an argument is not acceptable.
        """
        try:
            chosen = template(case_type, stage)
        except ValueError as error:
            raise QuestionnaireError([_problem(str(error))], source="<template>") from None
        data = {
            "case": {
                "reference": reference,
                "title": _plain(case_title),
                "type": chosen.case_type,
                "stage": chosen.stage,
            },
            "consultation": {
                "title": _plain(title if title is not None else chosen.title),
                "intro": _plain(intro if intro is not None else chosen.intro),
                "opens": opens,
                "closes": closes,
                "audience": audience if isinstance(audience, AudienceSpec) else dict(audience),
                "reminders": list(DEFAULT_REMINDERS if reminders is None else reminders),
                "questions": list(chosen.questions),
            },
        }
        return validate_data(data, cls, source="<template>")

    def to_yaml(self) -> str:
        """This file as consultation YAML an official can edit; loading it gives an equal file."""
        case, spec = self.case, self.consultation
        level = self.participation_level
        consultation: dict[str, Any] = {"title": _text_value(spec.title)}
        if spec.intro is not None:
            consultation["intro"] = _text_value(spec.intro)
        if spec.opens is not None:
            consultation["opens"] = spec.opens.isoformat()
        consultation["closes"] = spec.closes.isoformat()
        consultation["audience"] = _audience_value(spec.audience)
        consultation["reminders"] = [format_duration(r) for r in spec.reminders]
        if spec.remind_before_close is not None:
            consultation["remind_before_close"] = format_duration(spec.remind_before_close)
        if spec.anonymous:
            consultation["anonymous"] = True
        consultation["questions"] = [question_value(q) for q in spec.questions]
        document = {
            "case": {
                "reference": case.reference,
                "title": _text_value(case.title),
                "type": case.type,
                "stage": case.stage,
            },
            "consultation": consultation,
        }
        kind, when, ladder = CASE_TYPES[case.type], STAGES[case.stage], PARTICIPATION_LEVELS[level]
        header = (
            f"# Samråd: {kind.get('sv')}, {when.get('sv').lower()} "
            f"– delaktighetsnivå {ladder.get('sv').lower()}.\n"
            f"# Consultation: {kind.get('en').lower()}, {when.get('en').lower()} "
            f"– participation level {ladder.get('en').lower()}.\n"
            "# Kontrollera closes och audience, redigera texter och frågor och läs sedan in filen.\n"
            "# Check closes and audience, edit the texts and questions, then load the file:\n"
            "#   samrad consultation create FILE.yaml\n"
            '# Text: "…" eller/or {sv: …, en: …}. Frågetyper/kinds: yesno, choice, multi, scale, number, '
            "date, text.\n"
        )
        body = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        return header + body


def question_value(question: Question) -> dict[str, Any]:
    """A question as plain YAML data, leaving out what is at its default."""
    value: dict[str, Any] = {"id": question.id, "kind": question.kind, "text": _text_value(question.text)}
    if question.help is not None:
        value["help"] = _text_value(question.help)
    if not question.required:
        value["required"] = False
    if question.options:
        value["options"] = [{"id": o.id, "text": _text_value(o.text)} for o in question.options]
    for name in ("min", "max"):
        bound = getattr(question, name)
        if bound is not None:
            value[name] = _plain_number(bound)
    if question.integer:
        value["integer"] = True
    if question.max_length != DEFAULT_TEXT_LIMIT:
        value["max_length"] = question.max_length
    if question.when is not None:
        value["when"] = {
            name: (
                {k: _plain_number(v) for k, v in condition.model_dump(exclude_none=True).items()}
                if not isinstance(condition, bool | int | float | str | list)
                else condition
            )
            for name, condition in question.when.items()
        }
    return value


def _audience_value(audience: AudienceSpec) -> dict[str, Any]:
    if audience.all:
        return {"all": True}
    return {
        name: list(getattr(audience, name))
        for name in ("areas", "industries", "tags", "org_numbers")
        if getattr(audience, name)
    }


def _text_value(text: LocalText) -> str | dict[str, str]:
    if text.sv is not None and text.sv == text.en:
        return text.sv
    return {language: value for language, value in (("sv", text.sv), ("en", text.en)) if value is not None}


def _plain(text: str | LocalText) -> Any:
    return text.model_dump(exclude_none=True) if isinstance(text, LocalText) else text


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _problem(message: str) -> Problem:
    return Problem(None, "", message)


class _Dumper(yaml.SafeDumper):
    """Block style, with list items indented under their key; multi-line texts as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


# --- loading -------------------------------------------------------------------------------------


def load_consultation_file(text: str, *, source: str = "<yaml>") -> ConsultationFile:
    """A consultation file from YAML text, or a `QuestionnaireError` naming each problem's line."""
    return validate_yaml(text, ConsultationFile, source=source, what="a consultation file")


def load_consultation_path(path: str | FilePath) -> ConsultationFile:
    """A consultation file from disk (UTF-8); the file name is the `source` in error messages."""
    file = FilePath(path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise QuestionnaireError([_problem("the file is not UTF-8 text")], source=str(file)) from None
    except OSError as error:
        raise QuestionnaireError(
            [_problem(f"cannot read the file: {error.strerror}")], source=str(file)
        ) from None
    return load_consultation_file(text, source=str(file))

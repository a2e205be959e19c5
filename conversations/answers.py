"""Turning what people type into typed answers.

`parse_answer(question, text, today=...)` returns the answer in its stored form (see
`messages.AnswerValue`) or a `Refusal` naming the phrase that tells the person what is expected.
People type on phones: case, accents, stray punctuation and thousands spaces are forgiven.

Dates without a year mean the next time that day comes, counting today ("15/3" typed on 2025-03-16
is 2026-03-15): consultations ask about what is coming (works, deliveries, opening hours).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

from conversations.clean_text import clean_text
from conversations.messages import AnswerValue
from conversations.phrases import MONTHS
from conversations.questionnaire import Question

DEFAULT_SCALE = (1, 5)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Input that is not an answer: `key` is the phrase that explains what is expected."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


ParseResult = AnswerValue | Refusal

# --- normalising text ----------------------------------------------------------------------------

_EDGE_PUNCTUATION = " \t\r\n.!?,;:\"'”“’()[]"
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, without accents, single spaces, no punctuation at the ends: "  Kväll! " -> "kvall"."""
    if text.isascii():  # most input ("2", "ja", "1, 3"): nothing to decompose
        return _SPACES.sub(" ", text.lower()).strip(_EDGE_PUNCTUATION)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare).strip(_EDGE_PUNCTUATION)


def format_number(value: float) -> str:
    """A bound as people write it: 0.0 -> "0", 2.5 -> "2.5"."""
    return str(int(value)) if float(value).is_integer() else str(value)


# --- options (choice and multi) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _OptionTable:
    ids: tuple[str, ...]
    # (folded text, option id) for every option text in both languages and the id itself
    names: tuple[tuple[str, str], ...]


# Built once per question object (questionnaires are frozen and reused between steps); weak so an
# unloaded questionnaire does not stay in memory. Keyed on id() because the models are unhashable.
_TABLES: dict[int, tuple[weakref.ref[Question], _OptionTable]] = {}


def _table(question: Question) -> _OptionTable:
    key = id(question)
    entry = _TABLES.get(key)
    if entry is not None and entry[0]() is question:
        return entry[1]
    names: list[tuple[str, str]] = []
    for option in question.options:
        for text in {option.text.sv, option.text.en, option.id}:
            if text:
                names.append((fold(text), option.id))
    table = _OptionTable(tuple(o.id for o in question.options), tuple(names))
    weakref.finalize(question, _TABLES.pop, key, None)
    _TABLES[key] = (weakref.ref(question), table)
    return table


def _option(question: Question, text: str) -> str | Refusal:
    """One option by its 1-based number, its id, its text, or an unambiguous start of its text."""
    table = _table(question)
    wanted = fold(text)
    if wanted.isdigit():
        number = int(wanted)
        if 1 <= number <= len(table.ids):
            return table.ids[number - 1]
        return Refusal("hint_choice", {"count": len(table.ids)})
    if not wanted:
        return Refusal("hint_choice", {"count": len(table.ids)})
    exact = {option_id for name, option_id in table.names if name == wanted}
    if len(exact) == 1:
        return exact.pop()
    started = exact or {option_id for name, option_id in table.names if name.startswith(wanted)}
    if len(started) == 1:
        return started.pop()
    if started:
        labels = ", ".join(
            o.text.sv or o.text.en or o.id for o in question.options if o.id in started
        )
        return Refusal("refuse_ambiguous", {"text": text.strip(), "options": labels})
    return Refusal("refuse_unknown_option", {"text": text.strip(), "count": len(table.ids)})


_MULTI_SEPARATORS = re.compile(r"\s*(?:[,;&+/]|\boch\b|\band\b|\bsamt\b)\s*")


def _in_order(question: Question, chosen: Iterable[str]) -> list[str]:
    picked = set(chosen)
    return [option_id for option_id in _table(question).ids if option_id in picked]


def _multi(question: Question, text: str) -> ParseResult:
    whole = _option(question, text)
    # A whole text that names one option exactly ("Buller och damm") wins over splitting it.
    if isinstance(whole, str) and not fold(text).isdigit():
        return [whole]
    chosen: list[str] = []
    for piece in _MULTI_SEPARATORS.split(fold(text)):
        # "1 3" is two numbers; "1 och 3" was split above; "parkering" stays one piece.
        parts = piece.split() if piece.replace(" ", "").isdigit() else [piece]
        for part in parts:
            if not part:
                continue
            found = _option(question, part)
            if isinstance(found, Refusal):
                return found
            chosen.append(found)
    if not chosen:
        return Refusal("refuse_multi_empty")
    return _in_order(question, chosen)


def option_ids(question: Question, values: Iterable[str]) -> ParseResult:
    """Option ids posted by a button or a form (ChoiceIn), read with the same rules as typed text."""
    chosen: list[str] = []
    for value in values:
        found = value if value in _table(question).ids else _option(question, value)
        if isinstance(found, Refusal):
            return found
        chosen.append(found)
    if question.kind == "choice":
        return chosen[0] if len(chosen) == 1 else Refusal("hint_choice", {"count": len(question.options)})
    return _in_order(question, chosen) if chosen else Refusal("refuse_multi_empty")


# --- yes/no, scale, number -----------------------------------------------------------------------

YES_WORDS = frozenset({"ja", "j", "jo", "japp", "jepp", "absolut", "yes", "y", "yep", "yeah", "true", "1"})
NO_WORDS = frozenset({"nej", "n", "na", "nae", "nej tack", "no", "nope", "false", "2"})


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None for anything else. "1"/"2" follow the buttons' order."""
    word = fold(text)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def _scale_bounds(question: Question) -> tuple[int, int]:
    low = int(question.min) if question.min is not None else DEFAULT_SCALE[0]
    high = int(question.max) if question.max is not None else DEFAULT_SCALE[1]
    return low, high


_SCALE = re.compile(r"^(-?\d+)(?:\s*(?:/|av|of|out of)\s*(\d+))?$")


def _scale(question: Question, text: str) -> ParseResult:
    low, high = _scale_bounds(question)
    match = _SCALE.match(fold(text))
    refusal = Refusal("hint_scale", {"min": low, "max": high})
    if match is None:
        return refusal
    value = int(match.group(1))
    if match.group(2) is not None and int(match.group(2)) != high:
        return refusal
    return value if low <= value <= high else refusal


# Spaces people and phones put between thousands: normal, no-break, narrow no-break, thin.
_NUMBER_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\u2007'")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def number_refusal(question: Question) -> Refusal:
    """The hint of a number question: a number (a whole number when `integer`), within its bounds."""
    key = "hint_whole_number" if question.integer else "hint_number"
    if question.min is not None and question.max is not None:
        return Refusal(f"{key}_range", {"min": format_number(question.min), "max": format_number(question.max)})
    if question.min is not None:
        return Refusal(f"{key}_min", {"min": format_number(question.min)})
    if question.max is not None:
        return Refusal(f"{key}_max", {"max": format_number(question.max)})
    return Refusal(key)


def _number(question: Question, text: str) -> ParseResult:
    cleaned = text.strip().rstrip(".").translate(_NUMBER_SPACES).replace("\u2212", "-")
    # Say what was wrong with what was typed; the question's hint (shown with it) says what is wanted.
    not_a_number = Refusal("refuse_not_a_number", {"text": text.strip()}) if cleaned else number_refusal(question)
    if "," in cleaned:
        # A Swedish decimal comma ("3,5"); "1,200.5" mixes both conventions and is refused.
        if "." in cleaned or cleaned.count(",") > 1:
            return not_a_number
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.match(cleaned):
        return not_a_number
    value = float(cleaned)
    if question.integer and not value.is_integer():
        return Refusal("refuse_not_whole", {"text": text.strip()})
    if (question.min is not None and value < question.min) or (
        question.max is not None and value > question.max
    ):
        return number_refusal(question)
    return int(value) if value.is_integer() else value


# --- dates ---------------------------------------------------------------------------------------


def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for names in MONTHS.values():
        for number, name in enumerate(names, start=1):
            folded = fold(name)
            table[folded] = number
            table[folded[:3]] = number
    table["sept"] = 9
    return table


# Built on first use, not at import: tests/conversations/conftest.py empties it, so every test (and
# mutation testing, which forks after the modules are imported) runs the code that builds it.
_MONTHS: dict[str, int] = {}


def _month(name: str) -> int | None:
    """A month's number from its name or its first three letters, in Swedish or English."""
    if not _MONTHS:
        _MONTHS.update(_month_table())
    return _MONTHS.get(name)


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.\s]\s*(\d{4}))?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?::?e|:a|st|nd|rd|th)?\.?\s+([a-z]+)\.?(?:\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_RELATIVE = {"idag": 0, "i dag": 0, "today": 0, "imorgon": 1, "i morgon": 1, "tomorrow": 1}


def _next_occurrence(day: int, month: int, today: dt.date) -> dt.date | None:
    """The next `day`/`month` on or after today; Feb 29 looks ahead to the next leap year."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _date(text: str, today: dt.date) -> ParseResult:
    word = fold(text).removeprefix("den ").strip()
    if word in _RELATIVE:
        return (today + dt.timedelta(days=_RELATIVE[word])).isoformat()
    day = month = year = None
    if match := _ISO.match(word):
        year, month, day = (int(g) for g in match.groups())
    elif match := _NUMERIC.match(word):
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.group(3) else None
    elif (match := _DAY_MONTH.match(word)) and (month := _month(match.group(2))) is not None:
        day = int(match.group(1))
        year = int(match.group(3)) if match.group(3) else None
    elif (match := _MONTH_DAY.match(word)) and (month := _month(match.group(1))) is not None:
        day = int(match.group(2))
        year = int(match.group(3)) if match.group(3) else None
    else:
        return Refusal("hint_date")
    try:
        found = dt.date(year, month, day) if year is not None else _next_occurrence(day, month, today)
    except ValueError:
        found = None
    return found.isoformat() if found is not None else Refusal("refuse_date_invalid")


# --- text and the entry point --------------------------------------------------------------------


def _text(question: Question, text: str) -> ParseResult:
    answer = clean_text(text).strip()  # stored as written, so only what cannot be stored goes
    if not answer:
        return Refusal("refuse_text_empty")
    if len(answer) > question.max_length:
        return Refusal("refuse_text_too_long", {"length": len(answer), "limit": question.max_length})
    return answer


def parse_answer(question: Question, text: str, *, today: dt.date) -> ParseResult:
    """Read `text` as an answer to `question`."""
    kind = question.kind
    if kind == "yesno":
        value = yes_or_no(text)
        return Refusal("hint_yesno") if value is None else value
    if kind == "choice":
        return _option(question, text)
    if kind == "multi":
        return _multi(question, text)
    if kind == "scale":
        return _scale(question, text)
    if kind == "number":
        return _number(question, text)
    if kind == "date":
        return _date(text, today)
    return _text(question, text)


def parse_values(question: Question, values: tuple[str, ...], *, today: dt.date) -> ParseResult:
    """Read the values of a ChoiceIn (a button or a form field) as an answer to `question`."""
    if question.kind in ("choice", "multi"):
        if not values or not any(v.strip() for v in values):
            return Refusal("refuse_multi_empty" if question.kind == "multi" else "hint_choice",
                           {} if question.kind == "multi" else {"count": len(question.options)})
        return option_ids(question, [v for v in values if v.strip()])
    return parse_answer(question, " ".join(values), today=today)


def kind_hint(question: Question) -> Refusal:
    """How to answer a question of this kind, as a phrase key and its parameters."""
    kind = question.kind
    if kind == "choice":
        return Refusal("hint_choice", {"count": len(question.options)})
    if kind == "scale":
        low, high = _scale_bounds(question)
        return Refusal("hint_scale", {"min": low, "max": high})
    if kind == "number":
        return number_refusal(question)
    if kind == "text":
        return Refusal("hint_text", {"limit": question.max_length})
    return Refusal(f"hint_{kind}")


def scale_bounds(question: Question) -> tuple[int, int]:
    """The scale's lowest and highest step (1..5 unless the question says otherwise)."""
    return _scale_bounds(question)

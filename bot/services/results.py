"""A consultation's results, computed from what is stored: the response funnel (overall, by channel and
per day), a summary of every question, and each respondent's answer sheet (README, "Results and the
board report").

Every figure counts the rows of `export.contact_rows` (the funnel, one per invited contact) and the
answers the export holds, so the results pages, the exports and the board report can never disagree; an
`AnswerFilter` (area, industry, channel) narrows all of them alike. The question summaries count the
answers of submitted responses only: a response still in progress may yet change, and one declined
("berör oss inte") has no answers. In an anonymous consultation those are the anonymous responses
(bot/services/anonymous.py), which keep an area and an industry but no channel: a channel filter leaves
them all out, and `Results.anonymous_left_out` says so.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.services.answer_filter import AnswerFilter
from bot.services.consultations import ConsultationError, get_consultation
from bot.services.export import ResponseRow, anonymous_rows, contact_rows, response_rows
from conversations.messages import Language
from conversations.questionnaire import Question, Questionnaire
from storage.tables import Case, Consultation

MAX_BINS = 8  # a histogram's bars: enough to show a shape, few enough to read each one
MAX_DAY_PERIODS = 62  # a date question's answers are shown per day up to this span, then per month
MAX_MONTH_PERIODS = 36  # … per month up to this span, then per year
NO_CHANNEL = ""  # the channel of a contact never sent anything

_YES_NO: dict[Language, tuple[str, str]] = {"sv": ("Ja", "Nej"), "en": ("Yes", "No")}


class ResultsError(ValueError):
    """What was asked for does not exist (an unknown consultation, a contact not invited to it)."""


@dataclass(frozen=True)
class ThemeRow:
    """A theme found in the free-text answers, as the XLSX export and the board report show it."""

    theme: str
    answers: int  # how many answers speak of it
    quotes: tuple[str, ...] = ()  # representative answers, without names


@dataclass(frozen=True)
class Funnel:
    """How far the invited contacts got. Every invited contact is counted once in `invited`, and in at
    most one of completed, declined, opted_out and unreachable (bot.services.responses)."""

    invited: int
    sent: int  # an invitation went out on a channel
    started: int  # opened the dialogue (answered at least the first step, or declined there)
    completed: int
    declined: int  # "berör oss inte"
    opted_out: int
    unreachable: int

    @property
    def response_rate(self) -> float:
        return self.completed / self.invited if self.invited else 0.0

    def steps(self) -> list[tuple[str, int]]:
        """(key, count) in the funnel's order: the key names the step in the pages' texts."""
        return [(name, getattr(self, name)) for name in FUNNEL_STEPS]


FUNNEL_STEPS = ("invited", "sent", "started", "completed", "declined", "opted_out", "unreachable")


@dataclass(frozen=True)
class ChannelFunnel:
    channel: str  # NO_CHANNEL for contacts never sent anything
    funnel: Funnel


@dataclass(frozen=True)
class DayCounts:
    """What happened on one day (in the municipality's time zone)."""

    day: dt.date
    sent: int
    started: int
    completed: int
    declined: int


@dataclass(frozen=True)
class Bar:
    key: str  # the option id, scale step, bin or period: stable across languages
    label: str
    count: int
    share: float  # of the question's answers (for multi, the shares add up to more than 1)


@dataclass(frozen=True)
class NumberStats:
    low: float
    median: float
    mean: float
    high: float


@dataclass(frozen=True)
class QuestionSummary:
    number: int  # 1-based, as respondents saw it
    question: Question
    text: str  # the question in the language asked for
    answered: int  # submitted responses with an answer to it
    skipped: int  # submitted responses without one (optional, or not asked because of a condition)
    bars: tuple[Bar, ...] = ()  # empty for a text question
    stats: NumberStats | None = None  # scale and number
    period: str = ""  # a date question's bars: "day", "month" or "year"

    @property
    def kind(self) -> str:
        return self.question.kind


@dataclass(frozen=True)
class Results:
    consultation: Consultation
    case: Case
    questionnaire: Questionnaire | None
    wanted: AnswerFilter
    rows: list[ResponseRow]  # the invited contacts the filter takes
    submitted: list[ResponseRow]  # the sent responses the filter takes: what the questions' figures count
    funnel: Funnel
    by_channel: list[ChannelFunnel]
    days: list[DayCounts]
    questions: list[QuestionSummary]
    areas: list[str]  # every area among the invited businesses, for the filter's choices
    channels: list[str]  # every channel among the invited contacts

    @property
    def anonymous(self) -> bool:
        return self.questionnaire is not None and self.questionnaire.anonymous

    @property
    def anonymous_left_out(self) -> bool:
        """A channel filter on an anonymous consultation: its responses have no channel, so no figure of
        the questions counts them."""
        return self.anonymous and bool(self.wanted.channel)

    @property
    def respondents(self) -> list[ResponseRow]:
        """The contacts who began answering or declined (in an anonymous consultation, a sent response's
        sheet is not theirs to show)."""
        return [row for row in self.rows if row.started_at is not None or row.status in ("complete", "declined")]


def consultation_results(
    session: Session,
    consultation_id: int,
    wanted: AnswerFilter | None = None,
    *,
    language: Language = "sv",
    timezone: str = "Europe/Stockholm",
) -> Results:
    try:
        consultation = get_consultation(session, consultation_id)
    except ConsultationError as error:
        raise ResultsError(str(error)) from None
    case = session.get(Case, consultation.case_id)
    assert case is not None
    wanted = wanted or AnswerFilter()
    questionnaire, every_row = contact_rows(session, consultation_id)
    rows = [r for r in every_row if wanted.matches(area=r.area, industry=r.industry, channel=r.channel)]
    by_channel = [
        ChannelFunnel(channel, funnel_of([r for r in rows if r.channel == channel]))
        for channel in sorted({r.channel for r in rows}, key=lambda c: (c == NO_CHANNEL, c))
    ]
    if questionnaire is not None and questionnaire.anonymous:
        submitted = anonymous_rows(session, consultation_id, wanted)
    else:
        submitted = [r for r in rows if r.status == "complete"]
    questions = (
        [summarise(q, n, [r.answers for r in submitted], language) for n, q in enumerate(questionnaire.questions, 1)]
        if questionnaire
        else []
    )
    return Results(
        consultation=consultation,
        case=case,
        questionnaire=questionnaire,
        wanted=wanted,
        rows=rows,
        submitted=submitted,
        funnel=funnel_of(rows),
        by_channel=by_channel,
        days=days_of(rows, ZoneInfo(timezone)),
        questions=questions,
        areas=sorted({r.area for r in every_row if r.area}, key=str.casefold),
        channels=sorted({r.channel for r in every_row if r.channel}),
    )


def funnel_of(rows: Sequence[ResponseRow]) -> Funnel:
    statuses = Counter(row.status for row in rows)
    return Funnel(
        invited=len(rows),
        sent=sum(1 for row in rows if row.sent_at is not None),
        started=sum(1 for row in rows if row.started_at is not None),
        completed=statuses["complete"],
        declined=statuses["declined"],
        opted_out=statuses["opted_out"],
        unreachable=statuses["unreachable"],
    )


def days_of(rows: Sequence[ResponseRow], zone: ZoneInfo) -> list[DayCounts]:
    """Per local day from the first event to the last, every day listed (a quiet day shows as zeros)."""
    counts: dict[str, Counter[dt.date]] = {name: Counter() for name in ("sent", "started", "completed", "declined")}
    for row in rows:
        if row.sent_at is not None:
            counts["sent"][row.sent_at.astimezone(zone).date()] += 1
        if row.started_at is not None:
            counts["started"][row.started_at.astimezone(zone).date()] += 1
        if row.ended_at is not None and row.status in ("complete", "declined"):
            counts["completed" if row.status == "complete" else "declined"][row.ended_at.astimezone(zone).date()] += 1
    seen = sorted({day for counter in counts.values() for day in counter})
    if not seen:
        return []
    span = (seen[-1] - seen[0]).days
    days = [seen[0] + dt.timedelta(days=n) for n in range(span + 1)] if span <= 366 else seen
    return [
        DayCounts(day, counts["sent"][day], counts["started"][day], counts["completed"][day], counts["declined"][day])
        for day in days
    ]


def share(count: int, base: int) -> float:
    return count / base if base else 0.0


def summarise(question: Question, number: int, sheets: Sequence[dict[str, Any]], language: Language) -> QuestionSummary:
    """One question's answers among the submitted responses' `sheets` (question id → stored value)."""
    values = [sheet[question.id] for sheet in sheets if _answered(sheet.get(question.id))]

    def made(**shown: Any) -> QuestionSummary:
        return QuestionSummary(
            number=number, question=question, text=question.text.get(language),
            answered=len(values), skipped=len(sheets) - len(values), **shown,
        )

    kind = question.kind
    if kind == "yesno":
        yes, no = _YES_NO[language]
        counts = Counter(bool(v) for v in values)
        return made(bars=(Bar("yes", yes, counts[True], share(counts[True], len(values))),
                          Bar("no", no, counts[False], share(counts[False], len(values)))))
    if kind in ("choice", "multi"):
        chosen = Counter(str(v) for value in values for v in (value if isinstance(value, list) else [value]))
        known = [o.id for o in question.options]
        keys = known + sorted(k for k in chosen if k not in known)  # an id no option has: still counted
        bars = tuple(
            Bar(key, option.text.get(language) if (option := question.option(key)) else key, chosen[key],
                share(chosen[key], len(values)))
            for key in keys
        )
        return made(bars=bars)
    if kind == "scale":
        numbers = [float(v) for v in values if _is_number(v)]
        low, high = int(question.min or 1), int(question.max or 5)
        steps = Counter(int(v) for v in numbers)
        bars = tuple(Bar(str(s), str(s), steps[s], share(steps[s], len(numbers))) for s in range(low, high + 1))
        return made(bars=bars, stats=number_stats(numbers))
    if kind == "number":
        numbers = [float(v) for v in values if _is_number(v)]
        bars = tuple(
            Bar(key, label, count, share(count, len(numbers)))
            for key, label, count in histogram(numbers, integer=question.integer, language=language)
        )
        return made(bars=bars, stats=number_stats(numbers))
    if kind == "date":
        dates = [d for v in values if (d := _date(v)) is not None]
        period, periods = timeline(dates)
        bars = tuple(Bar(key, key, count, share(count, len(dates))) for key, count in periods)
        return made(bars=bars, period=period)
    return made()  # text: only how many wrote something


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def number_stats(numbers: Sequence[float]) -> NumberStats | None:
    if not numbers:
        return None
    return NumberStats(min(numbers), statistics.median(numbers), statistics.fmean(numbers), max(numbers))


def nice_width(raw: float, *, integer: bool) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k (1, 2, 5 × 10^k for whole numbers) at or above `raw`."""
    if raw <= 0:
        return 1.0
    exponent = math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        width = step * 10.0**exponent
        if integer and not float(width).is_integer():
            continue
        if width >= raw * (1 - 1e-9):
            return max(width, 1.0) if integer else width
    return 10.0 ** (exponent + 1)


def histogram(numbers: Sequence[float], *, integer: bool, language: Language = "sv") -> list[tuple[str, str, int]]:
    """(key, label, count) per bin of equal, round width covering the answers; a bin takes its lower
    bound and not its upper. Whole numbers get whole ranges ("10–19"); one value alone gets one bar."""
    if not numbers:
        return []
    low, high = min(numbers), max(numbers)
    if low == high:
        return [(show(low), show(low, language), len(numbers))]
    bins = min(MAX_BINS, max(2, math.ceil(math.log2(len(numbers))) + 1))  # Sturges' rule, capped
    width = nice_width((high - low) / bins, integer=integer)
    start = math.floor(low / width) * width
    count = math.floor((high - start) / width) + 1
    tally = Counter(min(count - 1, math.floor((value - start) / width)) for value in numbers)
    found = []
    for n in range(count):
        a, b = start + n * width, start + (n + 1) * width
        if integer:
            label = show(a, language) if width == 1 else f"{show(a, language)}–{show(b - 1, language)}"
        else:
            label = f"{show(a, language)}–{show(b, language)}"
        found.append((f"{show(a)}-{show(b)}", label, tally[n]))
    return found


def timeline(dates: Sequence[dt.date]) -> tuple[str, list[tuple[str, int]]]:
    """The answers' dates per day (short spans), per month or per year, every period between the first
    and the last listed: ("day" | "month" | "year", [(period, count)])."""
    if not dates:
        return "day", []
    first, last = min(dates), max(dates)
    if (last - first).days < MAX_DAY_PERIODS:
        counts = Counter(dates)
        return "day", [
            ((first + dt.timedelta(days=n)).isoformat(), counts[first + dt.timedelta(days=n)])
            for n in range((last - first).days + 1)
        ]
    months = (last.year - first.year) * 12 + last.month - first.month
    if months < MAX_MONTH_PERIODS:
        by_month = Counter(f"{d.year:04d}-{d.month:02d}" for d in dates)
        keys = [
            f"{first.year + (first.month - 1 + n) // 12:04d}-{(first.month - 1 + n) % 12 + 1:02d}"
            for n in range(months + 1)
        ]
        return "month", [(key, by_month[key]) for key in keys]
    by_year = Counter(d.year for d in dates)
    return "year", [(f"{year:04d}", by_year[year]) for year in range(first.year, last.year + 1)]


def show(value: float, language: Language | None = None) -> str:
    """A number as people read it: no ".0", at most two decimals, a decimal comma in Swedish."""
    rounded = round(value, 2)
    text = str(int(rounded)) if float(rounded).is_integer() else f"{rounded:.2f}".rstrip("0")
    return text.replace(".", ",") if language == "sv" else text


def percent(part: float, language: Language) -> str:
    """A share as a whole percentage, rounded half up ("13 %" in Swedish, "13%" in English)."""
    whole = int(Decimal(str(part * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{whole}\u00a0%" if language == "sv" else f"{whole}%"


# --- one respondent's answer sheet -------------------------------------------------------------------


@dataclass(frozen=True)
class SheetItem:
    number: int
    text: str
    kind: str
    answer: str  # as a person reads it; "" when not answered


@dataclass(frozen=True)
class AnswerSheet:
    consultation: Consultation
    case: Case
    row: ResponseRow
    items: list[SheetItem]


def answer_sheet(session: Session, consultation_id: int, contact_id: int, *, language: Language = "sv") -> AnswerSheet:
    """Everything one invited contact answered (the stored, submitted answers), question by question."""
    try:
        consultation = get_consultation(session, consultation_id)
    except ConsultationError as error:
        raise ResultsError(str(error)) from None
    case = session.get(Case, consultation.case_id)
    assert case is not None
    questionnaire, rows = response_rows(session, consultation_id)
    row = next((r for r in rows if r.contact_id == contact_id), None)
    if row is None:
        raise ResultsError(f"contact {contact_id} is not invited to consultation {consultation_id}")
    items = [
        SheetItem(n, q.text.get(language), q.kind, display_answer(q, row.answers.get(q.id), language))
        for n, q in enumerate(questionnaire.questions if questionnaire else (), 1)
    ]
    return AnswerSheet(consultation, case, row, items)


def display_answer(question: Question, value: Any, language: Language) -> str:
    """A stored answer as a person reads it: option texts instead of ids, "Ja"/"Nej", numbers with a
    decimal comma in Swedish."""
    if not _answered(value):
        return ""
    if question.kind == "yesno":
        return _YES_NO[language][0 if value else 1]
    if question.kind in ("choice", "multi"):
        ids = value if isinstance(value, list) else [value]
        return ", ".join(o.text.get(language) if (o := question.option(str(i))) else str(i) for i in ids)
    if question.kind in ("scale", "number") and _is_number(value):
        return show(float(value), language)
    return str(value)


"""The answers as an Excel workbook (README, "XLSX export"): the answers sheet (the CSV export's columns
and rows), one sheet per question with its summary, and the themes found in the free-text answers when
there are any. Filtered like the results pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from bot.services.answer_filter import AnswerFilter
from bot.services.export import FIXED_COLUMNS, csv_header, csv_row, response_rows
from bot.services.results import QuestionSummary, ThemeRow, consultation_results, show
from bot.services.spreadsheet import Sheet, XlsxCell, xlsx_bytes
from conversations.messages import Language

_LABELS: dict[Language, dict[str, str]] = {
    "sv": {
        "answers": "Svar", "answer": "Svar", "count": "Antal", "share": "Andel", "question": "Fråga",
        "answered": "Har svarat", "skipped": "Har inte svarat", "free_text": "Fritextsvar",
        "low": "Lägst", "median": "Median", "mean": "Medelvärde", "high": "Högst", "themes": "Teman",
        "theme": "Tema", "quotes": "Citat", "range": "Intervall (nedre gräns ingår, övre inte)",
        "day": "Dag", "month": "Månad", "year": "År"
    },
    "en": {
        "answers": "Answers", "answer": "Answer", "count": "Count", "share": "Share", "question": "Question",
        "answered": "Answered", "skipped": "Did not answer", "free_text": "Free-text answers",
        "low": "Lowest", "median": "Median", "mean": "Mean", "high": "Highest", "themes": "Themes",
        "theme": "Theme", "quotes": "Quotes", "range": "Range (lower bound included, upper not)",
        "day": "Day", "month": "Month", "year": "Year"
    },
}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def export_xlsx(
    session: Session,
    consultation_id: int,
    *,
    wanted: AnswerFilter | None = None,
    language: Language = "sv",
    timezone: str = "Europe/Stockholm",
    themes: Sequence[ThemeRow] = (),
) -> bytes:
    results = consultation_results(session, consultation_id, wanted, language=language, timezone=timezone)
    labels = _LABELS[language]
    questionnaire = results.questionnaire
    questions = questionnaire.questions if questionnaire else ()
    answer_rows: list[list[XlsxCell]] = []
    for row in response_rows(session, consultation_id, wanted)[1]:  # the CSV export's rows
        cells: list[XlsxCell] = list(csv_row(questionnaire, row))
        cells[1] = row.consultation_id
        for index, question in enumerate(questions, start=len(FIXED_COLUMNS)):
            value = row.answers.get(question.id)
            if _number(value):
                cells[index] = value
        answer_rows.append(cells)
    sheets = [Sheet(labels["answers"], csv_header(questionnaire), answer_rows, widths=(14, 8, 14, 28, 22))]
    sheets += [_summary_sheet(summary, labels, language) for summary in results.questions]
    if themes:
        sheets.append(Sheet(
            labels["themes"], [labels["theme"], labels["count"], labels["quotes"]],
            [[t.theme, t.answers, "\n".join(t.quotes)] for t in themes], widths=(30, 10, 80),
        ))
    return xlsx_bytes(sheets)


def _summary_sheet(summary: QuestionSummary, labels: dict[str, str], language: Language) -> Sheet:
    first = {"number": labels["range"], "date": labels.get(summary.period, labels["day"])}.get(
        summary.kind, labels["answer"]
    )
    rows: list[list[XlsxCell]] = [[bar.label, bar.count, bar.share] for bar in summary.bars]
    if summary.kind == "text":
        rows.append([labels["free_text"], summary.answered, None])
    rows += [
        [],
        [labels["question"], f"{summary.number}. {summary.text}"],
        [labels["answered"], summary.answered],
        [labels["skipped"], summary.skipped],
    ]
    if summary.stats is not None:
        stats = summary.stats
        rows += [[labels["low"], stats.low], [labels["median"], stats.median],
                 [labels["mean"], float(show(stats.mean))], [labels["high"], stats.high]]
    return Sheet(
        f"{summary.number} {summary.question.id}", [first, labels["count"], labels["share"]], rows,
        widths=(34, 10, 10), formats={3: "0%"},
    )

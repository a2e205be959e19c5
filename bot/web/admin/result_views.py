"""What the results page and the board report show beside their tables: the charts, the number
formats in the page's language, and the selection in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bot.services.answer_filter import AnswerFilter
from bot.services.export import ResponseRow
from bot.services.results import Results, percent, show
from bot.web.admin.charts import days_chart, funnel_chart, question_chart
from conversations.messages import Language


def chart_context(results: Results, texts: dict[str, str], language: Language) -> dict[str, Any]:
    """The charts (SVG) and the formatting functions the templates call (`pct`, `num`)."""
    pct: Callable[[float], str] = lambda part: percent(part, language)  # noqa: E731
    num: Callable[[float], str] = lambda value: show(value, language)  # noqa: E731
    return {
        "funnel_svg": funnel_chart("chart-funnel", texts["res_funnel"], results.funnel, texts, language),
        "days_svg": days_chart(
            "chart-days", f"{texts['res_per_day']}: {texts['res_step_completed']}", results.days, language
        ),
        "question_svgs": [question_chart(f"chart-q{q.number}", q, language) for q in results.questions],
        "pct": pct,
        "num": num,
        "status_of": lambda row: status_text(row, texts),
    }


_STATUS_STEP = {"complete": "completed", "partial": "started"}


def status_text(row: ResponseRow, texts: dict[str, str]) -> str:
    """A response's status named as the funnel names its step ("Skickade in svar", "Berör oss inte")."""
    return texts["res_step_" + _STATUS_STEP.get(row.status, row.status)]


def selection_text(wanted: AnswerFilter, texts: dict[str, str]) -> str:
    """The filter in words ("Område: Mörby; Bransch (SNI): 56"), or "" when it takes everyone."""
    labels = {"area": texts["area"], "industry": texts["industry"], "channel": texts["channel"]}
    return "; ".join(f"{labels[name]}: {value}" for name, value in wanted.as_dict().items())


def query_string(wanted: AnswerFilter) -> str:
    """The filter as a link's query ("?area=M%C3%B6rby"), or "" when it takes everyone."""
    query = wanted.query()
    return "?" + urlencode(query) if query else ""

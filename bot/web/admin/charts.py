"""Bar charts drawn on the server as SVG, readable without colour, script or sight.

Each bar carries its label and its figures ("12 (34 %)") as SVG text, so a printout in black and white
and a zoomed screen say the same; the chart is one image (`role="img"`) named by its <title> and
described, every bar in words, by its <desc>. The pages always put a plain table with the same numbers
beside it: the chart is for the eye, the table for everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from bot.services.results import DayCounts, Funnel, QuestionSummary, percent, share
from conversations.messages import Language

WIDTH = 640
LABEL_WIDTH = 220  # the bars' labels, left of the bars
FIGURES_WIDTH = 110  # the count and share, right of each bar
ROW = 28
BAR = 18
TOP = 8
MAX_LABEL_CHARS = 32  # a longer label is shortened in the chart; the table beside it has it whole
BAR_FILL = "#1d5b79"  # 7.9:1 against white: the bars stand out in any light, and print dark
BAR_EDGE = "#0b2f40"
TEXT = "#1b1b1b"


@dataclass(frozen=True)
class ChartBar:
    label: str
    count: int
    share: float | None = None  # None: a count alone (e.g. events per day)


def figures(bar: ChartBar, language: Language) -> str:
    return f"{bar.count} ({percent(bar.share, language)})" if bar.share is not None else str(bar.count)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, bars: Sequence[ChartBar], language: Language) -> Markup:
    """Horizontal bars, longest count the full width; `chart_id` makes the title's and description's ids
    unique on the page."""
    height = TOP * 2 + ROW * max(len(bars), 1)
    scale_to = max((bar.count for bar in bars), default=0) or 1
    span = WIDTH - LABEL_WIDTH - FIGURES_WIDTH
    description = "; ".join(f"{bar.label}: {figures(bar, language)}" for bar in bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="14">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        length = round(span * bar.count / scale_to, 1)
        middle = y + ROW / 2 + 5  # the text's baseline, centred on the bar
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" fill="{TEXT}">{escape(_short(bar.label))}</text>'
        )
        if bar.count:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + (ROW - BAR) / 2}" width="{length}" height="{BAR}" '
                f'fill="{BAR_FILL}" stroke="{BAR_EDGE}" stroke-width="1"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" fill="{TEXT}">{escape(figures(bar, language))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel_chart(chart_id: str, title: str, funnel: Funnel, labels: dict[str, str], language: Language) -> Markup:
    """The funnel's steps as bars, each with its share of the invited."""
    bars = [ChartBar(labels[f"res_step_{key}"], count, share(count, funnel.invited)) for key, count in funnel.steps()]
    return bar_chart(chart_id, title, bars, language)


def question_chart(chart_id: str, summary: QuestionSummary, language: Language) -> Markup | None:
    """A question's bars, or None for a question without any (a text question, no answers yet)."""
    if not summary.bars or not summary.answered:
        return None
    bars = [ChartBar(bar.label, bar.count, bar.share) for bar in summary.bars]
    return bar_chart(chart_id, f"{summary.number}. {summary.text}", bars, language)


def days_chart(chart_id: str, title: str, days: Sequence[DayCounts], language: Language) -> Markup | None:
    """Submitted responses per day: when the answers came in."""
    if not days:
        return None
    return bar_chart(chart_id, title, [ChartBar(day.day.isoformat(), day.completed) for day in days], language)

"""The board report as a document: HTML (the page, or a file that stands alone) and PDF (WeasyPrint).

The PDF is drawn from the very HTML the page shows, with its stylesheet inlined; WeasyPrint is given a
URL fetcher that fetches nothing, so a report never reaches the network or the file system, whatever
text a consultation holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from bot.services.board_report import BoardReport
from bot.web.admin.pages import templates
from bot.web.admin.result_views import chart_context, query_string, selection_text
from bot.web.admin.texts import TEXTS

REPORT_CSS = Path(__file__).parent / "static" / "report.css"


def report_title(report: BoardReport) -> str:
    return TEXTS[report.language]["rep_title"].format(title=report.title)


def report_html(
    report: BoardReport, *, municipality: str, timezone: str, standalone: bool, links: bool = False
) -> str:
    """The report as HTML. `standalone`: its stylesheet inlined (a file, the PDF); otherwise linked (the
    page: the officials' pages allow no inline style). `links`: the page's links back and to the PDF."""
    t = TEXTS[report.language]
    zone = ZoneInfo(timezone)

    def local(moment: dt.datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d") if moment else "—"

    context: dict[str, Any] = {
        "report": report,
        "t": t,
        "lang": report.language,
        "title": report_title(report),
        "municipality": municipality,
        "local": local,
        "css": REPORT_CSS.read_text(encoding="utf-8") if standalone else "",
        "links": links,
        "query": query_string(report.results.wanted),
        "selection": selection_text(report.results.wanted, t),
        **chart_context(report.results, t, report.language),
    }
    return templates.env.get_template("report.html").render(context)


def _fetch_nothing(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"the report fetches nothing ({url[:60]})")


def report_pdf(html: str) -> bytes:
    """The report's standalone HTML as PDF (A4, page numbers in the footer)."""
    import weasyprint  # imported here: it loads Pango, which only the report needs

    pdf = weasyprint.HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf

"""One page of a long table on the officials' pages: its rows, the caption's numbers and the links to
the other pages, which keep the page's other query parameters (its filter)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from bot.web.admin.texts import Language

PAGE_SIZE = 50
AROUND = 2  # page numbers linked on each side of the current one
_FAR_PAST_THE_END = 10**9

Row = TypeVar("Row")


def requested_page(text: str) -> int:
    """The `page` query as asked. It comes from links, but also from hand-edited and stale addresses:
    anything but a whole number counts as the first page (so `-3` does), and a number too long to be
    a page counts as far past the last, so that clamping makes either a page that exists."""
    if not (text.isascii() and text.isdigit()):
        return 1
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) < 10 else _FAR_PAST_THE_END  # int() refuses thousands of digits


def grouped(number: int, language: Language) -> str:
    """A count with its thousands grouped as each language writes them: "2 340" (a no-break space, so
    the number stays on one line, as the chat writes numbers) or "2,340"."""
    text = f"{number:,}"
    return text.replace(",", "\u00a0") if language == "sv" else text


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: Sequence[Row]
    number: int  # 1-based, always a page that exists (1 when there are no rows)
    last: int
    total: int  # rows on every page
    first_row: int  # 1-based position of rows[0] among all rows
    path: str
    query: Mapping[str, str]  # the page's other parameters, kept by every link
    anchor: str  # where a link lands, so that the table, not the page's top, is in view

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1

    def href(self, number: int) -> str:
        """The link to page `number`; the first page's is the address without `page`, as a filter
        form sends it."""
        query = {**self.query, "page": str(number)} if number > 1 else dict(self.query)
        return f"{self.path}{'?' + urlencode(query) if query else ''}#{self.anchor}"

    def numbers(self) -> list[int | None]:
        """The page numbers to link: the first, the last and a window around the current one; None
        where numbers are left out (an ellipsis). A gap of one page shows that page instead."""
        shown = sorted({1, self.last, *range(max(1, self.number - AROUND), min(self.last, self.number + AROUND) + 1)})
        numbers: list[int | None] = []
        before = 0
        for number in shown:
            if number - before == 2:
                numbers.append(before + 1)
            elif number - before > 2:
                numbers.append(None)
            numbers.append(number)
            before = number
        return numbers


def page_number(requested: str, total: int, size: int = PAGE_SIZE) -> int:
    """The page asked for by the `page` query `requested`, clamped to the pages `total` rows fill."""
    return min(max(requested_page(requested), 1), _pages(total, size))


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def fetched_page(
    rows: Sequence[Row], number: int, total: int, *, path: str, query: Mapping[str, str], anchor: str,
    size: int = PAGE_SIZE,
) -> Page[Row]:
    """Page `number` (from page_number) whose rows the caller fetched itself, for a table too long to
    read whole: `total` is how many rows all its pages hold."""
    return Page(
        rows=rows, number=number, last=_pages(total, size), total=total, first_row=(number - 1) * size + 1,
        path=path, query=query, anchor=anchor,
    )


def page_of(
    rows: Sequence[Row], requested: str, *, path: str, query: Mapping[str, str], anchor: str, size: int = PAGE_SIZE
) -> Page[Row]:
    """The page asked for by the `page` query `requested`, clamped to the pages there are."""
    number = page_number(requested, len(rows), size)
    start = (number - 1) * size
    return fetched_page(rows[start:start + size], number, len(rows), path=path, query=query, anchor=anchor, size=size)

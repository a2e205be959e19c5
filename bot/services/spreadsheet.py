"""Every CSV and XLSX file the product writes goes through here: cells guarded against formula
injection, and a CSV variant for Excel as Swedish offices use it.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and strips a
leading tab or carriage return first), so text from outside — a business's name, an e-mail address, a
free-text answer, a case reference — could run `=cmd|' /C calc'!A0` or leak data with `=HYPERLINK(…)`
on an official's computer. Such a cell gets a leading `'`, which spreadsheets show as text and hide.
Plain numbers (`-5`, `3.5`) are left alone: they are harmless and stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# The ASCII starts and their full-width forms, which some spreadsheet programs also accept.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def guard_cell(text: str) -> str:
    """`text` as a spreadsheet shows it without running it."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]], *, excel: bool = False) -> str:
    """A CSV document with every cell guarded. `excel`: as Excel in a Swedish locale opens it with a
    double-click (semicolons, since the comma is the decimal sign; a UTF-8 byte-order mark, so å, ä and ö
    are read right; CRLF line ends); otherwise comma-separated UTF-8 with LF, for programs."""
    buffer = io.StringIO()
    if excel:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n")
    writer.writerow([guard_cell(cell) for cell in header])
    writer.writerows([guard_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


# --- XLSX ---------------------------------------------------------------------------------------------

XlsxCell = str | int | float | None
_SHEET_TITLE_BANNED = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_TITLE = 31  # Excel refuses a longer sheet name


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[XlsxCell]]
    widths: Sequence[int] = ()  # column widths in characters, where the default is too narrow
    formats: Mapping[int, str] = field(default_factory=dict)  # 1-based column → number format ("0%")


def sheet_title(text: str, taken: set[str]) -> str:
    """`text` as a sheet's name: without the characters Excel refuses, short enough, and not yet used."""
    base = _SHEET_TITLE_BANNED.sub(" ", text).strip()[:MAX_SHEET_TITLE] or "Blad"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: MAX_SHEET_TITLE - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per `Sheet`, its header row bold and frozen.

    Text is written as text cells, never as formulas: openpyxl would store a string starting with "="
    as a formula, so the cell's type is set back to text, and a cell that starts like a formula also
    gets Excel's quote prefix (the hidden `'`), so editing it in Excel keeps it text. Characters XML
    cannot carry (control characters pasted into a free-text answer) are dropped; å, ä and ö are
    stored as they are (XLSX is UTF-8 inside). Numbers stay numbers, for sums and charts."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet_title(sheet.title, taken))
        for column, name in enumerate(sheet.header, start=1):
            _text_cell(worksheet.cell(row=1, column=column), name).font = bold
        for row_number, row in enumerate(sheet.rows, start=2):
            for column, value in enumerate(row, start=1):
                cell = worksheet.cell(row=row_number, column=column)
                if isinstance(value, str):
                    _text_cell(cell, value)
                elif value is not None:
                    cell.value = value
                    cell.number_format = sheet.formats.get(column, cell.number_format)
        for column, width in enumerate(sheet.widths, start=1):
            worksheet.column_dimensions[get_column_letter(column)].width = width
        worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(cell: Cell, text: str) -> Cell:
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        cell.quotePrefix = True
    if "\n" in text:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell

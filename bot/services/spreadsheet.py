"""Every CSV the product writes goes through here: cells guarded against formula injection, and a
variant for Excel as Swedish offices use it.

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
from collections.abc import Iterable, Sequence
from typing import Final

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

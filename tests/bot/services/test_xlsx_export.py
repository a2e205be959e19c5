"""The XLSX export read back with openpyxl: its answers sheet is the CSV export cell for cell, each
question has its summary sheet, and a themes sheet comes when themes are given."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.bootstrap import App
from bot.services import export
from bot.services.answer_filter import AnswerFilter
from bot.services.results import ThemeRow
from bot.services.spreadsheet import guard_cell
from bot.services.xlsx_export import export_xlsx
from tests.bot.services.results_support import answered_town


def _rows(sheet: Worksheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_answers_sheet_is_the_csv_export_cell_for_cell(app: App) -> None:
    town = answered_town(app)
    wanted = AnswerFilter.parse(industry="56")  # Cilla, Eva (whose comment is a formula) and Filip
    with app.session() as session:
        data = export_xlsx(session, town.consultation_id, wanted=wanted)
        text = export.export_csv(session, town.consultation_id, wanted=wanted)
    workbook = load_workbook(io.BytesIO(data))
    answers = workbook.worksheets[0]
    from_csv = list(csv.reader(io.StringIO(text)))
    # Text as text (guarded the XLSX way, so compared through the CSV's guard), numbers as numbers.
    from_xlsx = [["" if cell is None else guard_cell(cell) if isinstance(cell, str) else str(cell) for cell in row]
                 for row in _rows(answers)]
    assert from_xlsx == from_csv and len(from_csv) == 4
    header = from_csv[0]
    eva = next(row for row in _rows(answers) if row[4] == "Eva Lund")
    assert eva[header.index("staff")] == 40 and eva[header.index("consultation_id")] == town.consultation_id
    assert eva[header.index("comments")] == '=HYPERLINK("http://x.example")'  # text, not a formula
    filip = next(row for row in _rows(answers) if row[4] == "Filip Berg")
    assert filip[header.index("business_name")] == "Krogen Åkersberga"


def test_each_question_gets_a_summary_sheet_with_counts_and_shares(app: App) -> None:
    town = answered_town(app)
    with app.session() as session:
        workbook = load_workbook(io.BytesIO(export_xlsx(session, town.consultation_id, language="sv")))
    assert workbook.sheetnames == ["Svar", "1 affected", "2 impact", "3 concerns", "4 best_time", "5 staff",
                                   "6 start", "7 comments"]
    best_time = _rows(workbook["4 best_time"])
    assert best_time[:5] == [["Svar", "Antal", "Andel"], ["Morgon", 1, 0.25], ["Dagtid", 0, 0], ["Kväll", 2, 0.5],
                             ["Natt", 1, 0.25]]
    assert workbook["4 best_time"]["C2"].number_format == "0%"
    assert ["Fråga", "4. När stör arbetet er minst?", None] in best_time and ["Har svarat", 4, None] in best_time
    staff = _rows(workbook["5 staff"])
    assert staff[0][0].startswith("Intervall") and staff[1:4] == [["0–19", 3, 0.75], ["20–39", 0, 0], ["40–59", 1, 0.25]]
    assert ["Medelvärde", 15.5, None] in staff
    assert _rows(workbook["7 comments"])[1] == ["Fritextsvar", 2, None]
    assert "Teman" not in workbook.sheetnames


def test_a_themes_sheet_is_written_when_themes_are_given(app: App) -> None:
    town = answered_town(app)
    themes = [ThemeRow("Leveranser", 2, ("Leveranser före 7 är viktiga", "=lastning")), ThemeRow("Parkering", 1)]
    with app.session() as session:
        workbook = load_workbook(io.BytesIO(export_xlsx(session, town.consultation_id, language="en", themes=themes)))
    assert workbook.sheetnames[0] == "Answers" and workbook.sheetnames[-1] == "Themes"
    assert _rows(workbook["Themes"]) == [
        ["Theme", "Count", "Quotes"], ["Leveranser", 2, "Leveranser före 7 är viktiga\n=lastning"], ["Parkering", 1, None],
    ]
    assert workbook["Themes"]["C2"].data_type == "s"

"""`samrad consultation export` with filters and XLSX, and `samrad consultation report` as HTML and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from storage.tables import answers_table, dialogues_table, invitations_table
from tests import scenario
from tests.bot.cli.test_cli import Run, closes, write
from tests.pdf_support import page_count


def _answered(samrad: Run, tmp_path: Path) -> None:
    """The scenario's town, with Cilla (Café Torget, SNI 56100) having submitted "Kväll" by e-mail."""
    samrad("db", "upgrade")
    samrad("business", "import", write(tmp_path, "b.csv", scenario.BUSINESSES_CSV))
    samrad("consultation", "create", write(tmp_path, "c.yaml", scenario.consultation_yaml(closes=closes())))
    samrad("consultation", "open", "1")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    at = dt.datetime(2025, 2, 21, 10, 17, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(invitations_table.update().values(channel="email", invited_at=at))
        conn.execute(dialogues_table.insert().values(
            contact_id=3, consultation_id=1, state={}, status="complete", channel="email", started_at=at,
            updated_at=at, completed_at=at))
        for question_id, value in (("affected", False), ("best_time", "evening"), ("comments", "@SUM(A1) Åäö")):
            conn.execute(answers_table.insert().values(
                consultation_id=1, contact_id=3, question_id=question_id, value=value, channel="email", answered_at=at))
    engine.dispose()


def test_an_xlsx_export_is_written_to_a_file_and_follows_the_filters(samrad: Run, tmp_path: Path) -> None:
    _answered(samrad, tmp_path)
    written = samrad("consultation", "export", "1", "--format", "xlsx", "-o", "svar.xlsx", "--industry", "56")
    assert written.exit_code == 0 and "wrote svar.xlsx" in written.stderr
    answers = load_workbook(tmp_path / "svar.xlsx").worksheets[0]
    rows = list(answers.iter_rows(values_only=True))
    assert [row[4] for row in rows[1:]] == ["Cilla Ros"]
    comments = rows[0].index("comments")
    assert rows[1][comments] == "@SUM(A1) Åäö" and answers.cell(row=2, column=comments + 1).quotePrefix
    morby = list(csv.DictReader(io.StringIO(samrad("consultation", "export", "1", "--area", "Mörby").stdout)))
    assert len(morby) == 3
    assert samrad("consultation", "export", "1", "--channel", "telegram").stdout.count("\n") == 1  # the header
    refused = samrad("consultation", "export", "1", "--format", "xlsx")
    assert refused.exit_code == 1 and refused.stderr == "samrad: --format xlsx writes a workbook: give -o FILE\n"
    bad = samrad("consultation", "export", "1", "--industry", "kafé")
    assert bad.exit_code == 1 and "industry 'kafé' is not an SNI code" in bad.stderr and "Traceback" not in bad.stderr


def test_the_board_report_is_written_as_html_or_pdf(samrad: Run, tmp_path: Path) -> None:
    _answered(samrad, tmp_path)
    html = samrad("consultation", "report", "1").stdout
    assert html.startswith("<!doctype html>") and "<style>" in html and "/admin/static" not in html
    assert "1 av 3 inbjudna skickade in svar (33\u00a0%)." in html
    assert "Cilla" not in html and "@SUM" not in html  # no names, no free text without a theme
    written = samrad("consultation", "report", "1", "--format", "pdf", "-o", "rapport.pdf", "--area", "Mörby")
    assert written.exit_code == 0
    pdf = (tmp_path / "rapport.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and page_count(pdf) >= 1
    assert samrad("consultation", "report", "1", "--format", "pdf").exit_code == 1
    unknown = samrad("consultation", "report", "1", "--format", "docx")
    assert unknown.stderr == "samrad: unknown format 'docx'; use html or pdf\n"
    missing = samrad("consultation", "report", "7")
    assert missing.stderr == "samrad: there is no consultation 7\n"

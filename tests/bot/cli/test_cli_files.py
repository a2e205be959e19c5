"""Files an official really has: CSV from Swedish Excel (semicolons), files in the wrong encoding or
format, hostile files. Each is imported, or refused with one line (Swedish and English) and exit 1."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.services.business_file import COLUMNS, MAX_FIELD_LENGTH
from tests import scenario
from tests.bot.cli.test_cli import Result

Run = Callable[..., Result]
EXCEL_SEMICOLON = "\ufeff" + scenario.BUSINESSES_CSV.replace(",", ";").replace("\n", "\r\n")


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


def test_a_csv_utf8_file_from_swedish_excel_with_semicolons_is_imported(samrad: Run, tmp_path: Path) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    # Excel's "CSV UTF-8" in a Swedish locale: BOM, semicolons, CRLF. Tags can't hold ";" then, so the
    # bakery's one tag stays one tag.
    result = samrad("business", "import", _write(tmp_path, "excel.csv", EXCEL_SEMICOLON.encode()))
    assert result.exit_code == 0, result.stderr
    assert "businesses: 3 created" in result.stdout and "contacts: 4 created" in result.stdout
    again = samrad("business", "import", _write(tmp_path, "comma.csv", scenario.BUSINESSES_CSV.encode()))
    assert "businesses: 0 created, 0 updated; contacts: 0 created, 0 updated" in again.stdout


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (EXCEL_SEMICOLON[1:].encode("cp1252"), "inte UTF-8"),
        (scenario.BUSINESSES_CSV.encode("latin-1", errors="replace"), "not UTF-8"),
        (b"", "the file is empty"),
        (b"  \r\n", "filen är tom"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "Excel workbook"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(100), "not text"),
        ((",".join(COLUMNS) + "\n556016-0680,Bageri" + "x" * (MAX_FIELD_LENGTH + 1) + ",,,,,,,,,\n").encode(),
         f"line 2, column name: longer than {MAX_FIELD_LENGTH} characters"),
        ((",".join(COLUMNS) + "\n556016-0680,Bag\x00eri,,,,,,,,,\n").encode(), "not text"),
        ((",".join(COLUMNS) + "\n556016-0680,Bag\x1beri,,,,,,,,,\n").encode(), "column name: holds a control"),
        ((",".join(COLUMNS) + '\n556016-0680,"' + "x" * 200_000 + '",,,,,,,,,\n').encode(), "line 2"),
        (("=cmd|' /C calc'!A0;" * 10_000 + "\n").encode(), "unknown column(s) =cmd|' /C calc'!A0"),
    ],
    ids=["windows-1252", "latin-1", "empty", "blank", "xlsx", "binary", "long field", "nul", "escape",
         "huge field", "huge header"],
)
def test_a_file_that_cannot_be_read_is_refused_saying_why(
    samrad: Run, tmp_path: Path, data: bytes, expected: str
) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    error = _one_line_error(samrad("business", "import", _write(tmp_path, "bad.csv", data)))
    assert expected in error
    assert len(error) < 1500
    assert "0 created" not in error and "created" not in samrad("consultation", "list").stdout


def test_too_many_rows_are_refused_before_anything_is_written(
    samrad: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import business_file

    assert samrad("db", "upgrade").exit_code == 0
    monkeypatch.setattr(business_file, "MAX_ROWS", 3)  # the limit itself: 200,000 rows would be slow here
    error = _one_line_error(samrad("business", "import", _write(tmp_path, "many.csv", scenario.BUSINESSES_CSV.encode())))
    assert "line 5: more than 3 rows; split the file" in error
    ok = samrad("business", "import", _write(tmp_path, "few.csv", "\n".join(
        scenario.BUSINESSES_CSV.splitlines()[:4]).encode()))
    assert "businesses: 2 created" in ok.stdout


def test_invites_and_export_guard_every_text_cell_against_formulas(samrad: Run, tmp_path: Path) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    hostile = scenario.BUSINESSES_CSV.replace("Anna Ek", "=HYPERLINK(\"http://x\")").replace(
        "Café Torget", "@SUM(1)").replace("Cilla Ros", "+SUM(1+1)").replace("Bo Ek", "\tBo")
    assert samrad("business", "import", _write(tmp_path, "b.csv", hostile.encode())).exit_code == 0
    yaml = scenario.consultation_yaml(closes=_closes(), reference="=cmd|' /C calc'!A0")
    (tmp_path / "c.yaml").write_text(yaml.replace("opens:", "# opens:"), encoding="utf-8")
    created = samrad("consultation", "create", str(tmp_path / "c.yaml"))
    consultation_id = created.stdout.strip().splitlines()[-1]
    samrad("consultation", "open", consultation_id)
    invites = list(csv.reader(io.StringIO(samrad("consultation", "invites", consultation_id).stdout)))
    export = list(csv.reader(io.StringIO(samrad("consultation", "export", consultation_id).stdout)))
    for table in (invites, export):
        cells = [cell for row in table[1:] for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    assert "'=HYPERLINK(\"http://x\")" in [row[3] for row in invites]
    assert {row[0] for row in export[1:]} == {"'=cmd|' /C calc'!A0"}


def _closes() -> object:
    import datetime as dt

    return dt.datetime.now(dt.UTC) + dt.timedelta(days=14)


def test_the_export_for_excel_opens_right_in_a_swedish_excel(samrad: Run, tmp_path: Path) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    samrad("business", "import", _write(tmp_path, "b.csv", scenario.BUSINESSES_CSV.encode()))
    (tmp_path / "c.yaml").write_text(scenario.consultation_yaml(closes=_closes()), encoding="utf-8")
    consultation_id = samrad("consultation", "create", str(tmp_path / "c.yaml")).stdout.split()[-1]
    samrad("consultation", "open", consultation_id)
    result = samrad("consultation", "export", consultation_id, "--format", "csv", "--excel", "-o", "svar.csv")
    assert result.exit_code == 0, result.stderr
    data = (tmp_path / "svar.csv").read_bytes()
    assert data.startswith("\ufeffcase_reference;consultation_id;".encode()) and data.count(b"\r\n") == 4
    assert "Mörby Bageri AB".encode() in data
    error = _one_line_error(samrad("consultation", "export", consultation_id, "--format", "json", "--excel"))
    assert "--excel is for --format csv" in error


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    samrad: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import business_file

    assert samrad("db", "upgrade").exit_code == 0
    monkeypatch.setattr(business_file, "MAX_FILE_BYTES", 2_000_000)  # the limit itself: 50 MB is slow to write
    big = _write(tmp_path, "big.csv", scenario.BUSINESSES_CSV.encode() + b"#" * 2_000_001)
    assert "larger than 2 MB" in _one_line_error(samrad("business", "import", big))


def test_reading_commands_answer_while_another_process_holds_the_write_lock(samrad: Run, tmp_path: Path) -> None:
    import sqlite3
    import time
    from contextlib import closing

    assert samrad("db", "upgrade").exit_code == 0
    samrad("business", "import", _write(tmp_path, "b.csv", scenario.BUSINESSES_CSV.encode()))
    (tmp_path / "c.yaml").write_text(scenario.consultation_yaml(closes=_closes()), encoding="utf-8")
    consultation_id = samrad("consultation", "create", str(tmp_path / "c.yaml")).stdout.split()[-1]
    with closing(sqlite3.connect(tmp_path / "cli.db", isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # a long import in another terminal
        other.execute("UPDATE businesses SET area = area")
        started = time.monotonic()
        results = [samrad("consultation", "list"), samrad("consultation", "show", consultation_id),
                   samrad("consultation", "export", consultation_id)]
        elapsed = time.monotonic() - started
        other.execute("ROLLBACK")
    assert [r.exit_code for r in results] == [0, 0, 0], [r.stderr for r in results]
    assert elapsed < 3  # SQLite's busy timeout is 5 s per command


def test_other_writers_get_the_lock_between_a_large_imports_batches(samrad: Run, tmp_path: Path) -> None:
    """`business import` in one process, a writer (standing in for `samrad serve`) in another: with a 5 s
    busy timeout, every write gets through, and soon, while the import runs."""
    import os
    import sqlite3
    import subprocess
    import sys
    import time
    from contextlib import closing

    from tests.bench_support import business_csv

    assert samrad("db", "upgrade").exit_code == 0
    (tmp_path / "big.csv").write_text(business_csv(40_000), encoding="utf-8")
    command = [str(Path(sys.executable).parent / "samrad"), "business", "import", str(tmp_path / "big.csv")]
    began = time.monotonic()
    importing = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    waits: list[float] = []
    with closing(sqlite3.connect(tmp_path / "cli.db", isolation_level=None, timeout=5)) as web:
        while not waits or importing.poll() is None:
            started = time.monotonic()
            web.execute("BEGIN IMMEDIATE")
            web.execute("INSERT INTO audit_log (at, actor, action, target, detail) "
                        "VALUES ('2025-01-01 00:00:00', 'web', 'probe', '-', '{}')")
            web.execute("COMMIT")
            waits.append(time.monotonic() - started)
            time.sleep(0.05)
    took = time.monotonic() - began
    out, err = importing.communicate(timeout=120)
    assert importing.returncode == 0, err
    assert b"businesses: 40000 created" in out
    # A write waits at most about one batch of eight (under a second), never the whole import: one
    # transaction kept other writers out for all of it, past their 5 s busy timeout. On a machine so busy
    # that the import itself crawls, a batch takes longer too: the bound grows with the import's time.
    assert len(waits) > 5 and max(waits) < max(3.0, took / 4), (len(waits), max(waits), took)

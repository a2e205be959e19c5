"""`samrad backup FILE`: an online copy of the SQLite database, consistent while another connection writes."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from bot.settings import get_settings
from tests.bot.cli.test_cli import Run


def keys(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT key FROM settings WHERE key LIKE 'k%' ORDER BY key")]


def test_a_copy_taken_while_another_connection_writes_is_whole_and_consistent(samrad: Run, tmp_path: Path) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    database = tmp_path / "cli.db"
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany("INSERT INTO settings (key, value) VALUES (?, ?)",
                         [(f"k{i:06d}", "x" * 200) for i in range(2000)])  # committed before the copy
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:  # another process's writes, one commit each, all through the copy
        with closing(sqlite3.connect(database, timeout=10)) as conn:
            i = 2000
            while not stop.is_set():
                with conn:
                    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (f"k{i:06d}", "y" * 200))
                written.append(i)
                i += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 50:
            pass
        result = samrad("backup", str(tmp_path / "copy.db"))
        during = len(written)
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.stderr
    assert str(tmp_path / "copy.db") in result.stdout
    copy = tmp_path / "copy.db"
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file, no -wal beside it
    copied = keys(copy)
    # Every row committed before the copy began, and then an unbroken run: one moment of the database.
    assert copied == [f"k{i:06d}" for i in range(len(copied))]
    assert 2050 <= len(copied) <= 2000 + during + 1
    assert not list(tmp_path.glob(".copy.db.partial"))


def test_an_existing_file_is_kept_unless_force(samrad: Run, tmp_path: Path) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    target = tmp_path / "copy.db"
    target.write_text("yesterday's backup")

    refused = samrad("backup", str(target))
    assert refused.exit_code == 1 and refused.stderr == f"samrad: {target} exists; use --force to overwrite it\n"
    assert target.read_text() == "yesterday's backup"

    assert samrad("backup", str(target), "--force").exit_code == 0
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_postgresql_is_refused_in_one_line_pointing_to_pg_dump(
    samrad: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMRAD_DATABASE_URL", "postgresql://samrad:hemligt@db.example/samrad")
    get_settings.cache_clear()
    result = samrad("backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        'samrad: samrad backup copies SQLite databases; for PostgreSQL use: '
        'pg_dump --format=custom --file=FILE "$SAMRAD_DATABASE_URL"\n'
    )
    assert not (tmp_path / "copy.db").exists()


def test_a_missing_database_is_named_and_nothing_is_created(samrad: Run, tmp_path: Path) -> None:
    result = samrad("backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 1 and "there is no database at" in result.stderr
    assert not (tmp_path / "cli.db").exists() and not (tmp_path / "copy.db").exists()

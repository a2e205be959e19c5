"""`samrad backup FILE`: an online, consistent copy of the SQLite database.

sqlite3's backup API copies every page inside one read transaction, so the copy is the database as of
one moment while `samrad serve` goes on writing (under WAL, readers and writers do not block each other).
The copy is written beside FILE and renamed into place when complete: FILE is never half a database.
PostgreSQL has its own tool for this (pg_dump); the command says so instead of copying.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.cli import database
from bot.cli.errors import UserFacingError

PG_DUMP = 'pg_dump --format=custom --file=FILE "$SAMRAD_DATABASE_URL"'


def backup(url: str, target: Path, *, force: bool) -> str:
    source = database.sqlite_path(url)
    if source is None:
        if url.startswith("sqlite"):
            raise UserFacingError("an in-memory database cannot be backed up")
        raise UserFacingError(f"samrad backup copies SQLite databases; for PostgreSQL use: {PG_DUMP}")
    database.require_existing(url)
    target = target.expanduser().resolve()
    if target == source:
        raise UserFacingError(f"{target} is the database itself; choose another file")
    if target.exists() and not force:
        raise UserFacingError(f"{target} exists; use --force to overwrite it")
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)  # all pages in one step: one consistent moment
            # A copy that stands alone in one file, without the -wal and -shm files WAL mode would want.
            dst.execute("PRAGMA journal_mode=DELETE")
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise UserFacingError(f"backup to {target} failed: {error}") from None
    return f"database {source} copied to {target} ({target.stat().st_size} bytes)"

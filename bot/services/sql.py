"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET update-columns, on either backend."""
    dialect = conn.dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    statement = insert.on_conflict_do_update(
        index_elements=list(keys), set_={column: insert.excluded[column] for column in update}
    )
    conn.execute(statement, list(rows))


def insert_ignoring_duplicates(conn: Connection, table: sa.Table, row: dict[str, Any]) -> bool:
    """Insert a row unless it breaks a unique constraint; True when it was inserted."""
    dialect = conn.dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    result = conn.execute(insert.values(**row).on_conflict_do_nothing())
    return bool(result.rowcount)

"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def upsert_statement(dialect: str, table: sa.Table, *, keys: Sequence[str], update: Sequence[str]) -> sa.Insert:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET update-columns, for SQLite or PostgreSQL. Build it once
    and execute it with rows: constructing it is far costlier than running it."""
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(
        index_elements=list(keys), set_={column: insert.excluded[column] for column in update}
    )


def insert_ignoring_duplicates(conn: Connection, table: sa.Table, row: dict[str, Any]) -> bool:
    """Insert a row unless it breaks a unique constraint; True when it was inserted."""
    dialect = conn.dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    # RETURNING, not rowcount: psycopg reports rowcount -1 for ON CONFLICT DO NOTHING, duplicate or not.
    result = conn.execute(insert.values(**row).on_conflict_do_nothing().returning(sa.literal(1)))
    return result.first() is not None

"""Alembic environment: runs on the connection storage.migrate hands over, or on `-x url=…` from the CLI.

Types are rendered as plain SQLAlchemy types (UTCDateTime as `sa.DateTime(timezone=True)`, which is the
same DDL), so a migration file keeps meaning what it meant when written, whatever storage/types.py
becomes later.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import storage.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.db import is_sqlite, make_engine
from storage.types import UTCDateTime

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False  # alembic's default rendering


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=is_sqlite(connection),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:  # storage.migrate.upgrade: it owns the connection and the transaction
        run_on(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("no database: pass -x url=sqlite:///./samrad.db (or use `samrad db upgrade`)")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


def run_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or "sqlite://"
    context.configure(url=url, target_metadata=target_metadata, render_item=render_item,
                      literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

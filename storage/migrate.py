"""Applying the Alembic migrations from code, so `samrad db upgrade` works from an installed package
(no alembic.ini in the working directory)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL

from storage.db import is_sqlite, make_engine

__all__ = ["MigrationError", "alembic_config", "current_revision", "head_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x5A3D_0001  # PostgreSQL advisory lock key held while migrating


class MigrationError(RuntimeError):
    """A migration left the database inconsistent; it was rolled back."""


def alembic_config() -> Config:
    config = Config()
    # ConfigParser interpolates "%": escape it in case the install path contains one.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    """The newest migration shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "storage/migrations/versions has no migration"
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(target: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` in one transaction. Running it again does nothing."""
    engine = target if isinstance(target, Engine) else make_engine(target)
    try:
        with engine.connect() as connection:
            _upgrade_on(connection, revision)
    finally:
        if engine is not target:
            engine.dispose()


def _upgrade_on(connection: Connection, revision: str) -> None:
    sqlite = is_sqlite(connection)
    if sqlite:
        # SQLite alters a table by copying it and dropping the original (batch mode); with foreign keys
        # on, that DROP would cascade-delete child rows. The pragma only works outside a transaction,
        # hence on the raw driver connection before SQLAlchemy begins one.
        _sqlite_foreign_keys(connection, on=False)
    try:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                # Replicas started together all run `samrad db upgrade`: one migrates, the others wait
                # here, then find the database at head and do nothing.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if sqlite:
                violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if violations:
                    raise MigrationError(f"foreign keys broken by the migration: {violations[:5]}")
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")

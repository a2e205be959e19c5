"""The migrations build exactly the schema that storage/tables.py describes, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from sqlmodel import SQLModel

from storage.db import make_engine
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.tables import Setting, settings_table


def test_migrations_produce_exactly_the_models_schema(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_every_table_is_created(db_engine: Engine) -> None:
    names = set(inspect(db_engine).get_table_names())
    assert names == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_upgrade_again_changes_nothing_and_keeps_the_data(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        connection.execute(settings_table.insert().values(key="secret_key", value="s3cret"))
    upgrade(db_engine)
    upgrade(db_engine)
    assert current_revision(db_engine) == head_revision()
    with db_engine.connect() as connection:
        assert connection.execute(select(settings_table.c.value)).scalar_one() == "s3cret"


def test_upgrade_from_a_url_without_alembic_ini_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # as `samrad db upgrade` run from anywhere
    engine = make_engine("sqlite:///./fresh.db")
    assert current_revision(engine) is None
    upgrade("sqlite:///./fresh.db")
    assert current_revision(engine) == head_revision() == "0011_erased_sole_traders"
    engine.dispose()


def test_migrating_leaves_sqlite_foreign_keys_on(sqlite_engine: Engine) -> None:
    upgrade(sqlite_engine)
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_downgrade_to_base_removes_every_table(sqlite_engine: Engine) -> None:
    config = alembic_config()
    with sqlite_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(sqlite_engine).get_table_names()) == {"alembic_version"}
    upgrade(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(settings_table.insert().values(key="k", value="v"))
    assert Setting.__tablename__ == "settings"


@pytest.mark.postgres
def test_replicas_migrating_at_once_on_postgresql_take_turns(postgres_engine: Engine) -> None:
    """Two `samrad db upgrade` at the same moment on an empty database: one migrates, the other waits
    for it and then has nothing to do."""
    import secrets
    import threading

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    name = f"samrad_race_{secrets.token_hex(4)}"
    admin = create_engine(postgres_engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_engine.url.set(database=name)
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            upgrade(url)
        except BaseException as error:  # reported below
            errors.append(error)

    try:
        threads = [threading.Thread(target=migrate) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        engine = make_engine(url)
        assert current_revision(engine) == head_revision()
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

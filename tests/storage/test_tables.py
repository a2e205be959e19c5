"""Schema rules that every table, including future ones, must keep."""

from __future__ import annotations

from sqlalchemy import Table, UniqueConstraint
from sqlmodel import SQLModel

from storage import tables
from storage.tables import Answer, answers_table, core_table


def _leading_columns(table: Table) -> set[str]:
    """Columns that an index (or a unique constraint, which is an index) can look up on its own."""
    leading = {next(iter(index.columns)).name for index in table.indexes}
    leading |= {
        next(iter(constraint.columns)).name
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }
    return leading


def test_every_foreign_key_is_indexed_and_says_what_happens_on_delete() -> None:
    for table in SQLModel.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            column = foreign_key.parent.name
            assert column in _leading_columns(table), f"{table.name}.{column} has no index"
            assert foreign_key.ondelete in ("CASCADE", "SET NULL", "RESTRICT"), f"{table.name}.{column}"


def test_every_constraint_and_index_has_a_stable_name() -> None:
    for table in SQLModel.metadata.sorted_tables:
        for item in [*table.constraints, *table.indexes]:
            assert item.name, f"unnamed {type(item).__name__} on {table.name}"


def test_each_model_exposes_its_core_table() -> None:
    assert core_table(Answer) is answers_table
    assert answers_table.name == "answers"
    names = {value.name for value in vars(tables).values() if isinstance(value, Table)}
    assert names == set(SQLModel.metadata.tables)

"""The audit log is append-only in the database itself, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from bot.services.audit import record_row
from storage.tables import audit_log_table
from tests.conftest import TEST_NOW


def test_an_audit_entry_can_be_neither_changed_nor_deleted(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        record_row(conn, actor="anna@kommun.example [10.0.0.1]", action="contact.erase", target="contact:1", now=TEST_NOW)
    for statement in (
        audit_log_table.update().values(actor="someone else"),
        audit_log_table.delete(),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_engine.begin() as conn:
            conn.execute(statement)
    with db_engine.connect() as conn:
        assert conn.execute(sa.select(audit_log_table.c.actor)).scalars().all() == ["anna@kommun.example [10.0.0.1]"]

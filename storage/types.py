"""Column types shared by every table: UTC timestamps and JSON documents.

Both behave the same on SQLite and PostgreSQL, so the code above storage never has to know which
database it runs on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["JSONType", "UTCDateTime", "utcnow"]


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime: the default of every timestamp column."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant in time, always handed back as an aware datetime in UTC.

    PostgreSQL stores it as `timestamp with time zone`. SQLite has no such type, so the value is stored
    as naive UTC text: a fixed-width ISO format, so string comparison (`due_at <= :now`) orders correctly.
    Naive datetimes are refused on the way in: a naive value is ambiguous (local time? UTC?) and an
    answer's or a deadline's time must never silently shift by an hour or two.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(DateTime(timezone=False))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass an aware datetime (UTC)")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: stored as naive UTC
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)  # PostgreSQL: aware, in the session's time zone


# A JSON document: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere. Python None is stored
# as SQL NULL rather than the JSON literal `null`, so `column IS NULL` means "not set".
# SQLAlchemy does not notice in-place changes to a loaded dict or list: assign a new value instead.
JSONType: TypeEngine[Any] = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

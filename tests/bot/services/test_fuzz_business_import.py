"""Fuzzing the businesses CSV import (part of `make test`, bounded): arbitrary bytes and arbitrary rows
give a clean report (BusinessFileError) or a clean import, never another exception, and what is
imported is exactly what was read."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.services.business_file import (
    COLUMNS,
    BusinessFileError,
    decode_businesses_file,
    parse_businesses_csv,
)
from bot.services.businesses import import_businesses_in_batches
from storage.tables import businesses_table, contacts_table
from tests.bench_support import HEADER, business_row

FUZZ = settings(max_examples=100, deadline=2000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
NOW = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


@FUZZ
@given(data=st.binary(max_size=400) | st.builds(lambda b: HEADER.encode() + b"\n" + b, st.binary(max_size=300)))
def test_arbitrary_bytes_are_read_or_refused_cleanly(data: bytes) -> None:
    try:
        rows = parse_businesses_csv(decode_businesses_file(data))
    except BusinessFileError as error:
        assert error.problems and all(isinstance(p, str) and "\n" not in p for p in error.problems[:5])
    else:
        assert all(row.org_number and row.name for row in rows)


cell = st.one_of(st.text(max_size=12), st.sampled_from(["", "556016-0680", "sv", "en", "a@b.se", "=1+1", "\x00"]))


@FUZZ
@given(rows=st.lists(st.one_of(st.integers(min_value=0, max_value=50).map(business_row),
                               st.lists(cell, min_size=11, max_size=11).map(",".join)), max_size=8),
       separator=st.sampled_from([",", ";"]))
def test_arbitrary_rows_give_a_report_or_exactly_the_rows_read(
    sqlite_engine: Engine, rows: list[str], separator: str
) -> None:
    text = "\n".join([HEADER, *rows]) + "\n"
    if separator == ";":
        text = text.replace(",", ";") if all(";" not in row for row in rows) else text
    try:
        parsed = parse_businesses_csv(text)
    except BusinessFileError as error:
        assert error.problems
        return
    with sqlite_engine.begin() as conn:
        conn.execute(contacts_table.delete())
        conn.execute(businesses_table.delete())
    import_businesses_in_batches(sqlite_engine, parsed, now=NOW)
    with sqlite_engine.connect() as conn:
        stored = set(conn.execute(sa.select(businesses_table.c.org_number, businesses_table.c.name)).tuples())
        contacts = conn.execute(sa.select(sa.func.count()).select_from(contacts_table)).scalar_one()
    assert stored == {(row.org_number, row.name) for row in parsed}
    # A row naming a contact again (same e-mail, else same name) updates it rather than adding one.
    people = {(row.org_number, c.email or "", "" if c.email else c.name) for row in parsed for c in row.contacts}
    assert contacts == len(people)


@pytest.mark.parametrize("column", COLUMNS)
def test_the_fuzzed_header_is_the_real_one(column: str) -> None:
    assert column in HEADER.split(",")

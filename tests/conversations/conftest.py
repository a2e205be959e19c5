"""Every test of the core starts without the core's caches.

The engine keeps, per questionnaire object, its plan (with the prompts' rendered parts) and, per
question object, its option table; the month names are read into a table on first use. The questionnaires of these tests are module constants, so without
this the first test to use one would fill the caches and every later test would read what that test
built. A test must check the code it runs: mutation testing (docs/testing.md) runs the tests in a
process forked after a full run, where a mutant in `plan_for`, `_table` or the prompts would otherwise
never be called.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conversations import answers, plan


@pytest.fixture(autouse=True)
def _empty_caches() -> Iterator[None]:
    plan._PLANS.clear()
    answers._TABLES.clear()
    answers._MONTHS.clear()
    yield

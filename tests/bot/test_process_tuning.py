"""The garbage collector's set-up for long-running processes (bot/process_tuning.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.process_tuning import THRESHOLDS, settle_garbage_collector


@pytest.fixture
def collector_as_it_was() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_after_start_up_what_lives_is_frozen_and_the_young_collect_less_often(collector_as_it_was: None) -> None:
    long_lived = [object() for _ in range(100)]
    settle_garbage_collector()
    assert gc.get_freeze_count() >= len(long_lived)  # never walked by a collection again
    assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold()[0] > 700  # Python's default

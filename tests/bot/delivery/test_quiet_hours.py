"""Quiet hours in Stockholm time: evenings, nights and weekends."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest

from bot.delivery.quiet_hours import QuietHours

STOCKHOLM = "Europe/Stockholm"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def quiet() -> QuietHours:
    return QuietHours.parse("20:00-08:00", weekends=True, timezone=STOCKHOLM)


def test_evenings_nights_and_weekends_are_quiet(quiet: QuietHours) -> None:
    assert not quiet.is_quiet(utc(2025, 2, 27, 8, 0))  # Thursday 09:00
    assert quiet.is_quiet(utc(2025, 2, 27, 19, 0))  # Thursday 20:00
    assert quiet.is_quiet(utc(2025, 2, 28, 6, 59))  # Friday 07:59
    assert not quiet.is_quiet(utc(2025, 2, 28, 7, 0))  # Friday 08:00
    assert quiet.is_quiet(utc(2025, 3, 1, 12, 0))  # Saturday noon


def test_quiet_moments_move_to_the_next_working_morning(quiet: QuietHours) -> None:
    assert quiet.next_allowed(utc(2025, 2, 27, 10, 0)) == utc(2025, 2, 27, 10, 0)
    assert quiet.next_allowed(utc(2025, 2, 27, 20, 30)) == utc(2025, 2, 28, 7, 0)  # Friday 08:00
    assert quiet.next_allowed(utc(2025, 2, 28, 19, 30)) == utc(2025, 3, 3, 7, 0)  # Friday evening -> Monday
    # Across the change to summer time (30 March 2025): 08:00 local is 06:00 UTC on Monday 31 March.
    assert quiet.next_allowed(utc(2025, 3, 29, 12, 0)) == utc(2025, 3, 31, 6, 0)


def test_previous_allowed_stays_before_a_deadline(quiet: QuietHours) -> None:
    assert quiet.previous_allowed(utc(2025, 2, 27, 22, 0)) == utc(2025, 2, 27, 18, 59)  # 19:59 local
    assert quiet.previous_allowed(utc(2025, 3, 2, 12, 0)) == utc(2025, 2, 28, 18, 59)  # Sunday -> Friday


def test_spans_within_a_day_weekends_off_and_no_quiet_hours() -> None:
    lunch = QuietHours.parse("11:30-13:00", weekends=False, timezone=STOCKHOLM)
    assert lunch.is_quiet(utc(2025, 3, 1, 11, 0)) and not lunch.is_quiet(utc(2025, 3, 1, 12, 0))
    always = QuietHours.parse("off", weekends=False, timezone=STOCKHOLM)
    assert not always.is_quiet(utc(2025, 3, 1, 23, 0))


def test_a_span_off_the_hour_keeps_its_minutes() -> None:
    # 20:30-07:45 Stockholm (UTC+1 in February): spans on the hour would hide minutes read as 0.
    quiet = QuietHours.parse("20:30-07:45", weekends=False, timezone=STOCKHOLM)
    assert not quiet.is_quiet(utc(2025, 2, 27, 19, 29))  # 20:29
    assert quiet.is_quiet(utc(2025, 2, 27, 19, 30))  # 20:30
    assert quiet.is_quiet(utc(2025, 2, 28, 6, 44))  # 07:44
    assert not quiet.is_quiet(utc(2025, 2, 28, 6, 45))  # 07:45
    assert quiet.next_allowed(utc(2025, 2, 28, 5, 10)) == utc(2025, 2, 28, 6, 45)
    assert quiet.previous_allowed(utc(2025, 2, 27, 21, 0)) == utc(2025, 2, 27, 19, 29)


def test_a_span_within_the_day_with_minutes() -> None:
    lunch = QuietHours.parse(" 11:15 - 12:45 ", weekends=False, timezone=STOCKHOLM)
    assert not lunch.is_quiet(utc(2025, 2, 27, 10, 14))  # 11:14
    assert lunch.is_quiet(utc(2025, 2, 27, 10, 15))  # 11:15
    assert lunch.is_quiet(utc(2025, 2, 27, 11, 44))  # 12:44
    assert not lunch.is_quiet(utc(2025, 2, 27, 11, 45))  # 12:45
    assert lunch.next_allowed(utc(2025, 2, 27, 11, 0)) == utc(2025, 2, 27, 11, 45)


@pytest.mark.parametrize("span", ["off", "", "none", " Off "])
def test_no_night_span_still_keeps_weekends_quiet(span: str) -> None:
    quiet = QuietHours.parse(span, weekends=True, timezone=STOCKHOLM)
    assert quiet.is_quiet(utc(2025, 3, 1, 12, 0))  # Saturday noon
    assert quiet.is_quiet(utc(2025, 3, 2, 22, 0))  # Sunday 23:00
    assert quiet.is_quiet(utc(2025, 2, 28, 23, 30))  # Saturday 00:30 local, Friday in UTC
    assert not quiet.is_quiet(utc(2025, 2, 27, 23, 30))  # Friday 00:30 local
    assert not quiet.is_quiet(utc(2025, 2, 27, 22, 0))  # Thursday 23:00
    assert quiet.next_allowed(utc(2025, 3, 1, 12, 0)) == utc(2025, 3, 2, 23, 0)  # Monday 00:00
    assert quiet.previous_allowed(utc(2025, 3, 1, 12, 0)) == utc(2025, 2, 28, 22, 59)  # Friday 23:59


def test_weekends_are_quiet_only_when_asked() -> None:
    weekdays_only = QuietHours.parse("20:00-08:00", weekends=False, timezone=STOCKHOLM)
    assert not weekdays_only.is_quiet(utc(2025, 3, 1, 12, 0))  # Saturday noon
    assert weekdays_only.is_quiet(utc(2025, 3, 1, 20, 0))  # Saturday 21:00
    assert weekdays_only.next_allowed(utc(2025, 3, 1, 20, 0)) == utc(2025, 3, 2, 7, 0)  # Sunday 08:00


def test_times_are_read_in_the_municipalitys_zone() -> None:
    helsinki = QuietHours.parse("20:00-08:00", weekends=False, timezone="Europe/Helsinki")
    assert helsinki.is_quiet(utc(2025, 2, 27, 18, 30))  # 20:30 in Helsinki, 19:30 in Stockholm
    assert helsinki.zone.key == "Europe/Helsinki"


def test_the_last_and_first_minute_of_the_day_are_times_of_day() -> None:
    late = QuietHours.parse("23:59-00:00", weekends=False, timezone=STOCKHOLM)
    assert late.is_quiet(utc(2025, 2, 27, 22, 59)) and not late.is_quiet(utc(2025, 2, 27, 22, 58))
    day = QuietHours.parse("00:00-23:59", weekends=False, timezone=STOCKHOLM)
    assert day.is_quiet(utc(2025, 2, 27, 22, 58)) and not day.is_quiet(utc(2025, 2, 27, 22, 59))


def test_moments_are_given_in_whole_minutes_in_utc() -> None:
    quiet = QuietHours.parse("20:30-07:45", weekends=False, timezone=STOCKHOLM)
    before = quiet.previous_allowed(utc(2025, 2, 27, 21, 0, 45, 500))
    after = quiet.next_allowed(utc(2025, 2, 28, 5, 10, 45, 500))
    assert (before, after) == (utc(2025, 2, 27, 19, 29), utc(2025, 2, 28, 6, 45))
    assert before.tzinfo is dt.UTC and after.tzinfo is dt.UTC


def test_a_sunday_without_night_hours_waits_for_monday_midnight() -> None:
    quiet = QuietHours.parse("off", weekends=True, timezone=STOCKHOLM)
    assert quiet.next_allowed(utc(2025, 3, 2, 11, 0)) == utc(2025, 3, 2, 23, 0)  # Monday 00:00


@pytest.fixture
def server_in_sao_paulo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("server_in_sao_paulo")
def test_the_servers_own_time_zone_changes_nothing(quiet: QuietHours) -> None:
    assert quiet.next_allowed(utc(2025, 2, 27, 22, 30)) == utc(2025, 2, 28, 7, 0)  # Friday 08:00
    assert quiet.previous_allowed(utc(2025, 2, 27, 22, 0)) == utc(2025, 2, 27, 18, 59)  # 19:59
    assert quiet.previous_allowed(utc(2025, 3, 2, 12, 0)) == utc(2025, 2, 28, 18, 59)  # Sunday -> Friday


@pytest.mark.parametrize("span", ["8-20", "20:60-08:00", "20:00-24:00", "20:00-08:61", "24:00-08:00",
                                  "20:00-08:60", "25:00-08:00", "08:00-08:00", "evening"])
def test_bad_spans_are_refused_with_the_form_to_use(span: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        QuietHours.parse(span, weekends=True, timezone=STOCKHOLM)

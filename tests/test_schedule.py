"""Cron occurrences on the local wall clock: daylight saving time neither skips nor doubles a run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import BadInput
from domain.schedule import between, cron, next_after, zone


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(values: list[datetime]) -> list[str]:
    return [v.strftime("%Y-%m-%d %H:%M") for v in values]


def test_a_daily_run_inside_the_spring_gap_runs_once_an_hour_later() -> None:
    # Berlin, 28 March 2027: 02:00 CET -> 03:00 CEST; 02:30 does not exist that day
    runs = between("30 2 * * *", "Europe/Berlin", utc("2027-03-26 12:00"), utc("2027-03-29 12:00"))
    assert iso(runs) == ["2027-03-27 01:30", "2027-03-28 01:30", "2027-03-29 00:30"]


def test_a_daily_run_in_the_repeated_autumn_hour_runs_once_at_the_first() -> None:
    # Berlin, 31 October 2027: 03:00 CEST -> 02:00 CET; 02:30 happens twice that day
    runs = between("30 2 * * *", "Europe/Berlin", utc("2027-10-29 12:00"), utc("2027-11-01 12:00"))
    assert iso(runs) == ["2027-10-30 00:30", "2027-10-31 00:30", "2027-11-01 01:30"]


def test_hourly_runs_follow_the_wall_clock_over_both_changes() -> None:
    spring = between("0 * * * *", "Europe/Berlin", utc("2027-03-27 23:00"), utc("2027-03-28 22:00"))
    assert len(spring) == 23  # the day has 23 hours; 02:00 and 03:00 fall on one instant, run once
    assert len(set(spring)) == len(spring)
    autumn = between("0 * * * *", "Europe/Berlin", utc("2027-10-30 22:00"), utc("2027-10-31 23:00"))
    assert len(autumn) == 24  # the repeated 02:00 runs once
    assert len(set(autumn)) == len(autumn)


def test_other_zones_and_the_next_run() -> None:
    assert next_after("0 9 * * MON", "America/New_York", utc("2027-03-10 00:00")) == utc("2027-03-15 13:00")
    assert next_after("0 9 * * MON", "UTC", utc("2027-03-15 09:00")) == utc("2027-03-22 09:00")


@pytest.mark.parametrize("bad", ["61 * * * *", "* * *", "@reboot", "0 9 * * * *", "x"])
def test_bad_cron_expressions_are_refused(bad: str) -> None:
    with pytest.raises(BadInput):
        cron(bad)


def test_bad_zones_are_refused() -> None:
    for bad in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(BadInput):
            zone(bad)

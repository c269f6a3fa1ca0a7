"""Reporting periods for nil reports: ISO weeks or calendar months (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WEEKLY, MONTHLY = "weekly", "monthly"
DEFAULT_CADENCES = {"lodging": WEEKLY, "rt_rw": MONTHLY, "lurah": MONTHLY}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_containing(day: date, cadence: str) -> Period:
    """Return the week (Monday to Sunday) or calendar month that contains `day`."""
    if cadence == WEEKLY:
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6))
    if cadence == MONTHLY:
        start = day.replace(day=1)
        next_month = (start + timedelta(days=32)).replace(day=1)
        return Period(start, next_month - timedelta(days=1))
    raise ValueError(f"unknown cadence {cadence!r}")


def previous_period(period: Period, cadence: str) -> Period:
    """Return the period just before `period`."""
    return period_containing(period.start - timedelta(days=1), cadence)


def next_period(period: Period, cadence: str) -> Period:
    """Return the period just after `period`."""
    return period_containing(period.end + timedelta(days=1), cadence)

"""Nil-report periods at their edges."""

from datetime import date

from apoa.reports.periods import Period, next_period, period_containing, previous_period


def test_week_runs_monday_to_sunday():
    assert period_containing(date(2026, 11, 22), "weekly") == Period(
        date(2026, 11, 16), date(2026, 11, 22)
    )
    assert period_containing(date(2026, 11, 23), "weekly") == Period(
        date(2026, 11, 23), date(2026, 11, 29)
    )


def test_month_edges_and_leap_year():
    assert period_containing(date(2028, 2, 29), "monthly") == Period(
        date(2028, 2, 1), date(2028, 2, 29)
    )
    assert period_containing(date(2026, 12, 31), "monthly") == Period(
        date(2026, 12, 1), date(2026, 12, 31)
    )
    december = period_containing(date(2026, 12, 5), "monthly")
    assert next_period(december, "monthly").start == date(2027, 1, 1)
    assert previous_period(december, "monthly") == Period(date(2026, 11, 1), date(2026, 11, 30))

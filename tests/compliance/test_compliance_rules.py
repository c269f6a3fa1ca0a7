"""The pure compliance rules at the edges of their periods, with a fixed `now`.

See docs/compliance.md, Statuses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from apoa.compliance import rules
from apoa.compliance.models import ComplianceStatus as S
from apoa.regions.timezones import WIB, WIT, WITA

SECOND = timedelta(seconds=1)
# Wednesday 2026-11-18, 10:00 in Bali (WITA, UTC+8).
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=WITA)
WEEK = rules.thresholds(NOW, WITA, "weekly")
MONTH = rules.thresholds(NOW, WITA, "monthly")


def facts(**changes) -> rules.LedgerFacts:
    values = {
        "registered_at": datetime(2026, 1, 1, tzinfo=UTC),
        "last_report_at": NOW - timedelta(days=1),
        "last_late_at": None,
        "last_nil_period_end": None,
        "open_stays": 0,
        "next_check_out": None,
    }
    values.update(changes)
    return rules.LedgerFacts(**values)


def test_thresholds_use_local_weeks_and_months():
    assert WEEK.current.start == date(2026, 11, 16)  # Monday
    assert WEEK.previous == rules.Period(date(2026, 11, 9), date(2026, 11, 15))
    assert WEEK.previous_start == datetime(2026, 11, 9, tzinfo=WITA)
    assert MONTH.current.start == date(2026, 11, 1)
    assert MONTH.previous == rules.Period(date(2026, 10, 1), date(2026, 10, 31))


def test_the_period_turns_at_local_midnight_not_utc():
    # Sunday 23:30 in Jayapura is still Sunday there, though Monday has begun nowhere in UTC.
    sunday_night = datetime(2026, 11, 15, 23, 30, tzinfo=WIT)
    assert rules.thresholds(sunday_night, WIT, "weekly").current.start == date(2026, 11, 9)
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=WIT)
    assert rules.thresholds(monday, WIT, "weekly").current.start == date(2026, 11, 16)
    # The same instant is already Monday in Papua but still Sunday in Jakarta.
    assert rules.thresholds(monday, WIB, "weekly").current.start == date(2026, 11, 9)


@pytest.mark.parametrize(
    ("delay", "late"),
    [(timedelta(hours=24), False), (timedelta(hours=24) + SECOND, True), (timedelta(0), False)],
)
def test_a_report_is_late_only_after_the_deadline(delay, late):
    arrival = datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
    assert rules.is_late_report(arrival, arrival + delay) is late


def test_the_deadline_is_a_setting():
    arrival = datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
    reported = arrival + timedelta(hours=7)
    assert rules.is_late_report(arrival, reported, deadline_hours=6)
    assert not rules.is_late_report(arrival, reported, deadline_hours=24)


def test_a_check_out_is_overdue_after_the_day_plus_grace():
    expected = date(2026, 11, 16)
    # Due by the end of the 16th (local), plus 24 h of grace: overdue after 18 Nov 00:00 WITA.
    edge = datetime(2026, 11, 18, 0, 0, tzinfo=WITA)
    assert not rules.is_overdue_check_out(expected, edge, WITA)
    assert rules.is_overdue_check_out(expected, edge + SECOND, WITA)
    assert not rules.is_overdue_check_out(expected, edge - SECOND, WITA)
    # In another zone the same instant is an hour earlier: not yet overdue in Jakarta.
    assert not rules.is_overdue_check_out(expected, edge + SECOND, WIB)


def test_the_grace_is_a_setting():
    expected = date(2026, 11, 16)
    just_after_day = datetime(2026, 11, 17, 0, 0, 1, tzinfo=WITA)
    assert rules.is_overdue_check_out(expected, just_after_day, WITA, grace_hours=0)
    assert not rules.is_overdue_check_out(expected, just_after_day, WITA, grace_hours=24)


def test_never_reported_needs_a_whole_period_since_registration():
    fresh = facts(last_report_at=None, registered_at=WEEK.current_start)
    assert rules.status_of(fresh, WEEK) == S.COMPLIANT  # nothing was due yet
    older = facts(last_report_at=None, registered_at=WEEK.current_start - SECOND)
    assert rules.status_of(older, WEEK) == S.NEVER_REPORTED
    declared = facts(last_report_at=None, last_nil_period_end=date(2026, 11, 1))
    assert rules.status_of(declared, WEEK) != S.NEVER_REPORTED
    hosting = facts(last_report_at=None, open_stays=1)  # an open stay is a report
    assert rules.status_of(hosting, WEEK) != S.NEVER_REPORTED


def test_silent_when_the_last_period_passed_without_any_report():
    assert rules.status_of(facts(last_report_at=WEEK.previous_start), WEEK) == S.COMPLIANT
    assert rules.status_of(facts(last_report_at=WEEK.previous_start - SECOND), WEEK) == S.SILENT


def test_a_nil_report_for_the_last_period_is_not_silence():
    stale = WEEK.previous_start - timedelta(days=30)
    assert rules.status_of(facts(last_report_at=stale), WEEK) == S.SILENT
    covered = facts(last_report_at=stale, last_nil_period_end=WEEK.previous.end)
    assert rules.status_of(covered, WEEK) == S.COMPLIANT
    one_too_early = facts(
        last_report_at=stale, last_nil_period_end=WEEK.previous.end - timedelta(days=7)
    )
    assert rules.status_of(one_too_early, WEEK) == S.SILENT


def test_guests_staying_through_the_period_are_not_silence():
    stale = WEEK.previous_start - timedelta(days=30)
    staying = facts(last_report_at=stale, open_stays=2, next_check_out=date(2026, 12, 1))
    assert rules.status_of(staying, WEEK) == S.COMPLIANT


def test_monthly_places_have_a_month():
    # Reported on 2 October: silent for a weekly lodging, fine for a monthly RT/RW area.
    reported = datetime(2026, 10, 2, 9, 0, tzinfo=WITA)
    assert rules.status_of(facts(last_report_at=reported), WEEK) == S.SILENT
    assert rules.status_of(facts(last_report_at=reported), MONTH) == S.COMPLIANT
    assert rules.status_of(facts(last_report_at=MONTH.previous_start - SECOND), MONTH) == S.SILENT


def test_late_when_a_late_report_came_in_this_or_the_last_period():
    assert rules.status_of(facts(last_late_at=WEEK.previous_start), WEEK) == S.LATE
    earlier = facts(last_late_at=WEEK.previous_start - SECOND)
    assert rules.status_of(earlier, WEEK) == S.COMPLIANT


def test_late_when_a_check_out_is_overdue():
    cutoff = WEEK.overdue_on_or_before
    overdue = facts(open_stays=1, next_check_out=cutoff)
    assert rules.status_of(overdue, WEEK) == S.LATE
    due_later = facts(open_stays=1, next_check_out=cutoff + timedelta(days=1))
    assert rules.status_of(due_later, WEEK) == S.COMPLIANT


def test_the_worst_status_wins():
    never_and_overdue = facts(last_report_at=None, registered_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert rules.status_of(never_and_overdue, WEEK) == S.NEVER_REPORTED
    silent_and_late = facts(
        last_report_at=WEEK.previous_start - timedelta(days=3),
        last_late_at=WEEK.previous_start - timedelta(days=3),
    )
    assert rules.status_of(silent_and_late, WEEK) == S.SILENT


def test_reports_this_period_ignore_a_stale_counter():
    assert rules.reports_this_period(WEEK.current.start, 4, WEEK) == 4
    assert rules.reports_this_period(WEEK.previous.start, 4, WEEK) == 0
    assert rules.reports_this_period(None, 0, WEEK) == 0


def test_late_share():
    assert rules.late_share(1, 4) == 0.25
    assert rules.late_share(0, 0) is None


@pytest.mark.parametrize(
    ("expiry", "checked_out", "expired"),
    [
        (date(2026, 11, 20), date(2026, 11, 20), False),  # valid through the day it expires
        (date(2026, 11, 19), date(2026, 11, 20), True),
        (date(2026, 11, 12), None, True),  # open stay, expired before today
        (date(2026, 11, 18), None, False),  # expires today: still valid today
        (date(2026, 11, 17), None, True),
        (date(2026, 11, 1), date(2026, 11, 20), False),  # expired before arrival: not "during"
        (None, None, False),
    ],
)
def test_permit_expired_during_stay(expiry, checked_out, expired):
    result = rules.permit_expired_during_stay(
        expiry, date(2026, 11, 10), checked_out, today=date(2026, 11, 18)
    )
    assert result is expired


def test_one_passport_open_at_two_places():
    person = ("X1234567", "D", date(1980, 5, 17))
    stays = [
        rules.OpenStay(1, person, place_id=10, check_in=date(2026, 11, 1), check_out=None),
        rules.OpenStay(2, person, place_id=11, check_in=date(2026, 11, 5), check_out=None),
        rules.OpenStay(3, person, place_id=10, check_in=date(2026, 11, 6), check_out=None),
        rules.OpenStay(4, ("Y7", "F", date(1990, 1, 1)), 12, date(2026, 11, 5), None),
    ]
    assert rules.open_at_two_places(stays) == [(1, 2), (2, 3)]  # 1 and 3: same place


def test_leaving_and_arriving_on_the_same_day_is_not_two_places():
    person = ("X1234567", "D", date(1980, 5, 17))
    stays = [
        rules.OpenStay(1, person, 10, date(2026, 11, 1), date(2026, 11, 5)),
        rules.OpenStay(2, person, 11, date(2026, 11, 5), None),
    ]
    assert rules.open_at_two_places(stays) == []

"""Compliance rules C1-C6 (domain.md, section 5) as pure functions of plain values and `now`.

None reads the clock, the app or the database (house-style.md, section 3);
thresholds come in as arguments from the configuration
(REPORT_DEADLINE_HOURS, CHECKOUT_GRACE_HOURS). Local dates matter: a
weekly period ends on Sunday midnight in the place's own time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from apoa.compliance.models import ComplianceStatus
from apoa.reports.periods import Period, period_containing, previous_period

# Rule C4 is about a stay: it lives with the stay rules (the guest list marks it too) and
# is part of the compliance rules as well.
from apoa.reports.rules import DEFAULT_GRACE_HOURS as DEFAULT_GRACE_HOURS
from apoa.reports.rules import is_overdue_check_out as is_overdue_check_out
from apoa.reports.rules import overdue_cutoff as overdue_cutoff
from apoa.reports.rules import stays_overlap

DEFAULT_DEADLINE_HOURS = 24


@dataclass(frozen=True)
class LedgerFacts:
    """What the rules need to know about one reporting place (a lodging or an area)."""

    registered_at: datetime
    last_report_at: datetime | None
    last_late_at: datetime | None
    last_nil_period_end: date | None
    open_stays: int
    next_check_out: date | None


@dataclass(frozen=True)
class Thresholds:
    """Where each status begins for one time zone and cadence at one moment.

    Computed once per page from `now` (`thresholds`), then applied to every row,
    in Python (`status_of`) or in SQL (apoa.compliance.queries) alike.
    """

    current: Period
    previous: Period
    current_start: datetime  # the instants the periods start, in UTC-aware form
    previous_start: datetime
    overdue_on_or_before: date  # an open stay expected to leave on or before this is overdue


def local_start(day: date, zone: tzinfo) -> datetime:
    """Return the instant a local day begins."""
    return datetime.combine(day, time.min, tzinfo=zone)


def is_late_report(
    happened_at: datetime, reported_at: datetime, *, deadline_hours: int = DEFAULT_DEADLINE_HOURS
) -> bool:
    """Return whether an arrival or departure was reported after the deadline (rule C1)."""
    return reported_at - happened_at > timedelta(hours=deadline_hours)


def thresholds(
    now: datetime, zone: tzinfo, cadence: str, *, grace_hours: int = DEFAULT_GRACE_HOURS
) -> Thresholds:
    """Return the periods and cut-offs that decide statuses at `now` in one time zone."""
    today = now.astimezone(zone).date()
    current = period_containing(today, cadence)
    previous = previous_period(current, cadence)
    return Thresholds(
        current=current,
        previous=previous,
        current_start=local_start(current.start, zone),
        previous_start=local_start(previous.start, zone),
        overdue_on_or_before=overdue_cutoff(now, zone, grace_hours=grace_hours),
    )


def is_never_reported(facts: LedgerFacts, limits: Thresholds) -> bool:
    """No report and no nil report at all, though a whole period has ended since registration."""
    return (
        facts.last_report_at is None
        and facts.last_nil_period_end is None
        and facts.open_stays == 0
        and facts.registered_at < limits.current_start
    )


def is_silent(facts: LedgerFacts, limits: Thresholds) -> bool:
    """The last ended period passed with no report, no open stay and no nil report (rule C3)."""
    if facts.open_stays > 0 or facts.registered_at >= limits.current_start:
        return False
    reported = facts.last_report_at is not None and facts.last_report_at >= limits.previous_start
    declared = (
        facts.last_nil_period_end is not None and facts.last_nil_period_end >= limits.previous.end
    )
    return not (reported or declared)


def is_late(facts: LedgerFacts, limits: Thresholds) -> bool:
    """A late report in the current or the last ended period, or an overdue check-out (C1, C4)."""
    late_lately = facts.last_late_at is not None and facts.last_late_at >= limits.previous_start
    overdue = (
        facts.open_stays > 0
        and facts.next_check_out is not None
        and facts.next_check_out <= limits.overdue_on_or_before
    )
    return late_lately or overdue


def status_of(facts: LedgerFacts, limits: Thresholds) -> ComplianceStatus:
    """Return the worst status that applies: never reported, silent, late or compliant."""
    if is_never_reported(facts, limits):
        return ComplianceStatus.NEVER_REPORTED
    if is_silent(facts, limits):
        return ComplianceStatus.SILENT
    if is_late(facts, limits):
        return ComplianceStatus.LATE
    return ComplianceStatus.COMPLIANT


def reports_this_period(period_start: date | None, period_reports: int, limits: Thresholds) -> int:
    """Return the reports counted in the current period (a stale counter counts none)."""
    return period_reports if period_start == limits.current.start else 0


def late_share(late: int, total: int) -> float | None:
    """Return the share of late reports, or None when nothing was reported."""
    return late / total if total else None


def permit_expired_during_stay(
    permit_expiry: date | None,
    check_in: date,
    checked_out: date | None,
    *,
    today: date,
) -> bool:
    """Return whether the permit ended while the guest was still staying (rule C5).

    A permit is valid through its expiry date; an open stay is measured against today.
    """
    if permit_expiry is None:
        return False
    last_night = checked_out if checked_out is not None else today
    return check_in <= permit_expiry < last_night


@dataclass(frozen=True)
class OpenStay:
    """An open stay as rule C6 sees it: who (person key), where, and from when to when."""

    stay_id: int
    person_key: tuple[str, str, date]  # passport number, nationality, birth date
    place_id: int  # lodging id, or the location of an area report
    check_in: date
    check_out: date | None


def open_at_two_places(stays: Iterable[OpenStay]) -> list[tuple[int, int]]:
    """Return pairs of stay ids: one passport open at two places on a shared night (rule C6).

    The same place twice is a duplicate report, not this rule.
    """
    by_person: dict[tuple[str, str, date], list[OpenStay]] = {}
    for stay in stays:
        by_person.setdefault(stay.person_key, []).append(stay)
    pairs: list[tuple[int, int]] = []
    for group in by_person.values():
        ordered: Sequence[OpenStay] = sorted(group, key=lambda s: s.stay_id)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if a.place_id != b.place_id and stays_overlap(
                    a.check_in, a.check_out, b.check_in, b.check_out
                ):
                    pairs.append((a.stay_id, b.stay_id))
    return pairs

"""The compliance statuses in SQL: the rules of `apoa.compliance.rules`, applied to ledger rows.

A status depends on `now`, the place's time zone and its kind's cadence, so
`LedgerColumns(now)` computes the thresholds once per zone and cadence in
Python (with the pure rules) and turns them into CASE expressions; the
database then filters, counts and sorts a whole office's ledger in one
indexed pass. tests/compliance/test_summaries_maintained.py checks that SQL and Python agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from apoa.compliance import rules
from apoa.compliance.models import ComplianceStatus, Ledger
from apoa.compliance.settings import KINDS, grace_hours
from apoa.db import UTCDateTime
from apoa.extensions import db
from apoa.regions.timezones import (
    WIB,
    WIT,
    WIT_PROVINCES,
    WITA,
    WITA_PROVINCES,
    timezone_for_region,
)
from apoa.reports.cadences import cadence_for
from apoa.reports.models import Stay, StayStatus
from apoa.scoping import of_office

STATUS_ORDER = (
    ComplianceStatus.NEVER_REPORTED,
    ComplianceStatus.SILENT,
    ComplianceStatus.LATE,
    ComplianceStatus.COMPLIANT,
)


def zones_of(code: Any) -> list[tuple[Any, sa.ColumnElement[bool]]]:
    """Each time zone with the SQL test that a region code lies in it, WIB last (the rest).

    The SQL twin of `apoa.regions.timezones.timezone_for_region`: every query that
    needs a place's local day or period builds its CASE from this one list.
    """
    province = sa.func.substr(code, 1, 2)
    return [
        (WITA, province.in_(sorted(WITA_PROVINCES))),
        (WIT, province.in_(sorted(WIT_PROVINCES))),
        (WIB, sa.true()),  # everything else, and places without a region code
    ]


def zone_case(code: Any, value: Callable[[Any], Any]) -> sa.ColumnElement[Any]:
    """A CASE giving `value(zone)` for the time zone a region code lies in."""
    *zones, (wib, _) = zones_of(code)
    return sa.case(*((test, value(zone)) for zone, test in zones), else_=value(wib))


def _zones() -> list[tuple[Any, sa.ColumnElement[bool]]]:
    return zones_of(Ledger.village_code)


class LedgerColumns:
    """SQL expressions for one moment: status, its rank, reports this period, overdue cut-off."""

    def __init__(self, now: datetime, cadences: dict[str, str] | None = None) -> None:
        self.now = now
        self.cadences = cadences or {kind: cadence_for(kind) for kind in KINDS}
        grace = grace_hours()
        self.limits = {
            (zone.key, kind): rules.thresholds(now, zone, cadence, grace_hours=grace)
            for zone, _ in _zones()
            for kind, cadence in self.cadences.items()
        }

    def _case(self, value: Callable[[rules.Thresholds], Any]) -> sa.ColumnElement[Any]:
        whens = [
            (sa.and_(in_zone, Ledger.kind == kind), value(self.limits[(zone.key, kind)]))
            for zone, in_zone in _zones()
            for kind in self.cadences
        ]
        return sa.case(*whens, else_=sa.null())

    def status(self) -> sa.ColumnElement[str]:
        """The status as rules.status_of would give it, worst first."""
        return self._case(_status_sql)

    def rank(self) -> sa.ColumnElement[int]:
        """0 for never reported … 3 for compliant: sorts the worst first."""
        order = {name.value: index for index, name in enumerate(STATUS_ORDER)}
        return sa.case(order, value=self.status(), else_=9)

    def period_start(self) -> sa.ColumnElement[Any]:
        """The local first day of the place's current cadence period."""
        return self._case(lambda t: sa.literal(t.current.start, sa.Date))

    def period_began(self) -> sa.ColumnElement[Any]:
        """The instant the place's current cadence period began (UTC)."""
        return self._case(lambda t: sa.literal(t.current_start, UTCDateTime))

    def reports_this_period(self) -> sa.ColumnElement[int]:
        return self._case(
            lambda t: sa.case(
                (Ledger.period_start == t.current.start, Ledger.period_reports), else_=0
            )
        )

    def late_share(self) -> sa.ColumnElement[float]:
        return sa.case(
            (Ledger.reports_total > 0, Ledger.late_total * 1.0 / Ledger.reports_total),
            else_=sa.null(),
        )

    def overdue_cutoff(self) -> sa.ColumnElement[Any]:
        return self._case(lambda t: sa.literal(t.overdue_on_or_before, sa.Date))

    def overdue_check_outs(self) -> sa.ColumnElement[int]:
        """Open stays past their expected check-out plus grace, counted per place (rule C4).

        A correlated count over the place's open stays (covering index lodging/reporter
        + status + expected check-out), made only where the ledger's earliest expected
        check-out says there is something to count: sorting an office's 30,000 places
        by it then takes about 100 ms instead of 1.5 s (docs/benchmarks.md).
        """
        cutoff = self.overdue_cutoff()
        open_overdue = sa.and_(Stay.status == StayStatus.OPEN, Stay.expected_check_out <= cutoff)
        by_lodging = (
            sa.select(sa.func.count(Stay.id))
            .where(Stay.lodging_id == Ledger.lodging_id, open_overdue)
            .scalar_subquery()
        )
        by_area = (
            sa.select(sa.func.count(Stay.id))
            .where(Stay.reporter_id == Ledger.reporter_id, Stay.lodging_id.is_(None), open_overdue)
            .scalar_subquery()
        )
        return sa.case(
            (Ledger.open_stays == 0, 0),
            (sa.or_(Ledger.next_check_out.is_(None), Ledger.next_check_out > cutoff), 0),
            (Ledger.lodging_id.is_not(None), by_lodging),
            else_=by_area,
        )


def _status_sql(t: rules.Thresholds) -> sa.ColumnElement[str]:
    settled = Ledger.registered_at < t.current_start
    no_open = Ledger.open_stays == 0
    never = sa.and_(
        Ledger.last_report_at.is_(None),
        Ledger.last_nil_period_end.is_(None),
        no_open,
        settled,
    )
    reported = sa.and_(
        Ledger.last_report_at.is_not(None), Ledger.last_report_at >= t.previous_start
    )
    declared = sa.and_(
        Ledger.last_nil_period_end.is_not(None), Ledger.last_nil_period_end >= t.previous.end
    )
    silent = sa.and_(no_open, settled, sa.not_(reported), sa.not_(declared))
    late = sa.or_(
        sa.and_(Ledger.last_late_at.is_not(None), Ledger.last_late_at >= t.previous_start),
        sa.and_(
            Ledger.open_stays > 0,
            Ledger.next_check_out.is_not(None),
            Ledger.next_check_out <= t.overdue_on_or_before,
        ),
    )
    return sa.case(
        (never, ComplianceStatus.NEVER_REPORTED.value),
        (silent, ComplianceStatus.SILENT.value),
        (late, ComplianceStatus.LATE.value),
        else_=ComplianceStatus.COMPLIANT.value,
    )


def ledgers_of_office(office_id: int | None) -> sa.Select[Ledger]:
    """Active ledgers of one office (None: every office, for admins' national figures)."""
    return sa.select(Ledger).where(
        Ledger.is_active.is_(True), of_office(Ledger.office_id, office_id)
    )


def status_counts(office_id: int | None, now: datetime) -> dict[str, int]:
    """Return how many active places of an office (or the country) have each status."""
    columns = LedgerColumns(now)
    status = columns.status().label("status")
    query = ledgers_of_office(office_id).with_only_columns(status, sa.func.count()).group_by(status)
    counts = {name.value: 0 for name in STATUS_ORDER}
    for name, count in db.session.execute(query):
        counts[name] = int(count)
    return counts


def compliance_rate(counts: dict[str, int]) -> float | None:
    """Share of places that are compliant, or None when there are none."""
    total = sum(counts.values())
    return counts.get(ComplianceStatus.COMPLIANT.value, 0) / total if total else None


def facts_of_ledger(ledger: Ledger) -> rules.LedgerFacts:
    """The plain values the pure rules take, from one ledger row."""
    return rules.LedgerFacts(
        registered_at=ledger.registered_at,
        last_report_at=ledger.last_report_at,
        last_late_at=ledger.last_late_at,
        last_nil_period_end=ledger.last_nil_period_end,
        open_stays=ledger.open_stays,
        next_check_out=ledger.next_check_out,
    )


def status_of_ledger(ledger: Ledger, now: datetime) -> ComplianceStatus:
    """The status of one place, computed in Python with the pure rules."""
    limits = rules.thresholds(
        now,
        timezone_for_region(ledger.village_code),
        cadence_for(ledger.kind),
        grace_hours=grace_hours(),
    )
    return rules.status_of(facts_of_ledger(ledger), limits)

"""Keep the compliance summaries equal to the reports, in the caller's transaction.

`apoa.compliance.projection` calls these when the reports, lodgings and accounts
announce a change (apoa/signals.py), inside the writer's transaction, so the
ledger, the office days and the presence counts never lag the stays.
`apoa.compliance.rebuild.rebuild_all` recomputes all three from the stays, for
bulk loads and as a repair (`flask apoa rebuild-summaries`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from apoa.accounts.models import ReporterKind, Role, User
from apoa.compliance import rules
from apoa.compliance.models import Ledger, OfficeDay, PresenceCount
from apoa.compliance.queries import LedgerColumns
from apoa.compliance.settings import AREA_KINDS, deadline_hours
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging, LodgingStatus
from apoa.regions.routing import office_for_region
from apoa.regions.timezones import timezone_for_region
from apoa.reports.cadences import cadence_for
from apoa.reports.events import ReportFacts, StayChange, StayState
from apoa.reports.models import Receipt, ReceiptKind, Stay, StayStatus
from apoa.scoping import office_key
from apoa.upserts import add_counts

# ---------------------------------------------------------------- ledger rows


def _area_office(code: str | None) -> int:
    return office_key(office_for_region(code))


def ledger_for_lodging(lodging_id: int) -> Ledger | None:
    return db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging_id))


def ledger_for_area(reporter_id: int) -> Ledger | None:
    return db.session.scalar(
        sa.select(Ledger).where(Ledger.reporter_id == reporter_id, Ledger.lodging_id.is_(None))
    )


def lodging_verified(lodging: Lodging, *, now: datetime) -> Ledger:
    """Open (or reopen) the ledger of a lodging once an officer verified it."""
    location = lodging.location
    ledger = ledger_for_lodging(lodging.id)
    if ledger is None:
        ledger = Ledger(
            reporter_id=lodging.operator_id,
            lodging_id=lodging.id,
            kind=ReporterKind.LODGING,
            registered_at=now,
        )
        db.session.add(ledger)
    ledger.is_active = True
    ledger.office_id = office_key(location.office_id)
    ledger.district_code = (location.region_code or "")[:6] or None
    ledger.village_code = location.region_code
    db.session.flush()
    return ledger


def lodging_rejected(lodging: Lodging) -> None:
    """A rejected lodging no longer has to report."""
    ledger = ledger_for_lodging(lodging.id)
    if ledger is not None:
        ledger.is_active = False


def account_changed(user: User, *, now: datetime) -> None:
    """Follow an account's kind, area and activity onto its ledger rows.

    Area reporters (RT/RW, lurah) have one row for their area; a lodging
    operator's rows belong to the lodgings and follow the account's activity.
    """
    active = user.is_active_account and user.role == Role.REPORTER
    area = ledger_for_area(user.id)
    if user.role == Role.REPORTER and user.reporter_kind in AREA_KINDS and user.area_code:
        if area is None:
            area = Ledger(reporter_id=user.id, lodging_id=None, registered_at=now)
            db.session.add(area)
        area.kind = user.reporter_kind
        area.office_id = _area_office(user.area_code)
        area.district_code = user.area_code[:6]
        area.village_code = user.area_code
        area.is_active = active
    elif area is not None:
        area.is_active = False
    if user.role != Role.REPORTER or user.reporter_kind == ReporterKind.LODGING:
        verified = sa.select(Lodging.id).where(
            Lodging.operator_id == user.id, Lodging.status == LodgingStatus.VERIFIED
        )
        db.session.execute(
            sa.update(Ledger)
            .where(Ledger.lodging_id.in_(verified))
            .values(is_active=active and user.reporter_kind == ReporterKind.LODGING)
        )
    db.session.flush()


def reroute_areas(codes: Iterable[str]) -> None:
    """Recompute the office of area ledgers inside regions whose jurisdiction changed."""
    prefixes = sorted(set(codes))
    if not prefixes:
        return
    rows = db.session.scalars(
        sa.select(Ledger).where(
            Ledger.lodging_id.is_(None),
            sa.or_(*(Ledger.village_code.startswith(p) for p in prefixes)),
        )
    )
    for ledger in rows:
        ledger.office_id = _area_office(ledger.village_code)


def place_moved(location: Location, changes: Iterable[StayChange]) -> None:
    """Follow a location routed to another office or region: its ledger and its stays' counts."""
    lodging_id = db.session.scalar(sa.select(Lodging.id).where(Lodging.location_id == location.id))
    ledger = ledger_for_lodging(lodging_id) if lodging_id else None
    if ledger is not None:
        ledger.office_id = office_key(location.office_id)
        ledger.district_code = (location.region_code or "")[:6] or None
        ledger.village_code = location.region_code
    stays_changed(changes)


# ---------------------------------------------------------------- reports


def _ledger_of(reporter_id: int, lodging_id: int | None) -> Ledger | None:
    return ledger_for_lodging(lodging_id) if lodging_id else ledger_for_area(reporter_id)


def report_made(report: ReportFacts, *, now: datetime) -> bool:
    """Count one check-in or check-out report; return whether it came late (rule C1)."""
    days, late = _count_report(report, now=now, arrivals=())
    add_counts(OfficeDay, ("office_id", "day"), days)
    return late


def _count_report(
    report: ReportFacts, *, now: datetime, arrivals: Iterable[StayState]
) -> tuple[list[dict[str, Any]], bool]:
    """Count a report on its place's ledger, in one UPDATE; return its office-day row and lateness.

    `arrivals` are the stays the report opened: the ledger's open stays and earliest
    expected check-out follow them without a recount. The UPDATE adds to what the row
    holds when it runs, so two reports for one place at once both count.
    """
    if report.happened_at is None:
        raise ValueError("a check-in or check-out report says when it happened")
    late = rules.is_late_report(report.happened_at, now, deadline_hours=deadline_hours())
    zone = timezone_for_region(report.region_code)
    period = rules.thresholds(now, zone, cadence_for(report.reporter_kind)).current
    values: dict[str, Any] = {
        "period_reports": sa.case(
            (Ledger.period_start == _bound(Ledger.period_start, period.start),
             Ledger.period_reports + 1),
            else_=1,
        ),
        "period_start": period.start,
        "reports_total": Ledger.reports_total + 1,
        "last_report_at": _greatest(Ledger.last_report_at, now),
    }  # fmt: skip
    if late:
        values.update(late_total=Ledger.late_total + 1, last_late_at=now)
    opened = list(arrivals)
    if opened:
        values["open_stays"] = Ledger.open_stays + len(opened)
        values["next_check_out"] = _least(
            Ledger.next_check_out, min(state.expected_check_out for state in opened)
        )
    _update_ledgers(_ledger_clause(report.reporter_id, report.lodging_id), values)
    day = {
        "office_id": office_key(report.office_id),
        "day": now.astimezone(zone).date(),
        "reports": 1,
        "late_reports": int(late),
    }
    return [day], late


def _ledger_clause(reporter_id: int, lodging_id: int | None) -> Any:
    if lodging_id:
        return Ledger.lodging_id == lodging_id
    return sa.and_(Ledger.reporter_id == reporter_id, Ledger.lodging_id.is_(None))


def _bound(column: Any, value: Any) -> Any:
    # Typed by the column, so a UTC instant is stored as the column stores it on either engine.
    return sa.bindparam(None, value, type_=column.type)


def _greatest(column: Any, value: Any) -> Any:
    """The later of a nullable column and a value (GREATEST is PostgreSQL's, MAX SQLite's)."""
    bound = _bound(column, value)
    return sa.case((sa.or_(column.is_(None), column < bound), bound), else_=column)


def _least(column: Any, value: Any) -> Any:
    bound = _bound(column, value)
    return sa.case((sa.or_(column.is_(None), column > bound), bound), else_=column)


def nil_report_filed(report: ReportFacts, *, period_end: date, now: datetime) -> None:
    """Record a nil report on the place's ledger and the office's day."""
    office_id, region_code = report.office_id, report.region_code
    ledger = _ledger_of(report.reporter_id, report.lodging_id)
    if ledger is not None:
        ledger.last_nil_at = now
        ledger.last_nil_period_end = max(ledger.last_nil_period_end or period_end, period_end)
    zone = timezone_for_region(region_code)
    add_counts(
        OfficeDay,
        ("office_id", "day"),
        [
            {
                "office_id": office_key(office_id),
                "day": now.astimezone(zone).date(),
                "nil_reports": 1,
            }
        ],
    )


def recount_period(kind: str, cadence: str, *, now: datetime) -> None:
    """Recount "reports this period" of one kind after admins changed its cadence.

    Counts the check-in and check-out receipts issued since the new period began,
    in each place's time zone: one UPDATE per kind of place, counted by the
    database from the receipts' (lodging, issued_at) and (reporter, issued_at)
    indexes, so a whole country's ledgers need no round trip per place.
    """
    columns = LedgerColumns(now, cadences={kind: cadence})
    reports = sa.select(sa.func.count(Receipt.id)).where(
        Receipt.kind.in_([ReceiptKind.CHECK_IN, ReceiptKind.CHECK_OUT]),
        Receipt.issued_at >= columns.period_began(),
    )
    at_lodging = reports.where(Receipt.lodging_id == Ledger.lodging_id)
    in_area = reports.where(Receipt.reporter_id == Ledger.reporter_id, Receipt.lodging_id.is_(None))
    for of_place, count in (
        (Ledger.lodging_id.is_not(None), at_lodging),
        (Ledger.lodging_id.is_(None), in_area),
    ):
        db.session.execute(
            sa.update(Ledger)
            .where(Ledger.kind == kind, of_place)
            .values(
                period_start=columns.period_start(),
                period_reports=count.correlate(Ledger).scalar_subquery(),
            )
        )


# ---------------------------------------------------------------- stays


@dataclass(frozen=True)
class StayFacts:
    """What a stay contributes to the office days and the presence counts."""

    office_id: int
    nationality: str
    permit_type: str
    district: str
    arrival_day: date
    departure_day: date | None
    is_open: bool


def facts_of(state: StayState | None) -> StayFacts | None:
    """Return a stay's contribution in a state (None: cancelled or absent, it counts nowhere)."""
    if state is None or state.is_cancelled:
        return None
    zone = timezone_for_region(state.region_code)
    return StayFacts(
        office_id=office_key(state.office_id),
        nationality=state.nationality,
        permit_type=state.permit_type,
        district=(state.region_code or "")[:6],
        arrival_day=state.check_in_at.astimezone(zone).date(),
        departure_day=state.checked_out_at.astimezone(zone).date()
        if state.checked_out_at
        else None,
        is_open=state.is_open,
    )


def _contribution(facts: StayFacts, sign: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    days = [{"office_id": facts.office_id, "day": facts.arrival_day, "arrivals": sign}]
    if facts.departure_day is not None:
        days.append({"office_id": facts.office_id, "day": facts.departure_day, "departures": sign})
    presence = []
    if facts.is_open:
        for dimension, key in (
            ("nationality", facts.nationality),
            ("permit", facts.permit_type),
            ("district", facts.district),
        ):
            presence.append(
                {"office_id": facts.office_id, "dimension": dimension, "key": key, "n": sign}
            )
    return days, presence


def stays_changed(changes: Iterable[StayChange]) -> None:
    """Move each changed stay's contribution from its old state to its new one."""
    days, presence = _moves(changes)
    add_counts(OfficeDay, ("office_id", "day"), days)
    add_counts(PresenceCount, ("office_id", "dimension", "key"), presence)


def _moves(changes: Iterable[StayChange]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    days: list[dict[str, Any]] = []
    presence: list[dict[str, Any]] = []
    for old, new in changes:
        before, after = facts_of(old), facts_of(new)
        if before == after:
            continue
        for facts, sign in ((before, -1), (after, +1)):
            if facts is not None:
                d, p = _contribution(facts, sign)
                days += d
                presence += p
    return days, presence


def report_changed_stays(
    changes: Sequence[StayChange], report: ReportFacts | None, *, now: datetime
) -> None:
    """Follow a report and the stays it changed: one upsert per summary table, one ledger UPDATE.

    When the report only opened stays (a check-in), the place's open stays are counted
    on from the new ones; any other change recounts them from the stays.
    """
    days, presence = _moves(changes)
    arrivals_only = all(before is None and after is not None and after.is_open
                        for before, after in changes)  # fmt: skip
    if report is not None:
        opened = [after for _, after in changes if after is not None] if arrivals_only else []
        report_days, _ = _count_report(report, now=now, arrivals=opened)
        days += report_days
    add_counts(OfficeDay, ("office_id", "day"), days)
    add_counts(PresenceCount, ("office_id", "dimension", "key"), presence)
    if report is not None and arrivals_only:
        return
    places = {(state.reporter_id, state.lodging_id)
              for change in changes for state in change if state is not None}  # fmt: skip
    for reporter_id, lodging_id in sorted(places, key=repr):
        refresh_open_stays(reporter_id, lodging_id)


def refresh_open_stays(reporter_id: int, lodging_id: int | None) -> None:
    """Recount a place's open stays and their earliest expected check-out, in one UPDATE."""
    of_place = (
        Stay.lodging_id == lodging_id
        if lodging_id
        else sa.and_(Stay.reporter_id == reporter_id, Stay.lodging_id.is_(None))
    )
    open_here = sa.and_(Stay.status == StayStatus.OPEN, of_place)
    db.session.flush()
    _update_ledgers(
        _ledger_clause(reporter_id, lodging_id),
        {
            "open_stays": sa.select(sa.func.count(Stay.id)).where(open_here).scalar_subquery(),
            "next_check_out": sa.select(sa.func.min(Stay.expected_check_out))
            .where(open_here)
            .scalar_subquery(),
        },
    )


def _update_ledgers(where: Any, values: dict[str, Any]) -> None:
    """One UPDATE in SQL; ledgers already loaded in this session are expired, to be read again."""
    db.session.execute(
        sa.update(Ledger).where(where).values(values).execution_options(synchronize_session=False)
    )
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, Ledger):
            db.session.expire(loaded)

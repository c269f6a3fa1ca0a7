"""Keep the compliance summaries equal to the reports, in the caller's transaction.

The report services call these after each change (house-style.md: services
flush, the view commits once), so the ledger, the office days and the
presence counts never lag the stays. `rebuild()` recomputes all three from
the stays, for bulk loads and as a repair (`flask apoa rebuild-summaries`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from apoa.accounts.models import ReporterKind, Role, User
from apoa.compliance import rules
from apoa.compliance.models import NO_OFFICE, Ledger, OfficeDay, PresenceCount
from apoa.extensions import db
from apoa.regions.timezones import timezone_for_region

AREA_KINDS = (ReporterKind.RT_RW, ReporterKind.LURAH)


def deadline_hours() -> int:
    return int(current_app.config.get("REPORT_DEADLINE_HOURS", rules.DEFAULT_DEADLINE_HOURS))


def grace_hours() -> int:
    return int(current_app.config.get("CHECKOUT_GRACE_HOURS", rules.DEFAULT_GRACE_HOURS))


def _insert(model: type) -> sa.Insert:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def _add_counts(model: type, keys: tuple[str, ...], rows: Iterable[dict[str, int | str | date]]):
    """Add each row's numbers to the row with the same key, creating it when missing."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        acc = merged.setdefault(key, {k: row[k] for k in keys})
        for name, value in row.items():
            if name not in keys:
                acc[name] = acc.get(name, 0) + value
    for row in merged.values():
        statement = _insert(model).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={
                name: getattr(model, name) + statement.excluded[name]
                for name in row
                if name not in keys
            },
        )
        db.session.execute(statement)


# ---------------------------------------------------------------- ledger rows


def _area_office(code: str | None) -> int:
    from apoa.regions.routing import office_for_region

    return office_for_region(code) or NO_OFFICE


def ledger_for_lodging(lodging_id: int) -> Ledger | None:
    return db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging_id))


def ledger_for_area(reporter_id: int) -> Ledger | None:
    return db.session.scalar(
        sa.select(Ledger).where(Ledger.reporter_id == reporter_id, Ledger.lodging_id.is_(None))
    )


def lodging_verified(lodging, *, now: datetime) -> Ledger:
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
    ledger.office_id = location.office_id or NO_OFFICE
    ledger.district_code = (location.region_code or "")[:6] or None
    ledger.village_code = location.region_code
    db.session.flush()
    return ledger


def lodging_rejected(lodging) -> None:
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
        from apoa.lodgings.models import Lodging, LodgingStatus

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


def location_moved(
    location_id: int, old_office_id: int | None, old_region_code: str | None
) -> None:
    """Follow a location routed to another office or region: its ledger and its stays' counts.

    Rare (a late network geocode, a re-route), so it walks the place's stays one by one;
    the old facts are rebuilt from the old office and region (district, local days).
    """
    from apoa.geocoding.models import Location
    from apoa.lodgings.models import Lodging
    from apoa.reports.models import Stay

    location = db.session.get(Location, location_id)
    if location is None:
        return
    same_office = (old_office_id or NO_OFFICE) == (location.office_id or NO_OFFICE)
    if same_office and old_region_code == location.region_code:
        return
    lodging_id = db.session.scalar(sa.select(Lodging.id).where(Lodging.location_id == location_id))
    ledger = ledger_for_lodging(lodging_id) if lodging_id else None
    if ledger is not None:
        ledger.office_id = location.office_id or NO_OFFICE
        ledger.district_code = (location.region_code or "")[:6] or None
        ledger.village_code = location.region_code
    changes = []
    for stay in db.session.scalars(sa.select(Stay).where(Stay.location_id == location_id)):
        db.session.refresh(stay, ["office_id"])
        after = facts_of(stay)
        before = facts_of(stay, region_code=old_region_code)
        if before is not None and after is not None:
            changes.append((replace(before, office_id=old_office_id or NO_OFFICE), after))
    stays_changed(changes)


# ---------------------------------------------------------------- reports


def _ledger_of(reporter_id: int, lodging_id: int | None) -> Ledger | None:
    return ledger_for_lodging(lodging_id) if lodging_id else ledger_for_area(reporter_id)


def report_made(
    *,
    reporter_id: int,
    lodging_id: int | None,
    office_id: int | None,
    region_code: str | None,
    cadence: str,
    happened_at: datetime,
    now: datetime,
) -> bool:
    """Count one check-in or check-out report; return whether it came late (rule C1)."""
    late = rules.is_late_report(happened_at, now, deadline_hours=deadline_hours())
    zone = timezone_for_region(region_code)
    ledger = _ledger_of(reporter_id, lodging_id)
    if ledger is not None:
        period = rules.thresholds(now, zone, cadence).current
        if ledger.period_start != period.start:
            ledger.period_start, ledger.period_reports = period.start, 0
        ledger.period_reports += 1
        ledger.reports_total += 1
        ledger.last_report_at = max(ledger.last_report_at or now, now)
        if late:
            ledger.late_total += 1
            ledger.last_late_at = now
    _add_counts(
        OfficeDay,
        ("office_id", "day"),
        [
            {
                "office_id": office_id or NO_OFFICE,
                "day": now.astimezone(zone).date(),
                "reports": 1,
                "late_reports": int(late),
            }
        ],
    )
    return late


def nil_report_filed(
    *,
    reporter_id: int,
    lodging_id: int | None,
    office_id: int | None,
    region_code: str | None,
    period_end: date,
    now: datetime,
) -> None:
    """Record a nil report on the place's ledger and the office's day."""
    ledger = _ledger_of(reporter_id, lodging_id)
    if ledger is not None:
        ledger.last_nil_at = now
        ledger.last_nil_period_end = max(ledger.last_nil_period_end or period_end, period_end)
    zone = timezone_for_region(region_code)
    _add_counts(
        OfficeDay,
        ("office_id", "day"),
        [
            {
                "office_id": office_id or NO_OFFICE,
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
    from apoa.compliance.queries import LedgerColumns
    from apoa.reports.models import Receipt, ReceiptKind

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


_OWN_REGION = "own"  # facts_of: use the location's current region code


def facts_of(stay, *, region_code: str | None = _OWN_REGION) -> StayFacts | None:
    """Return a stay's contribution as it stands now (None: cancelled, it counts nowhere).

    `region_code` stands in for the location's when it changed (the facts before a move).
    """
    from apoa.reports.models import StayStatus

    if stay.status == StayStatus.CANCELLED:
        return None
    if region_code == _OWN_REGION:
        region_code = stay.location.region_code
    zone = timezone_for_region(region_code)
    return StayFacts(
        office_id=stay.office_id or NO_OFFICE,
        nationality=stay.person.nationality,
        permit_type=stay.permit_type,
        district=(region_code or "")[:6],
        arrival_day=stay.check_in_at.astimezone(zone).date(),
        departure_day=stay.checked_out_at.astimezone(zone).date() if stay.checked_out_at else None,
        is_open=stay.status == StayStatus.OPEN,
    )


def _contribution(facts: StayFacts, sign: int) -> tuple[list[dict], list[dict]]:
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


def stays_changed(changes: Iterable[tuple[StayFacts | None, StayFacts | None]]) -> None:
    """Move each stay's contribution from its old facts to its new ones."""
    days: list[dict] = []
    presence: list[dict] = []
    for before, after in changes:
        if before == after:
            continue
        for facts, sign in ((before, -1), (after, +1)):
            if facts is not None:
                d, p = _contribution(facts, sign)
                days += d
                presence += p
    if days:
        _add_counts(OfficeDay, ("office_id", "day"), days)
    if presence:
        _add_counts(PresenceCount, ("office_id", "dimension", "key"), presence)


def refresh_open_stays(reporter_id: int, lodging_id: int | None) -> None:
    """Recount a place's open stays and their earliest expected check-out."""
    from apoa.reports.models import Stay, StayStatus

    ledger = _ledger_of(reporter_id, lodging_id)
    if ledger is None:
        return
    query = sa.select(sa.func.count(Stay.id), sa.func.min(Stay.expected_check_out)).where(
        Stay.status == StayStatus.OPEN
    )
    if lodging_id:
        query = query.where(Stay.lodging_id == lodging_id)
    else:
        query = query.where(Stay.reporter_id == reporter_id, Stay.lodging_id.is_(None))
    db.session.flush()
    count, earliest = db.session.execute(query).one()
    ledger.open_stays, ledger.next_check_out = int(count or 0), earliest


# ---------------------------------------------------------------- rebuild


def rebuild(*, now: datetime) -> dict[str, int]:
    """Recompute ledgers, office days and presence counts from accounts, lodgings and stays.

    Returns the number of rows of each table. Used after a bulk load (the data
    generator) and as a repair; runs in the caller's transaction.
    """
    from apoa.compliance import rebuild as rebuilder

    return rebuilder.rebuild_all(now=now)

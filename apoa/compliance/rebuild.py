"""Recompute the compliance summaries from accounts, lodgings and stays (bulk, one transaction).

`rebuild_all` gives the three summary tables exactly what the incremental
maintenance in `apoa.compliance.summaries` would have written had every
report gone through the services, so it serves after a bulk load (the data
generator) and as a repair (`flask apoa rebuild-summaries`). It is set-based:
the database groups the stays (10 million in about 3 minutes on SQLite and
2.5 on PostgreSQL, docs/benchmarks.md); only one row per place (lodging or
area) and each place's last month of reporting days come to Python.

What counts as a report, as `summaries.report_made` counts it:

- a check-in report per stay group (one check-in receipt), reported at the
  group's creation, for the arrival of its guests (the earliest check-in of
  the group: an amendment of one guest's arrival time is not a new report).
  A cancelled guest's check-in was still reported, so cancellations change no
  report counter;
- a check-out report per departure receipt: the stays of one place whose
  departure was reported at the same instant (`record_check_out` takes the
  guests of one place and stamps them all with its `now`), late when reported
  more than REPORT_DEADLINE_HOURS after the departure (two check-outs at one
  place in the same microsecond would count as one). A stay checked out and
  cancelled later keeps its check-out report.

Local days (office days, cadence periods) are taken in the time zone of the
place's province (WIB, WITA, WIT: fixed offsets, no daylight saving); the
SQL does that with a CASE on the first two digits of the region code, the
same mapping as `apoa.regions.timezones.timezone_for_region`.

Two things the stays cannot tell, where a rebuild may differ from the running
totals: a report's office and place are today's (a location routed to another
office later moves its reports with it), and a place whose ledger was closed
(a lodging rejected after its verification, an area reporter who became a
lodging operator) gets no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa

from apoa.accounts.models import ReporterKind, Role, User
from apoa.compliance.models import Ledger, OfficeDay, PresenceCount
from apoa.compliance.queries import zone_case
from apoa.compliance.settings import AREA_KINDS as AREA_REPORTER_KINDS
from apoa.compliance.settings import deadline_hours
from apoa.db import UTCDateTime
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging, LodgingStatus
from apoa.regions.routing import office_for_region
from apoa.regions.timezones import WIB, WIT, WITA
from apoa.reports.cadences import cadence_for
from apoa.reports.models import NilReport, Stay, StayStatus
from apoa.reports.periods import period_containing
from apoa.scoping import office_key

INSERT_BATCH = 5_000  # ledger rows per executemany
REPORT_DAYS = "apoa_rebuild_report_days"  # a temporary table, dropped at the end
# The rows of each place's last reporting days the cadence periods need: a month is at most 31.
PERIOD_WINDOW_DAYS = 31
AREA_KINDS = tuple(k.value for k in AREA_REPORTER_KINDS)


# ---------------------------------------------------------------- dialect pieces


class _Sql:
    """The few expressions SQLite and PostgreSQL write differently, as SQL text.

    Only column names from this module and the constants of
    `apoa.regions.timezones` go into the text; values are bound.
    """

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def _province_case(self, region: str, wita: str, wit: str, wib: str) -> str:
        """The zones' CASE of `queries.zone_case`, as text for the set-based statements."""
        by_zone = {WITA.key: wita, WIT.key: wit, WIB.key: wib}
        case = zone_case(
            sa.literal_column(region), lambda zone: sa.literal_column(by_zone[zone.key])
        )
        return str(case.compile(compile_kwargs={"literal_binds": True}))

    def local_day(self, moment: str, region: str) -> str:
        """The local date of a UTC timestamp column at a place with this region code."""
        if self.dialect == "postgresql":
            zone = self._province_case(
                region, "'Asia/Makassar'", "'Asia/Jayapura'", "'Asia/Jakarta'"
            )
            return f"CAST(timezone({zone}, {moment}) AS DATE)"
        # SQLite keeps UTCDateTime as naive UTC text; date() with an offset gives 'YYYY-MM-DD',
        # the form a Date column stores there.
        offset = self._province_case(region, "'+8 hours'", "'+9 hours'", "'+7 hours'")
        return f"date({moment}, {offset})"

    def later_than(self, reported: str, happened: str) -> str:
        """`reported` lies more than :deadline_hours after `happened` (rule C1), exactly."""
        if self.dialect == "postgresql":
            return f"{reported} > {happened} + make_interval(hours => :deadline_hours)"
        # The stored text is 'YYYY-MM-DD HH:MM:SS.ffffff'; datetime() drops the fraction, so
        # it is appended again to compare to the microsecond (julianday() rounds).
        return f"{reported} > datetime({happened}, :deadline_modifier) || substr({happened}, 20)"

    def days_before(self, day: str, days: int) -> str:
        if self.dialect == "postgresql":
            return f"({day} - {int(days)})"
        return f"date({day}, '-{int(days)} days')"

    def params(self, deadline_hours: int) -> dict[str, Any]:
        if self.dialect == "postgresql":
            return {"deadline_hours": deadline_hours}
        return {"deadline_modifier": f"+{int(deadline_hours)} hours"}


# ---------------------------------------------------------------- entry point


def rebuild_all(*, now: datetime) -> dict[str, int]:
    """Recompute ledgers, office days and presence counts; return the rows of each table.

    Runs in the caller's transaction (the caller commits). The summaries hold
    facts, not statuses, so the result does not depend on `now`; it is taken
    for the callers' symmetry with the other services and to refuse naive times.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    db.session.flush()
    dialect = db.session.get_bind().dialect.name
    sql = _Sql(dialect)
    params = sql.params(deadline_hours())
    if dialect == "postgresql":
        # Room for the hash aggregates over millions of stays (this transaction only).
        db.session.execute(sa.text("SET LOCAL work_mem = '256MB'"))
    for model in (Ledger, OfficeDay, PresenceCount):
        db.session.execute(sa.delete(model))
    db.session.execute(sa.text(f"DROP TABLE IF EXISTS {REPORT_DAYS}"))
    db.session.execute(sa.text(_report_days_sql(sql)), params)
    try:
        ledgers = _rebuild_ledgers(sql)
        office_days = _rebuild_office_days(sql)
    finally:
        db.session.execute(sa.text(f"DROP TABLE IF EXISTS {REPORT_DAYS}"))
    presence = _rebuild_presence()
    return {
        Ledger.__tablename__: ledgers,
        OfficeDay.__tablename__: office_days,
        PresenceCount.__tablename__: presence,
    }


# ---------------------------------------------------------------- reports


def _report_days_sql(sql: _Sql) -> str:
    """Every report, counted per place, office and local day, into a temporary table."""
    checked_in = (
        "SELECT g.reporter_id, g.lodging_id, g.location_id, g.created_at AS reported_at,"
        " s.happened_at, s.office_id"
        " FROM stay_groups g JOIN ("
        "  SELECT group_id, min(check_in_at) AS happened_at, min(office_id) AS office_id"
        "  FROM stays GROUP BY group_id"
        " ) s ON s.group_id = g.id"
    )
    checked_out = (
        "SELECT reporter_id, lodging_id, location_id, check_out_reported_at,"
        " min(checked_out_at), min(office_id)"
        " FROM stays WHERE check_out_reported_at IS NOT NULL"
        " GROUP BY reporter_id, lodging_id, location_id, check_out_reported_at"
    )
    late = f"CASE WHEN {sql.later_than('r.reported_at', 'r.happened_at')} THEN 1 ELSE 0 END"
    reports = (
        "SELECT r.reporter_id, r.lodging_id, coalesce(r.office_id, 0) AS office_id,"  # noqa: S608 - module constants only (see _Sql)
        f" {sql.local_day('r.reported_at', 'l.region_code')} AS day,"
        f" r.reported_at, {late} AS late"
        f" FROM ({checked_in} UNION ALL {checked_out}) r"
        " JOIN locations l ON l.id = r.location_id"
    )
    return (
        f"CREATE TEMPORARY TABLE {REPORT_DAYS} AS"  # noqa: S608 - module constants only (see _Sql)
        " SELECT reporter_id, lodging_id, office_id, day, count(*) AS n, sum(late) AS late,"
        " max(reported_at) AS last_at,"
        " max(CASE WHEN late = 1 THEN reported_at END) AS last_late_at"
        f" FROM ({reports}) x"
        " GROUP BY reporter_id, lodging_id, office_id, day"
    )


# ---------------------------------------------------------------- ledgers


@dataclass
class _Place:
    """One ledger row being assembled (the Ledger columns, by name)."""

    reporter_id: int
    lodging_id: int | None
    kind: str
    office_id: int
    district_code: str | None
    village_code: str | None
    is_active: bool
    registered_at: datetime
    last_report_at: datetime | None = None
    last_late_at: datetime | None = None
    last_nil_at: datetime | None = None
    last_nil_period_end: date | None = None
    reports_total: int = 0
    late_total: int = 0
    period_start: date | None = None
    period_reports: int = 0
    open_stays: int = 0
    next_check_out: date | None = None
    last_day: date | None = None  # the local day of the last report (not stored)

    def row(self) -> dict[str, Any]:
        values = dict(self.__dict__)
        del values["last_day"]
        return values


def _key(reporter_id: int, lodging_id: int | None) -> tuple[str, int]:
    """A lodging's ledger takes every report made there; an area's, its reporter's own."""
    return ("lodging", lodging_id) if lodging_id is not None else ("area", reporter_id)


def _later(a: Any, b: Any) -> Any:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _places() -> dict[tuple[str, int], _Place]:
    """One place per verified lodging and per RT/RW official's or lurah's area."""
    places: dict[tuple[str, int], _Place] = {}
    lodgings = db.session.execute(
        sa.select(
            Lodging.id,
            Lodging.operator_id,
            sa.func.coalesce(Lodging.decided_at, Lodging.created_at),
            Location.office_id,
            Location.region_code,
            User.is_active_account,
            User.role,
            User.reporter_kind,
        )
        .join(Location, Lodging.location_id == Location.id)
        .join(User, Lodging.operator_id == User.id)
        .where(Lodging.status == LodgingStatus.VERIFIED)
    )
    for lodging_id, operator_id, registered, office, region, active, role, kind in lodgings:
        places[("lodging", lodging_id)] = _Place(
            reporter_id=operator_id,
            lodging_id=lodging_id,
            kind=ReporterKind.LODGING.value,
            office_id=office_key(office),
            district_code=(region or "")[:6] or None,
            village_code=region,
            is_active=bool(active) and role == Role.REPORTER and kind == ReporterKind.LODGING,
            registered_at=registered,
        )
    offices: dict[str, int] = {}  # routing depends only on the district and regency codes
    areas = db.session.execute(
        sa.select(
            User.id, User.reporter_kind, User.area_code, User.is_active_account, User.created_at
        ).where(
            User.role == Role.REPORTER,
            User.reporter_kind.in_(AREA_KINDS),
            User.area_code.is_not(None),
        )
    )
    for user_id, kind, code, active, created in areas:
        if code is None or kind is None:  # the query keeps only area reporters with an area
            continue
        prefix = code[:6]
        if prefix not in offices:
            offices[prefix] = office_key(office_for_region(code))
        places[("area", user_id)] = _Place(
            reporter_id=user_id,
            lodging_id=None,
            kind=kind,
            office_id=offices[prefix],
            district_code=code[:6],
            village_code=code,
            is_active=bool(active),
            registered_at=created,
        )
    return places


def _rebuild_ledgers(sql: _Sql) -> int:
    places = _places()
    _add_reports(places, sql)
    _add_nil_reports(places)
    _add_open_stays(places)
    rows = [place.row() for place in places.values()]
    rows.sort(key=lambda r: (r["office_id"], r["reporter_id"], r["lodging_id"] or 0))
    # Core's insert of the table: the ORM's bulk path costs several times more per row.
    table = cast(sa.Table, Ledger.__table__)
    for start in range(0, len(rows), INSERT_BATCH):
        db.session.execute(table.insert(), rows[start : start + INSERT_BATCH])
    return len(rows)


def _typed(text: str, **types: Any) -> sa.TextualSelect:
    return sa.text(text).columns(**{name: sa.Column(name, t).type for name, t in types.items()})


def _add_reports(places: dict[tuple[str, int], _Place], sql: _Sql) -> None:
    """Totals, last (late) report, and the reports of the period of the last report."""
    totals = _typed(
        "SELECT reporter_id, lodging_id, sum(n) AS n, sum(late) AS late,"  # noqa: S608 - module constants only (see _Sql)
        " max(last_at) AS last_at, max(last_late_at) AS last_late_at, max(day) AS last_day"
        f" FROM {REPORT_DAYS} GROUP BY reporter_id, lodging_id",
        reporter_id=sa.Integer,
        lodging_id=sa.Integer,
        n=sa.Integer,
        late=sa.Integer,
        last_at=UTCDateTime,
        last_late_at=UTCDateTime,
        last_day=sa.Date,
    )
    for reporter_id, lodging_id, n, late, last_at, last_late_at, last_day in db.session.execute(
        totals
    ):
        place = places.get(_key(reporter_id, lodging_id))
        if place is None:
            continue  # reports of a place that has no ledger (any more)
        place.reports_total += int(n)
        place.late_total += int(late or 0)
        place.last_report_at = _later(place.last_report_at, last_at)
        place.last_late_at = _later(place.last_late_at, last_late_at)
        place.last_day = _later(place.last_day, last_day)
    # As report_made keeps it: the cadence period that contains the last report, and the
    # reports made in it. Only each place's last month of reporting days is read back.
    cadences = {kind: cadence_for(kind) for kind in (ReporterKind.LODGING, *AREA_KINDS)}
    for place in places.values():
        if place.last_day is not None:
            place.period_start = period_containing(place.last_day, cadences[place.kind]).start
    recent = _typed(
        "SELECT reporter_id, lodging_id, day, n FROM ("  # noqa: S608 - module constants only (see _Sql)
        "  SELECT reporter_id, lodging_id, day, sum(n) AS n,"
        "  max(day) OVER (PARTITION BY reporter_id, lodging_id) AS last_day"
        f"  FROM {REPORT_DAYS} GROUP BY reporter_id, lodging_id, day"
        f") t WHERE day >= {sql.days_before('last_day', PERIOD_WINDOW_DAYS)}",
        reporter_id=sa.Integer,
        lodging_id=sa.Integer,
        day=sa.Date,
        n=sa.Integer,
    )
    for reporter_id, lodging_id, day, n in db.session.execute(recent):
        place = places.get(_key(reporter_id, lodging_id))
        if place is not None and place.period_start is not None and day >= place.period_start:
            place.period_reports += int(n)


def _add_nil_reports(places: dict[tuple[str, int], _Place]) -> None:

    rows = db.session.execute(
        sa.select(
            NilReport.reporter_id,
            NilReport.lodging_id,
            sa.func.max(NilReport.submitted_at),
            sa.func.max(NilReport.period_end),
        ).group_by(NilReport.reporter_id, NilReport.lodging_id)
    )
    for reporter_id, lodging_id, submitted, period_end in rows:
        place = places.get(_key(reporter_id, lodging_id))
        if place is not None:
            place.last_nil_at = _later(place.last_nil_at, submitted)
            place.last_nil_period_end = _later(place.last_nil_period_end, period_end)


def _add_open_stays(places: dict[tuple[str, int], _Place]) -> None:

    rows = db.session.execute(
        sa.select(
            Stay.reporter_id,
            Stay.lodging_id,
            sa.func.count(Stay.id),
            sa.func.min(Stay.expected_check_out),
        )
        .where(Stay.status == StayStatus.OPEN)
        .group_by(Stay.reporter_id, Stay.lodging_id)
    )
    for reporter_id, lodging_id, count, earliest in rows:
        place = places.get(_key(reporter_id, lodging_id))
        if place is not None:
            place.open_stays += int(count)
            if place.next_check_out is None or earliest < place.next_check_out:
                place.next_check_out = earliest


# ---------------------------------------------------------------- office days and presence


def _rebuild_office_days(sql: _Sql) -> int:
    """Arrivals, departures, reports and nil reports per office and local day, in one statement."""
    arrival_day = sql.local_day("s.check_in_at", "l.region_code")
    departure_day = sql.local_day("s.checked_out_at", "l.region_code")
    nil_day = sql.local_day("n.submitted_at", "l.region_code")
    parts = [
        "SELECT coalesce(s.office_id, 0) AS office_id,"  # noqa: S608 - module constants only (see _Sql)
        f" {arrival_day} AS day, count(*) AS arrivals, 0 AS departures, 0 AS reports,"
        " 0 AS late_reports, 0 AS nil_reports"
        " FROM stays s JOIN locations l ON l.id = s.location_id"
        " WHERE s.status <> 'cancelled' GROUP BY 1, 2",
        f"SELECT coalesce(s.office_id, 0), {departure_day}, 0, count(*), 0, 0, 0"  # noqa: S608 - module constants only (see _Sql)
        " FROM stays s JOIN locations l ON l.id = s.location_id"
        " WHERE s.status <> 'cancelled' AND s.checked_out_at IS NOT NULL GROUP BY 1, 2",
        f"SELECT office_id, day, 0, 0, sum(n), sum(late), 0 FROM {REPORT_DAYS}"  # noqa: S608 - module constants only (see _Sql)
        " GROUP BY office_id, day",
        f"SELECT coalesce(l.office_id, 0), {nil_day}, 0, 0, 0, 0, count(*)"  # noqa: S608 - module constants only (see _Sql)
        " FROM nil_reports n JOIN receipts r ON r.id = n.receipt_id"
        " LEFT JOIN locations l ON l.id = r.location_id GROUP BY 1, 2",
    ]
    union = " UNION ALL ".join(parts)
    db.session.execute(
        sa.text(
            "INSERT INTO office_days"  # noqa: S608 - module constants only (see _Sql)
            " (office_id, day, arrivals, departures, reports, late_reports, nil_reports)"
            " SELECT office_id, day, sum(arrivals), sum(departures), sum(reports),"
            " sum(late_reports), sum(nil_reports)"
            f" FROM ({union}) d GROUP BY office_id, day"
        )
    )
    return _count(OfficeDay)


def _rebuild_presence() -> int:
    """Open stays per office by nationality, permit type and district, in one statement."""
    parts = [
        "SELECT coalesce(s.office_id, 0) AS office_id, 'nationality' AS dimension,"
        ' p.nationality AS "key", count(*) AS n'
        " FROM stays s JOIN persons p ON p.id = s.person_id"
        " WHERE s.status = 'open' GROUP BY 1, 3",
        "SELECT coalesce(office_id, 0), 'permit', permit_type, count(*)"
        " FROM stays WHERE status = 'open' GROUP BY 1, 3",
        "SELECT coalesce(s.office_id, 0), 'district',"
        " substr(coalesce(l.region_code, ''), 1, 6), count(*)"
        " FROM stays s JOIN locations l ON l.id = s.location_id"
        " WHERE s.status = 'open' GROUP BY 1, 3",
    ]
    db.session.execute(
        sa.text(
            'INSERT INTO presence_counts (office_id, dimension, "key", n) '
            + " UNION ALL ".join(parts)
        )
    )
    return _count(PresenceCount)


def _count(model: type) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)

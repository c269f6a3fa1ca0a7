"""Read the cluster pyramid and the stays for a viewport, scoped to the actor's office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from apoa.accounts.models import Role, User
from apoa.audit.services import record_event
from apoa.compliance.models import ComplianceStatus, Ledger
from apoa.compliance.queries import LedgerColumns
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging, LodgingStatus
from apoa.maps.cells import MAX_ZOOM
from apoa.maps.filters import MapFilters, apply
from apoa.maps.models import MapCell
from apoa.maps.tiles import cell_range, cell_shift, to_tile
from apoa.regions.models import Region
from apoa.reports.models import Person, Stay, StayStatus
from apoa.reports.scopes import stays_visible_to
from apoa.scoping import office_clause

POINT_LIMIT = 2000  # at street level single places are drawn; never more than this
PLACE_STAY_LIMIT = 200  # stays listed in one place's popup
# "Not reported lately" on the map is what the compliance list calls it (rule C3).
NOT_REPORTED_LATELY = (ComplianceStatus.NEVER_REPORTED.value, ComplianceStatus.SILENT.value)

Cluster = list[float | int | str]  # [lat, lon, count, "z/cx/cy"]
Point = list[float | int]  # [lat, lon, count, location id]
Area = list[float | int | str]  # [lat, lon, count, region code, name]
SilentPlace = list[float | str | None]  # [lat, lon, name, last report (ISO) or None]


@dataclass(frozen=True)
class Viewport:
    west: float
    south: float
    east: float
    north: float
    zoom: int

    @classmethod
    def parse(cls, bbox: str, zoom: str) -> Viewport:
        """Read "w,s,e,n" and a zoom from query arguments; ValueError when malformed."""
        west, south, east, north = (float(v) for v in bbox.split(","))
        z = int(zoom)
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90 and 0 <= z <= 22):
            raise ValueError("bad viewport")
        return cls(west, south, east, north, z)


@dataclass(frozen=True)
class PlaceView:
    """What a marker's popup shows: the place, and its open stays' check-in and nationality."""

    name: str
    stays: list[tuple[int, datetime, str]]  # stay id, check-in, nationality

    def nationalities(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, _, nationality in self.stays:
            counts[nationality] = counts.get(nationality, 0) + 1
        return counts


def _centroid(n: int, sum_lat: float, sum_lon: float) -> tuple[float, float]:
    return round(sum_lat / n, 5), round(sum_lon / n, 5)


def _tile_window(view: Viewport) -> tuple[int, int, int, int]:
    x0, y0 = to_tile(view.north, view.west)
    x1, y1 = to_tile(view.south, view.east)
    return x0, y0, x1, y1


def _in_view(view: Viewport) -> sa.ColumnElement[bool]:
    return sa.and_(
        Location.lat.between(view.south, view.north),
        Location.lon.between(view.west, view.east),
    )


def clusters(actor: User, view: Viewport) -> list[Cluster]:
    """Return [lat, lon, count, key] for each non-empty cell in view (office-scoped)."""
    z = min(view.zoom, MAX_ZOOM)
    cx0, cy0, cx1, cy1 = cell_range(view.west, view.south, view.east, view.north, z)
    rows = db.session.execute(
        sa.select(
            MapCell.cx,
            MapCell.cy,
            sa.func.sum(MapCell.n),
            sa.func.sum(MapCell.sum_lat),
            sa.func.sum(MapCell.sum_lon),
        )
        .where(
            MapCell.z == z,
            MapCell.cx.between(cx0, cx1),
            MapCell.cy.between(cy0, cy1),
            office_clause(actor, MapCell.office_id),  # admins: national counts, no people
        )
        .group_by(MapCell.cx, MapCell.cy)
        .having(sa.func.sum(MapCell.n) > 0)
    ).all()
    return [
        [*_centroid(n, sum_lat, sum_lon), int(n), f"{z}/{cx}/{cy}"]
        for cx, cy, n, sum_lat, sum_lon in rows
    ]


def points(actor: User, view: Viewport) -> list[Point]:
    """Return [lat, lon, count, location id] for places with open stays in view (street level).

    Starts from the places in the view (index on x18, y18), then counts their
    open stays (index on location_id, status): a million stays of all years
    are never walked.
    """
    return filtered_points(actor, view, MapFilters())


def filtered_clusters(actor: User, view: Viewport, filters: MapFilters) -> list[Cluster]:
    """Group the stays that match the filters into the view's cells, on the fly."""
    z = min(view.zoom, MAX_ZOOM)
    size = 1 << cell_shift(z)
    x0, y0, x1, y1 = _tile_window(view)
    cx, cy = (Location.x18 // size).label("cx"), (Location.y18 // size).label("cy")
    query = (
        sa.select(
            cx, cy, sa.func.count(Stay.id), sa.func.sum(Location.lat), sa.func.sum(Location.lon)
        )
        .select_from(Stay)
        .join(Location, Stay.location_id == Location.id)
        .where(
            office_clause(actor, Stay.office_id),  # counts only: admins see the country
            Location.x18.between(x0, x1),
            Location.y18.between(y0, y1),
        )
    )
    rows = db.session.execute(apply(query, filters).group_by(cx, cy)).all()
    return [
        [*_centroid(n, sum_lat or 0.0, sum_lon or 0.0), int(n), f"{z}/{x}/{y}"]
        for x, y, n, sum_lat, sum_lon in rows
    ]


def filtered_points(actor: User, view: Viewport, filters: MapFilters) -> list[Point]:
    """Return [lat, lon, count, location id] of places in view whose stays match the filters.

    The places come first (index on x18, y18); each one's matching stays are
    counted by a correlated subquery (index on location_id, status), a plan
    SQLite keeps even without statistics (docs/benchmarks.md: 158 ms → ~4 ms).
    Single places with people are personal data: admins get none.
    """
    if actor.role == Role.ADMIN:
        return []  # no query at all: the scope below would find nothing
    x0, y0, x1, y1 = _tile_window(view)
    count = apply(
        sa.select(sa.func.count(Stay.id))
        .select_from(Stay)
        .where(
            Stay.location_id == Location.id, office_clause(actor, Stay.office_id, personal=True)
        ),
        filters,
    ).scalar_subquery()
    rows = db.session.execute(
        sa.select(Location.lat, Location.lon, count, Location.id)
        .where(Location.x18.between(x0, x1), Location.y18.between(y0, y1), count > 0)
        .limit(POINT_LIMIT)
    ).all()
    return [
        [round(lat, 5), round(lon, 5), int(n), loc_id]
        for lat, lon, n, loc_id in rows
        if lat is not None and lon is not None
    ]


def area_counts(actor: User, view: Viewport, level: int, filters: MapFilters) -> list[Area]:
    """Count matching stays per district (level 3) or village (level 4) in view."""
    length = {3: 6, 4: 10}[level]
    code = sa.func.substr(Location.region_code, 1, length).label("code")
    query = (
        sa.select(code, sa.func.count(Stay.id))
        .select_from(Stay)
        .join(Location, Stay.location_id == Location.id)
        .where(
            office_clause(actor, Stay.office_id),
            sa.func.length(Location.region_code) >= length,
            _in_view(view),
        )
    )
    counts: dict[str, int] = {
        key: int(n) for key, n in db.session.execute(apply(query, filters).group_by(code))
    }
    if not counts:
        return []
    regions = db.session.scalars(sa.select(Region).where(Region.code.in_(list(counts))))
    return [
        [round(r.lat, 5), round(r.lon, 5), counts[r.code], r.code, r.name]
        for r in regions
        if r.lat is not None and r.lon is not None
    ]


def silent_places(actor: User, view: Viewport, *, now: datetime) -> list[SilentPlace]:
    """Return the verified lodgings in view that have not reported lately, as of `now`.

    [lat, lon, name, last report or nil report (ISO) or None]. "Lately" is the
    compliance rules' own: the places whose ledger status is silent or never
    reported (rules C3, apoa.compliance.queries), not a rule of the map's.
    """
    status = LedgerColumns(now).status()
    query = (
        sa.select(
            Location.lat, Location.lon, Lodging.name, Ledger.last_report_at, Ledger.last_nil_at
        )
        .select_from(Ledger)
        .join(Lodging, Ledger.lodging_id == Lodging.id)
        .join(Location, Lodging.location_id == Location.id)
        .where(
            Ledger.is_active.is_(True),
            office_clause(actor, Ledger.office_id),
            Lodging.status == LodgingStatus.VERIFIED,
            _in_view(view),
            status.in_(NOT_REPORTED_LATELY),
        )
        .limit(POINT_LIMIT)
    )
    found: list[SilentPlace] = []
    for lat, lon, name, report_at, nil_at in db.session.execute(query):
        latest = max((t for t in (report_at, nil_at) if t is not None), default=None)
        if lat is not None and lon is not None:
            found.append(
                [round(lat, 5), round(lon, 5), name, latest.isoformat() if latest else None]
            )
    return found


def view_place(actor: User, location: Location, *, now: datetime) -> PlaceView | None:
    """Return what the popup of a place shows, or None when nobody the actor may see stays there.

    No names: check-in times and nationalities only. Reading it is audited;
    the caller commits.
    """
    stays = [
        (stay_id, check_in, nationality)
        for stay_id, check_in, nationality in db.session.execute(
            stays_visible_to(actor)
            .with_only_columns(Stay.id, Stay.check_in_at, Person.nationality)
            .join(Person, Stay.person_id == Person.id)
            .where(Stay.location_id == location.id, Stay.status == StayStatus.OPEN)
            .order_by(Stay.check_in_at)
            .limit(PLACE_STAY_LIMIT)
        )
    ]
    if not stays:
        return None
    lodging = db.session.scalar(sa.select(Lodging).where(Lodging.location_id == location.id))
    record_event(
        "map.place_view", actor=actor, object_type="location", object_id=location.id, now=now
    )
    return PlaceView(name=lodging.name if lodging else location.address_text(), stays=stays)

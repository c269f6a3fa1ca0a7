"""Read the cluster pyramid for a viewport, scoped to the actor's office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from apoa.accounts.models import Role, User
from apoa.extensions import db
from apoa.maps.cells import MAX_ZOOM
from apoa.maps.filters import MapFilters, apply
from apoa.maps.models import MapCell
from apoa.maps.tiles import cell_range

POINT_LIMIT = 2000  # at street level single places are drawn; never more than this


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


def _office_filter(actor: User) -> sa.ColumnElement[bool]:
    if actor.role == Role.ADMIN:
        return sa.true()  # national counts: no personal data in a cluster
    if actor.role == Role.OFFICER:
        return MapCell.office_id == (actor.office_id or -1)
    return sa.false()


def clusters(actor: User, view: Viewport) -> list[list[float | int | str]]:
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
            _office_filter(actor),
        )
        .group_by(MapCell.cx, MapCell.cy)
        .having(sa.func.sum(MapCell.n) > 0)
    ).all()
    return [
        [round(sum_lat / n, 5), round(sum_lon / n, 5), int(n), f"{z}/{cx}/{cy}"]
        for cx, cy, n, sum_lat, sum_lon in rows
    ]


def points(actor: User, view: Viewport) -> list[list[float | int]]:
    """Return [lat, lon, count, location id] for places with open stays in view (street level).

    Starts from the places in the view (index on x18, y18), then counts their
    open stays (index on location_id, status): a million stays of all years
    are never walked.
    """
    return filtered_points(actor, view, MapFilters())


def _stay_scope(actor: User) -> sa.ColumnElement[bool]:
    """Counts only: officers their office's stays, admins the whole country."""
    from apoa.reports.models import Stay

    if actor.role == Role.ADMIN:
        return sa.true()
    if actor.role == Role.OFFICER:
        return Stay.office_id == (actor.office_id or -1)
    return sa.false()


def _tile_window(view: Viewport) -> tuple[int, int, int, int]:
    from apoa.maps.tiles import to_tile

    x0, y0 = to_tile(view.north, view.west)
    x1, y1 = to_tile(view.south, view.east)
    return x0, y0, x1, y1


def filtered_clusters(
    actor: User, view: Viewport, filters: MapFilters
) -> list[list[float | int | str]]:
    """Group the stays that match the filters into the view's cells, on the fly."""
    from apoa.geocoding.models import Location
    from apoa.maps.tiles import cell_shift
    from apoa.reports.models import Stay

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
        .where(_stay_scope(actor), Location.x18.between(x0, x1), Location.y18.between(y0, y1))
    )
    rows = db.session.execute(apply(query, filters).group_by(cx, cy)).all()
    return [
        [round(sum_lat / n, 5), round(sum_lon / n, 5), int(n), f"{z}/{x}/{y}"]
        for x, y, n, sum_lat, sum_lon in rows
    ]


def filtered_points(actor: User, view: Viewport, filters: MapFilters) -> list[list[float | int]]:
    """Return [lat, lon, count, location id] of places in view whose stays match the filters.

    The places come first (index on x18, y18); each one's matching stays are
    counted by a correlated subquery (index on location_id, status), a plan
    SQLite keeps even without statistics (docs/benchmarks.md: 158 ms → ~4 ms).
    """
    from apoa.geocoding.models import Location
    from apoa.reports.models import Stay

    if actor.role == Role.ADMIN:
        return []  # admins see counts, never single places with people
    x0, y0, x1, y1 = _tile_window(view)
    count = apply(
        sa.select(sa.func.count(Stay.id))
        .select_from(Stay)
        .where(Stay.location_id == Location.id, _stay_scope(actor)),
        filters,
    ).scalar_subquery()
    rows = db.session.execute(
        sa.select(Location.lat, Location.lon, count, Location.id)
        .where(Location.x18.between(x0, x1), Location.y18.between(y0, y1), count > 0)
        .limit(POINT_LIMIT)
    ).all()
    return [[round(lat, 5), round(lon, 5), int(n), loc_id] for lat, lon, n, loc_id in rows]


def area_counts(
    actor: User, view: Viewport, level: int, filters: MapFilters
) -> list[list[float | int | str]]:
    """Count matching stays per district (level 3) or village (level 4) in view."""
    from apoa.geocoding.models import Location
    from apoa.regions.models import Region
    from apoa.reports.models import Stay

    length = {3: 6, 4: 10}[level]
    code = sa.func.substr(Location.region_code, 1, length).label("code")
    query = (
        sa.select(code, sa.func.count(Stay.id))
        .select_from(Stay)
        .join(Location, Stay.location_id == Location.id)
        .where(
            _stay_scope(actor),
            sa.func.length(Location.region_code) >= length,
            Location.lat.between(view.south, view.north),
            Location.lon.between(view.west, view.east),
        )
    )
    counts = dict(db.session.execute(apply(query, filters).group_by(code)).all())
    if not counts:
        return []
    regions = db.session.scalars(sa.select(Region).where(Region.code.in_(list(counts))))
    return [
        [round(r.lat, 5), round(r.lon, 5), int(counts[r.code]), r.code, r.name]
        for r in regions
        if r.lat is not None and r.lon is not None
    ]


def silent_places(actor: User, view: Viewport, *, now: datetime) -> list[list[Any]]:
    """Return verified lodgings in view with neither a report nor a nil report in their last period.

    [lat, lon, name, last report (ISO) or None]. The compliance lists (issue 6)
    apply the full rules; the map shows where nobody has reported lately.
    """
    from apoa.geocoding.models import Location
    from apoa.lodgings.models import Lodging, LodgingStatus
    from apoa.reports.models import NilReport, Stay
    from apoa.reports.services import cadence_for

    days = 7 if cadence_for("lodging") == "weekly" else 31
    since = now - timedelta(days=days)
    last_stay = (
        sa.select(sa.func.max(Stay.reported_at))
        .where(Stay.lodging_id == Lodging.id)
        .scalar_subquery()
    )
    last_nil = (
        sa.select(sa.func.max(NilReport.submitted_at))
        .where(NilReport.lodging_id == Lodging.id)
        .scalar_subquery()
    )
    query = (
        sa.select(Location.lat, Location.lon, Lodging.name, last_stay, last_nil)
        .join(Location, Lodging.location_id == Location.id)
        .where(
            Lodging.status == LodgingStatus.VERIFIED,
            Location.lat.between(view.south, view.north),
            Location.lon.between(view.west, view.east),
        )
        .limit(POINT_LIMIT)
    )
    if actor.role == Role.OFFICER:
        query = query.where(Location.office_id == (actor.office_id or -1))
    elif actor.role != Role.ADMIN:
        return []
    found = []
    for lat, lon, name, stay_at, nil_at in db.session.execute(query):
        latest = max((t for t in (stay_at, nil_at) if t is not None), default=None)
        if latest is not None and latest.tzinfo is None:
            latest = latest.replace(tzinfo=UTC)  # SQLite returns naive UTC in subqueries
        if latest is None or latest < since:
            found.append(
                [round(lat, 5), round(lon, 5), name, latest.isoformat() if latest else None]
            )
    return found

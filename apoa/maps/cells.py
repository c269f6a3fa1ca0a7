"""Keep the cluster pyramid equal to the open stays, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from apoa.extensions import db
from apoa.maps.models import NO_OFFICE, MapCell
from apoa.maps.tiles import cell_of, to_tile

MAX_ZOOM = 14  # beyond this the map shows single points, not cells
UPSERT_BATCH = 500  # rows per statement: 7 parameters each, far under SQLite's limit


def _upsert(rows: list[dict[str, float | int]]) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(MapCell)
    statement = insert.values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["z", "office_id", "cx", "cy"],
        set_={
            "n": MapCell.n + statement.excluded.n,
            "sum_lat": MapCell.sum_lat + statement.excluded.sum_lat,
            "sum_lon": MapCell.sum_lon + statement.excluded.sum_lon,
        },
    )
    db.session.execute(statement)


def adjust(points: Iterable[tuple[float, float, int | None, int]]) -> None:
    """Add `count` stays (negative: remove) at each (lat, lon, office) to every zoom's cell."""
    totals: dict[tuple[int, int, int, int], list[float]] = {}
    for lat, lon, office_id, count in points:
        if count == 0:
            continue
        x18, y18 = to_tile(lat, lon)
        for z in range(MAX_ZOOM + 1):
            cx, cy = cell_of(x18, y18, z)
            key = (z, office_id or NO_OFFICE, cx, cy)
            acc = totals.setdefault(key, [0, 0.0, 0.0])
            acc[0] += count
            acc[1] += count * lat
            acc[2] += count * lon
    rows = [
        {"z": z, "office_id": o, "cx": cx, "cy": cy, "n": n, "sum_lat": sl, "sum_lon": so_}
        for (z, o, cx, cy), (n, sl, so_) in sorted(totals.items())
    ]
    # Batches keep each statement small: SQLite caps the parameters of one statement.
    for start in range(0, len(rows), UPSERT_BATCH):
        _upsert(rows[start : start + UPSERT_BATCH])


def rebuild() -> int:
    """Recompute the whole pyramid from the open stays; return the number of cells."""
    from apoa.geocoding.models import Location
    from apoa.reports.models import Stay, StayStatus

    db.session.execute(sa.delete(MapCell))
    rows = db.session.execute(
        sa.select(Location.lat, Location.lon, Stay.office_id, sa.func.count(Stay.id))
        .join(Location, Stay.location_id == Location.id)
        .where(Stay.status == StayStatus.OPEN, Location.lat.is_not(None), Location.lon.is_not(None))
        .group_by(Location.lat, Location.lon, Stay.office_id)
    )
    batch: list[tuple[float, float, int | None, int]] = []
    for lat, lon, office_id, count in rows:
        batch.append((lat, lon, office_id, count))
        if len(batch) >= 2000:
            adjust(batch)
            batch = []
    adjust(batch)
    db.session.execute(sa.delete(MapCell).where(MapCell.n == 0))
    return db.session.scalar(sa.select(sa.func.count()).select_from(MapCell)) or 0


def location_changed(
    location_id: int,
    before: tuple[float | None, float | None, int | None],
    *,
    old_region_code: str | None = None,
) -> None:
    """Follow a location's new point or office: its open stays move in the pyramid.

    Called after an officer's pin, a late network geocode or a re-route; also
    copies the new office onto the stays, whose queries filter on it.
    """
    from apoa.geocoding.models import Location
    from apoa.reports.models import Stay, StayStatus

    location = db.session.get(Location, location_id)
    if location is None:
        return
    old_lat, old_lon, old_office = before
    from apoa.compliance import summaries

    if old_office != location.office_id:
        db.session.execute(
            sa.update(Stay)
            .where(Stay.location_id == location_id)
            .values(office_id=location.office_id)
        )
    # The compliance summaries follow a new office or region (pin moves alone change neither).
    old_region = location.region_code if old_region_code is None else old_region_code
    summaries.location_moved(location_id, old_office, old_region)
    if (old_lat, old_lon, old_office) == (location.lat, location.lon, location.office_id):
        return
    open_count = db.session.scalar(
        sa.select(sa.func.count(Stay.id)).where(
            Stay.location_id == location_id, Stay.status == StayStatus.OPEN
        )
    )
    if not open_count:
        return
    moves = []
    if old_lat is not None and old_lon is not None:
        moves.append((old_lat, old_lon, old_office, -open_count))
    if location.lat is not None and location.lon is not None:
        moves.append((location.lat, location.lon, location.office_id, open_count))
    adjust(moves)

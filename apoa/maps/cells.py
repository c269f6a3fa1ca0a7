"""Keep the cluster pyramid equal to the open stays, in the caller's transaction.

A projection: it subscribes to the reports' signals (apoa/signals.py) and moves
each changed stay's count between cells; `rebuild()` recomputes it all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from apoa import signals
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.maps.models import MapCell
from apoa.maps.tiles import cell_of, to_tile
from apoa.reports.events import StayChange
from apoa.reports.models import Stay, StayStatus
from apoa.scoping import office_key
from apoa.upserts import add_counts

MAX_ZOOM = 14  # beyond this the map shows single points, not cells


def adjust(points: Iterable[tuple[float, float, int | None, int]]) -> None:
    """Add `count` stays (negative: remove) at each (lat, lon, office) to every zoom's cell."""
    totals: dict[tuple[int, int, int, int], list[float]] = {}
    for lat, lon, office_id, count in points:
        if count == 0:
            continue
        x18, y18 = to_tile(lat, lon)
        for z in range(MAX_ZOOM + 1):
            cx, cy = cell_of(x18, y18, z)
            key = (z, office_key(office_id), cx, cy)
            acc = totals.setdefault(key, [0, 0.0, 0.0])
            acc[0] += count
            acc[1] += count * lat
            acc[2] += count * lon
    add_counts(
        MapCell,
        ("z", "office_id", "cx", "cy"),
        (
            {"z": z, "office_id": o, "cx": cx, "cy": cy, "n": n, "sum_lat": sl, "sum_lon": so_}
            for (z, o, cx, cy), (n, sl, so_) in totals.items()
        ),
    )


def rebuild() -> int:
    """Recompute the whole pyramid from the open stays; return the number of cells."""
    db.session.execute(sa.delete(MapCell))
    rows = db.session.execute(
        sa.select(Location.lat, Location.lon, Stay.office_id, sa.func.count(Stay.id))
        .join(Location, Stay.location_id == Location.id)
        .where(Stay.status == StayStatus.OPEN, Location.lat.is_not(None), Location.lon.is_not(None))
        .group_by(Location.lat, Location.lon, Stay.office_id)
    )
    batch: list[tuple[float, float, int | None, int]] = []
    for lat, lon, office_id, count in rows:
        if lat is None or lon is None:  # the query keeps only placed locations
            continue
        batch.append((lat, lon, office_id, count))
        if len(batch) >= 2000:
            adjust(batch)
            batch = []
    adjust(batch)
    db.session.execute(sa.delete(MapCell).where(MapCell.n == 0))
    return db.session.scalar(sa.select(sa.func.count()).select_from(MapCell)) or 0


def follow_stays(changes: Iterable[StayChange]) -> None:
    """Move each changed stay's count: off its old cell if it was open, onto its new one if open."""
    points: dict[tuple[float, float, int | None], int] = {}
    for before, after in changes:
        for state, sign in ((before, -1), (after, +1)):
            if state is None or not state.is_open or state.lat is None or state.lon is None:
                continue
            key = (state.lat, state.lon, state.office_id)
            points[key] = points.get(key, 0) + sign
    adjust((lat, lon, office_id, n) for (lat, lon, office_id), n in points.items())


def _on_stays_changed(sender: object, **kwargs: Any) -> None:
    follow_stays(kwargs["changes"])


def subscribe() -> None:
    """Keep the pyramid with every change to stays (called once by create_app)."""
    for signal in signals.STAY_CHANGES:
        signal.connect(_on_stays_changed)

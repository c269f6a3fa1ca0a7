"""The cluster pyramid: open stays counted per map cell, zoom and office."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.extensions import Model
from apoa.geocoding.models import Location
from apoa.maps.tiles import to_tile


class MapCell(Model):
    """How many stays are open in one cell, with the sums that give their centroid.

    Kept current in the same transaction as every check-in, check-out,
    cancellation and location fix (performance.md, section 4), so a map at any
    zoom reads a few hundred rows instead of grouping a million stays.
    """

    __tablename__ = "map_cells"

    z: so.Mapped[int] = so.mapped_column(sa.SmallInteger, primary_key=True)
    # apoa.scoping.office_key: NO_OFFICE for places no office covers (a key cannot be NULL).
    office_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cx: so.Mapped[int] = so.mapped_column(primary_key=True)
    cy: so.Mapped[int] = so.mapped_column(primary_key=True)
    n: so.Mapped[int] = so.mapped_column(default=0)
    sum_lat: so.Mapped[float] = so.mapped_column(default=0.0)
    sum_lon: so.Mapped[float] = so.mapped_column(default=0.0)


@sa.event.listens_for(Location, "before_insert")
@sa.event.listens_for(Location, "before_update")
def _keep_tile_coordinates(mapper: object, connection: object, location: Location) -> None:
    """Derive a location's zoom-18 tile (x18/y18, the map's grouping key) from lat/lon.

    Registered with the map's models, which `apoa.models` always imports, so every
    location written through the ORM carries its tile.
    """
    if location.lat is None or location.lon is None:
        location.x18 = location.y18 = None
    else:
        location.x18, location.y18 = to_tile(location.lat, location.lon)

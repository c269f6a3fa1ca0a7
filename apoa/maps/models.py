"""The cluster pyramid: open stays counted per map cell, zoom and office."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.extensions import db

NO_OFFICE = 0  # stays at places no office covers; a key column cannot be NULL


class MapCell(db.Model):
    """How many stays are open in one cell, with the sums that give their centroid.

    Kept current in the same transaction as every check-in, check-out,
    cancellation and location fix (performance.md, section 4), so a map at any
    zoom reads a few hundred rows instead of grouping a million stays.
    """

    __tablename__ = "map_cells"

    z: so.Mapped[int] = so.mapped_column(sa.SmallInteger, primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cx: so.Mapped[int] = so.mapped_column(primary_key=True)
    cy: so.Mapped[int] = so.mapped_column(primary_key=True)
    n: so.Mapped[int] = so.mapped_column(default=0)
    sum_lat: so.Mapped[float] = so.mapped_column(default=0.0)
    sum_lon: so.Mapped[float] = so.mapped_column(default=0.0)

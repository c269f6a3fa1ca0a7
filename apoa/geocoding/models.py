"""Where something is: a geocoded address routed to one immigration office."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.db import UTCDateTime, utcnow
from apoa.extensions import Model
from apoa.regions.models import Office, Region

PRECISIONS = ("gps", "street", "village", "district", "regency", "province")
# Why a location waits for an officer's look (the review queue, issue 3 point 7).
REVIEW_COARSE, REVIEW_MISMATCH, REVIEW_AMBIGUOUS, REVIEW_NOT_FOUND = (
    "coarse",
    "mismatch",
    "ambiguous",
    "not_found",
)


class Location(Model):
    """An address with its point, how precise the point is, and the office it is routed to.

    `lat`/`lon` is the point apoa uses (maps, distances). A reporter's GPS pin
    is kept in `gps_lat`/`gps_lon` even when it disagrees with the chosen
    village: then the point stays at the village and the location waits for review.
    """

    __tablename__ = "locations"
    STREET_MAX = 200

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    street: so.Mapped[str | None] = so.mapped_column(sa.String(STREET_MAX))
    rt: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    rw: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    # The most specific area known: the village chosen in the picker, or what the geocoder proved.
    region_code: so.Mapped[str | None] = so.mapped_column(
        sa.String(10), sa.ForeignKey("regions.code"), index=True
    )
    postal_code: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    lat: so.Mapped[float | None]
    lon: so.Mapped[float | None]
    # Web-Mercator tile coordinates at zoom 18, kept with lat/lon (see the mapper
    # events below): the map groups points into cells with integer arithmetic.
    x18: so.Mapped[int | None]
    y18: so.Mapped[int | None]
    precision: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    source: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    gps_lat: so.Mapped[float | None]
    gps_lon: so.Mapped[float | None]
    gps_accuracy_m: so.Mapped[int | None]
    gps_distance_km: so.Mapped[float | None]
    needs_review: so.Mapped[bool] = so.mapped_column(default=False, index=True)
    review_reason: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    geocode_status: so.Mapped[str] = so.mapped_column(sa.String(10), default="done", index=True)
    geocoded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    region: so.Mapped[Region | None] = so.relationship()
    office: so.Mapped[Office | None] = so.relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "precision IS NULL OR precision IN "
            "('gps', 'street', 'village', 'district', 'regency', 'province')",
            name="precision",
        ),
        sa.CheckConstraint(
            "geocode_status IN ('done', 'pending', 'failed')", name="geocode_status"
        ),
        # The map's street level starts from the places in view.
        sa.Index("ix_locations_tile", "x18", "y18"),
    )

    def address_text(self) -> str:
        """Return the address as one line, for geocoders and people."""
        parts = [self.street or ""]
        if self.rt or self.rw:
            parts.append(f"RT {self.rt or 0:02d}/RW {self.rw or 0:02d}")
        return ", ".join(p for p in parts if p)


class GeocodeCache(Model):
    """A geocoder's answer for one normalised query, so it is asked only once."""

    __tablename__ = "geocode_cache"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    provider: so.Mapped[str] = so.mapped_column(sa.String(40))
    result: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class GeocodeRun(Model):
    """Progress of `flask apoa geocode --all`, so an interrupted run resumes."""

    __tablename__ = "geocode_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_location_id: so.Mapped[int] = so.mapped_column(default=0)
    total: so.Mapped[int] = so.mapped_column(default=0)

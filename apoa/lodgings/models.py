"""A lodging and its verification by the office it is routed to."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.accounts.models import User
from apoa.db import UTCDateTime, utcnow
from apoa.extensions import Model
from apoa.geocoding.models import Location


class LodgingKind(enum.StrEnum):
    HOTEL = "hotel"
    GUESTHOUSE = "guesthouse"
    VILLA = "villa"
    KOS = "kos"
    APARTMENT = "apartment"
    PRIVATE_HOME = "private_home"


class LodgingStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Lodging(Model):
    """A place where foreigners stay; reports are accepted only once an officer verified it."""

    __tablename__ = "lodgings"
    NAME_MAX = 120
    REASON_MAX = 500

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    operator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(NAME_MAX))
    kind: so.Mapped[str] = so.mapped_column(sa.String(15))
    # Nomor Induk Berusaha: the 13-digit business licence number from OSS.
    nib: so.Mapped[str | None] = so.mapped_column(sa.String(13))
    location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("locations.id"), unique=True)
    status: so.Mapped[str] = so.mapped_column(
        sa.String(10), default=LodgingStatus.PENDING, index=True
    )
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.String(REASON_MAX))
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    operator: so.Mapped[User] = so.relationship(foreign_keys=[operator_id])
    # The backref lets a location name its lodging without geocoding importing lodgings.
    location: so.Mapped[Location] = so.relationship(backref=so.backref("lodging", uselist=False))

    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('hotel', 'guesthouse', 'villa', 'kos', 'apartment', 'private_home')",
            name="kind",
        ),
        sa.CheckConstraint("status IN ('pending', 'verified', 'rejected')", name="status"),
    )

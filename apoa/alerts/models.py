"""The officers' alert queue: alerts and the steps officers (or the system) took on them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.accounts.models import User
from apoa.db import UTCDateTime, utcnow
from apoa.extensions import Model


class AlertKind(enum.StrEnum):
    OVERDUE_CHECK_OUT = "overdue_check_out"  # rule C4
    PERMIT_EXPIRED = "permit_expired"  # rule C5: the permit ended during the stay
    OPEN_ELSEWHERE = "open_elsewhere"  # rule C6: one passport open at two places
    LOCATION_MISMATCH = "location_mismatch"  # geocoding: pin far from the named village


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


# Not yet resolved: what the queue shows by default and the dashboards count.
ACTIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class Alert(Model):
    """Something an officer should look at; acknowledged or resolved with a note, never deleted."""

    __tablename__ = "alerts"
    NOTE_MAX = 500

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    # What the alert is about, e.g. "stay:42" or "location:7": one alert per kind and subject.
    subject_key: so.Mapped[str] = so.mapped_column(sa.String(40))
    stay_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stays.id"), index=True)
    location_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("locations.id"))
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default=AlertStatus.OPEN)
    raised_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    actions: so.Mapped[list[AlertAction]] = so.relationship(
        back_populates="alert", order_by="AlertAction.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("kind", "subject_key"),
        sa.Index("ix_alerts_office_status", "office_id", "status", "raised_at"),
        sa.CheckConstraint(
            "kind IN ('overdue_check_out', 'permit_expired', 'open_elsewhere',"
            " 'location_mismatch')",
            name="kind",
        ),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="status"),
    )


class AlertAction(Model):
    """An officer's acknowledgement or resolution of an alert, with the note (or the system's)."""

    __tablename__ = "alert_actions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    alert_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("alerts.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(12))
    note: so.Mapped[str] = so.mapped_column(sa.String(Alert.NOTE_MAX))
    # NULL when the system resolved it (for example: the guest was checked out).
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    alert: so.Mapped[Alert] = so.relationship(back_populates="actions")
    actor: so.Mapped[User | None] = so.relationship()

    __table_args__ = (
        sa.CheckConstraint("action IN ('acknowledge', 'resolve', 'reopen')", name="action"),
    )

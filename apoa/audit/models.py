"""The append-only audit trail (UU PDP Pasal 31; security.md R16)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.db import UTCDateTime, utcnow
from apoa.extensions import Model


class AuditEvent(Model):
    """One thing someone did or tried: never updated, never deleted.

    Each row carries a hash over its content and the previous row's hash, so a
    changed or removed row breaks the chain even where the database cannot
    forbid UPDATE (SQLite). Database triggers forbid UPDATE and DELETE as well.
    """

    __tablename__ = "audit_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_name: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    actor_role: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    action: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    object_type: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    outcome: so.Mapped[str] = so.mapped_column(sa.String(20), default="success")
    details: so.Mapped[str | None] = so.mapped_column(sa.Text)
    prev_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

"""The reminder log: which reminder and digest e-mails were claimed and sent."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.db import UTCDateTime, utcnow
from apoa.extensions import Model


class ReminderLog(Model):
    """One reminder or digest e-mail claimed and sent, so no run sends it twice.

    A run commits the claim (sent_at empty) before talking to the mail server and
    records sent_at once the server accepted the message: no database lock is
    held while the server answers. A claim left without sent_at for CLAIM_EXPIRES
    belongs to a run that died and may be taken over by the next one.
    """

    __tablename__ = "reminder_log"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # "reporter:<user id>" or "digest:<office id>"
    recipient_key: so.Mapped[str] = so.mapped_column(sa.String(40))
    day: so.Mapped[date]
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    claimed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("recipient_key", "day", "kind"),)

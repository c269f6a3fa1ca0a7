"""The reminder log: what was sent or claimed, and when a recipient is due again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from apoa.extensions import db
from apoa.reminders.models import ReminderLog

KIND_REMINDER = "reminder"
KIND_DIGEST = "digest"
# A claim not marked sent after this long belongs to a run that died: longer than any
# one message can take (MAIL_TIMEOUT is 30 s by default).
CLAIM_EXPIRES = timedelta(minutes=30)


def recent_logs(kind: str, since: date, *, now: datetime) -> dict[str, date]:
    """Return the last day each recipient got a message of this kind, from `since` on.

    Counts messages sent, and those another run claimed less than CLAIM_EXPIRES before `now`.
    """
    rows = db.session.execute(
        sa.select(ReminderLog.recipient_key, sa.func.max(ReminderLog.day))
        .where(ReminderLog.kind == kind, ReminderLog.day >= since, _sent_or_being_sent(now))
        .group_by(ReminderLog.recipient_key)
    )
    return {key: day for key, day in rows}


def _sent_or_being_sent(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(ReminderLog.sent_at.is_not(None), ReminderLog.claimed_at >= now - CLAIM_EXPIRES)


def interval_days() -> int:
    """Days between two reminders to one reporter (REMINDER_INTERVAL_DAYS, at least 1)."""
    return max(1, int(current_app.config.get("REMINDER_INTERVAL_DAYS", 1)))

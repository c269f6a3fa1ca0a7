"""The compliance summary tables as comparable values, for tests that compare two states."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from apoa.compliance.models import Ledger, OfficeDay, PresenceCount


def summary_snapshot(db) -> dict[str, list[tuple[Any, ...]]]:
    """The three tables without ids and without rows that count nothing, sorted."""
    db.session.flush()
    ledger_columns = [c for c in Ledger.__table__.columns if c.key != "id"]
    ledgers = db.session.execute(sa.select(*ledger_columns)).all()
    days = db.session.execute(
        sa.select(*OfficeDay.__table__.columns).where(
            sa.or_(
                OfficeDay.arrivals != 0,
                OfficeDay.departures != 0,
                OfficeDay.reports != 0,
                OfficeDay.late_reports != 0,
                OfficeDay.nil_reports != 0,
            )
        )
    ).all()
    presence = db.session.execute(
        sa.select(*PresenceCount.__table__.columns).where(PresenceCount.n != 0)
    ).all()

    def ordered(rows):
        return sorted((tuple(r) for r in rows), key=lambda r: [(v is None, str(v)) for v in r])

    return {"ledgers": ordered(ledgers), "days": ordered(days), "presence": ordered(presence)}

"""Admins set how often each kind of reporter must report or send a nil report."""

from __future__ import annotations

from datetime import datetime

from apoa.accounts.models import ReporterKind, User
from apoa.audit.services import record_event
from apoa.compliance import summaries
from apoa.extensions import db
from apoa.reports.models import ReportCadence
from apoa.reports.periods import DEFAULT_CADENCES, MONTHLY, WEEKLY


def current_cadences() -> dict[str, str]:
    """Return the cadence of every reporter kind (the default where admins set none)."""
    rows = {row.reporter_kind: row.cadence for row in db.session.scalars(db.select(ReportCadence))}
    return {kind.value: rows.get(kind.value, DEFAULT_CADENCES[kind.value]) for kind in ReporterKind}


def set_cadence(actor: User, kind: str, cadence: str, *, now: datetime) -> None:
    """Change one kind's cadence; audited."""
    if kind not in {k.value for k in ReporterKind} or cadence not in (WEEKLY, MONTHLY):
        raise ValueError("unknown reporter kind or cadence")
    row = db.session.get(ReportCadence, kind)
    before = row.cadence if row else DEFAULT_CADENCES[kind]
    if row is None:
        row = ReportCadence(reporter_kind=kind, cadence=cadence, updated_at=now)
        db.session.add(row)
    row.cadence, row.updated_at = cadence, now
    if cadence != before:
        summaries.recount_period(kind, cadence, now=now)
    record_event(
        "cadence.update",
        actor=actor,
        object_type="cadence",
        object_id=kind,
        details={"before": before, "after": cadence},
        now=now,
    )

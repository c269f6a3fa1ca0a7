"""How often each kind of reporter files nil reports: set by admins, weekly or monthly."""

from __future__ import annotations

from apoa.extensions import db
from apoa.reports.models import ReportCadence
from apoa.reports.periods import DEFAULT_CADENCES, WEEKLY


def cadence_for(kind: str | None) -> str:
    """Return the nil-report cadence admins set for a kind of reporter (default per kind)."""
    row = db.session.get(ReportCadence, kind) if kind else None
    return row.cadence if row else DEFAULT_CADENCES.get(kind or "", WEEKLY)

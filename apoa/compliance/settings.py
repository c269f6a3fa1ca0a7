"""What the compliance rules are set with: the app's deadlines and the kinds of reporting place."""

from __future__ import annotations

from flask import current_app

from apoa.accounts.models import ReporterKind
from apoa.compliance import rules
from apoa.reports.settings import grace_hours as grace_hours  # C4's grace, a stay setting

KINDS = ("lodging", "rt_rw", "lurah")
AREA_KINDS = (ReporterKind.RT_RW, ReporterKind.LURAH)  # one ledger row for the reporter's area


def deadline_hours() -> int:
    """Hours after the event within which a check-in or check-out must be reported (C1)."""
    return int(current_app.config.get("REPORT_DEADLINE_HOURS", rules.DEFAULT_DEADLINE_HOURS))

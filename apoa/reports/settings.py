"""What the stay rules are set with from the app's configuration."""

from __future__ import annotations

from flask import current_app

from apoa.reports import rules


def grace_hours() -> int:
    """Hours after the expected departure day before an open stay is overdue (C4)."""
    return int(current_app.config.get("CHECKOUT_GRACE_HOURS", rules.DEFAULT_GRACE_HOURS))

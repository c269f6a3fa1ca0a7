"""The one place that reads the wall clock (house-style.md 3.10).

A request reads `now()` once and keeps it on `g`, so a view and every service
it calls agree on the instant; outside a request (CLI, queue worker) each call
reads the clock. Tests freeze it with time-machine.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g, has_request_context


def wall_clock() -> datetime:
    """Return the current time as an aware UTC datetime: the only read of the clock."""
    return datetime.now(UTC)


def now() -> datetime:
    """Return the request's instant (read once per request), or the clock's outside one."""
    if not has_request_context():
        return wall_clock()
    if "apoa_now" not in g:
        g.apoa_now = wall_clock()
    instant: datetime = g.apoa_now
    return instant

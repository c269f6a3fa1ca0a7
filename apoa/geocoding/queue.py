"""The geocoding queue: RQ on Redis when REDIS_URL is set, else the pending list.

Without Redis, or while it is down, pending locations wait for `flask apoa geocode
--pending` (run it from cron); nothing is lost either way, because the database row
itself says `geocode_status = 'pending'`. The job itself is `apoa.geocoding.jobs`;
the queue names it by its path, so this module needs nothing above it.
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

QUEUE_NAME = "apoa-geocoding"
JOB = "apoa.geocoding.jobs.geocode_location_job"
_PENDING = "apoa_geocode_after_commit"


def queue() -> Queue:
    """Return the RQ queue on the configured Redis."""
    return Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def enqueue_geocode(location_id: int) -> None:
    """Queue a location for the network geocoder, after the request's commit."""
    if not current_app.config.get("REDIS_URL"):
        return
    # Enqueue only once the row is committed, or the worker may not see it yet.
    g.setdefault(_PENDING, []).append(location_id)


def _send_after_commit(session: Session) -> None:
    """Send the locations queued in this app context to RQ once their rows are committed."""
    if not has_app_context() or not g.get(_PENDING):
        return
    pending = g.pop(_PENDING)
    try:
        jobs = queue()
        for location_id in pending:
            jobs.enqueue(JOB, location_id, job_timeout=60)
    except RedisError as error:
        # The report is committed and the row says 'pending': Redis down costs only the
        # network geocode's speed, never the report (`flask apoa geocode --pending`).
        current_app.logger.warning(
            "geocoding queue unreachable (%s): %d location(s) wait for geocode --pending",
            error.__class__.__name__, len(pending),
        )  # fmt: skip


def _forget_after_rollback(session: Session) -> None:
    if has_app_context():
        g.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    """Hook the queue to every session's commit and rollback (once per process)."""
    if not event.contains(Session, "after_commit", _send_after_commit):
        event.listen(Session, "after_commit", _send_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)

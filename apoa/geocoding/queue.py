"""The geocoding queue: RQ on Redis when REDIS_URL is set, else the pending list.

Without Redis, or while it is down, pending locations wait for `flask apoa geocode
--pending` (run it from cron); nothing is lost either way, because the database row
itself says `geocode_status = 'pending'`. The job itself is `apoa.geocoding.jobs`;
the queue names it by its path, so this module needs nothing above it.
"""

from __future__ import annotations

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from apoa.db import after_commit

QUEUE_NAME = "apoa-geocoding"
JOB = "apoa.geocoding.jobs.geocode_location_job"


def queue() -> Queue:
    """Return the RQ queue on the configured Redis."""
    return Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def enqueue_geocode(location_id: int) -> None:
    """Queue a location for the network geocoder, after the request's commit."""
    if not current_app.config.get("REDIS_URL"):
        return
    # Enqueue only once the row is committed, or the worker may not see it yet.
    after_commit(lambda: _send(location_id))


def _send(location_id: int) -> None:
    try:
        queue().enqueue(JOB, location_id, job_timeout=60)
    except RedisError as error:
        # The report is committed and the row says 'pending': Redis down costs only the
        # network geocode's speed, never the report (`flask apoa geocode --pending`).
        current_app.logger.warning(
            "geocoding queue unreachable (%s): location %d waits for geocode --pending",
            error.__class__.__name__, location_id,
        )  # fmt: skip

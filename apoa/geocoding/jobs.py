"""The geocoding queue: RQ on Redis when REDIS_URL is set, else the pending list.

Without Redis, pending locations wait for `flask apoa geocode --pending`
(run it from cron); nothing is lost either way, because the database row
itself says `geocode_status = 'pending'`.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

QUEUE_NAME = "apoa-geocoding"


def _queue():  # type: ignore[no-untyped-def]
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def enqueue_geocode(location_id: int) -> None:
    """Queue a location for the network geocoder, after the request's commit."""
    if not current_app.config.get("REDIS_URL"):
        return
    from flask import g

    # Enqueue only once the row is committed, or the worker may not see it yet.
    pending = g.setdefault("apoa_geocode_after_commit", [])
    pending.append(location_id)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    """Send the locations queued in this app context to RQ once their rows are committed."""
    from flask import g, has_app_context

    if not has_app_context() or not g.get("apoa_geocode_after_commit"):
        return
    queue = _queue()
    for location_id in g.pop("apoa_geocode_after_commit"):
        queue.enqueue(geocode_location_job, location_id, job_timeout=60)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    from flask import g, has_app_context

    if has_app_context():
        g.pop("apoa_geocode_after_commit", None)


def geocode_location_job(location_id: int) -> str:
    """RQ job: geocode one pending location (in `flask apoa worker`'s app context)."""
    from flask import has_app_context

    if has_app_context():
        return _geocode_one(location_id)
    from apoa import create_app

    with create_app().app_context():
        return _geocode_one(location_id)


def _geocode_one(location_id: int) -> str:
    from apoa.db import utcnow
    from apoa.extensions import db
    from apoa.geocoding.models import Location
    from apoa.geocoding.services import geocode_location, get_geocoder

    location = db.session.get(Location, location_id)
    if location is None or location.geocode_status == "done":
        return "skipped"
    geocode_location(location, geocoder=get_geocoder(), now=utcnow())
    db.session.commit()
    return location.geocode_status

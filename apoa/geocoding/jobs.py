"""The queue's job: geocode one pending location in `flask apoa worker`'s app context."""

from __future__ import annotations

from flask import has_app_context

from apoa import clock
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.geocoding.services import geocode_location, get_geocoder


def geocode_location_job(location_id: int) -> str:
    """RQ job: geocode one pending location; returns its new geocode status.

    It runs in the app context that `flask apoa worker` opens for its worker; a
    bare `rq worker` has none and is refused rather than guessing a configuration.
    """
    if not has_app_context():
        raise RuntimeError("run the geocoding worker with `flask apoa worker`")
    location = db.session.get(Location, location_id)
    if location is None or location.geocode_status == "done":
        return "skipped"
    geocode_location(location, geocoder=get_geocoder(), now=clock.now())
    db.session.commit()
    return location.geocode_status

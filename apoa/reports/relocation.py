"""When a location moves (new point, office or region), its stays follow.

Geocoding announces `location_changed`; the reports package, the only writer of
stays, copies the new office onto them and announces `location_moved` with each
stay's state before and after, for the map cells and the compliance summaries.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from apoa import signals
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.geocoding.services import LocationBefore
from apoa.reports.events import StayChange, state_of
from apoa.reports.models import Stay


def move_stays(location: Location, *, before: LocationBefore, now: datetime) -> None:
    """Copy the location's office onto its stays and announce how each one moved."""
    if before.office_id != location.office_id:
        db.session.execute(
            sa.update(Stay)
            .where(Stay.location_id == location.id)
            .values(office_id=location.office_id)
            .execution_options(synchronize_session="fetch")
        )
    stays = db.session.scalars(
        sa.select(Stay).where(Stay.location_id == location.id).options(selectinload(Stay.person))
    )
    changes: list[StayChange] = []
    for stay in stays:
        after = state_of(stay)
        old = replace(
            after,
            office_id=before.office_id,
            region_code=before.region_code,
            lat=before.lat,
            lon=before.lon,
        )
        changes.append((old, after))
    signals.location_moved.send(location, before=before, changes=changes, now=now)


def _on_location_changed(location: Location, **kwargs: Any) -> None:
    move_stays(location, before=kwargs["before"], now=kwargs["now"])


def subscribe() -> None:
    """Follow geocoding's moves (called once by create_app)."""
    signals.location_changed.connect(_on_location_changed)

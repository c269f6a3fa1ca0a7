"""Batch geocoding for the CLI: pending locations, or all of them, resumably.

`now` is the command's instant: every location geocoded by one run carries it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from tqdm import tqdm

from apoa.extensions import db
from apoa.geocoding.models import GeocodeRun, Location
from apoa.geocoding.services import geocode_location, get_geocoder


def geocode_pending(*, now: datetime, batch: int = 200) -> int:
    """Geocode every location still waiting for the network geocoder; return how many."""
    geocoder = get_geocoder()
    done = 0
    query = (
        sa.select(Location)
        .where(Location.geocode_status.in_(("pending", "failed")))
        .order_by(Location.id)
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    with tqdm(total=total, unit="loc", disable=total == 0) as bar:
        last_id = 0
        while True:
            rows = db.session.scalars(query.where(Location.id > last_id).limit(batch)).all()
            if not rows:
                break
            for location in rows:
                try:
                    geocode_location(location, geocoder=geocoder, now=now)
                except Exception:
                    location.geocode_status = "failed"
                done += 1
                last_id = location.id
            db.session.commit()
            bar.update(len(rows))
    return done


def geocode_all(*, now: datetime, batch: int = 200) -> int:
    """Re-geocode every location in id order; an interrupted run resumes where it stopped."""
    run = db.session.scalar(
        sa.select(GeocodeRun).where(GeocodeRun.finished_at.is_(None)).order_by(GeocodeRun.id.desc())
    )
    if run is None:
        run = GeocodeRun(
            started_at=now, total=db.session.scalar(sa.select(sa.func.count(Location.id))) or 0
        )
        db.session.add(run)
        db.session.commit()
    geocoder = get_geocoder()
    done_before = (
        db.session.scalar(
            sa.select(sa.func.count(Location.id)).where(Location.id <= run.last_location_id)
        )
        or 0
    )
    done = 0
    with tqdm(total=run.total, initial=done_before, unit="loc") as bar:
        while True:
            rows = db.session.scalars(
                sa.select(Location)
                .where(Location.id > run.last_location_id)
                .order_by(Location.id)
                .limit(batch)
            ).all()
            if not rows:
                break
            for location in rows:
                geocode_location(location, geocoder=geocoder, now=now)
            run.last_location_id = rows[-1].id
            # Progress and results land together: a crash loses one batch at most.
            db.session.commit()
            done += len(rows)
            bar.update(len(rows))
    run.finished_at = now
    db.session.commit()
    return done

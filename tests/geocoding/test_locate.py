"""Locating addresses: offline geocoding inline, the pin check, the cache, batch runs, the queue."""

from __future__ import annotations

import sqlalchemy as sa

from apoa.db import utcnow
from apoa.geocoding.models import GeocodeCache, GeocodeRun, Location
from apoa.geocoding.services import GpsFix, get_geocoder, locate
from apoa.regions.models import Office

LEGIAN = "5103011004"


def _locate(**kwargs):
    defaults = {"street": "Jl. Legian No. 10", "rt": None, "rw": None, "region_code": LEGIAN}
    defaults.update(kwargs)
    return locate(**defaults, now=utcnow(), geocoder=get_geocoder())


def test_offline_locate_is_inline_and_routed(db, app):
    location = _locate()
    db.session.commit()
    assert location.geocode_status == "done"
    assert location.precision == "village"
    assert location.source == "offline"
    assert location.lat is not None
    assert not location.needs_review
    assert db.session.get(Office, location.office_id).code == "kanim-ngurah-rai"


def test_pin_near_the_village_is_accepted(db, app):
    location = _locate(gps=GpsFix(lat=-8.7049, lon=115.1703, accuracy_m=12))
    assert location.precision == "gps"
    assert location.source == "gps"
    assert (location.lat, location.lon) == (-8.7049, 115.1703)
    assert location.gps_distance_km < 5
    assert not location.needs_review


def test_pin_far_from_the_village_is_kept_and_flagged(db, app):
    # A pin in Jakarta for an address in Legian, Bali.
    location = _locate(gps=GpsFix(lat=-6.1754, lon=106.8272, accuracy_m=20))
    assert location.needs_review
    assert location.review_reason == "mismatch"
    assert (location.gps_lat, location.gps_lon) == (-6.1754, 106.8272)
    assert location.gps_distance_km > 900
    assert location.precision == "village"  # the point stays at the chosen village


def test_results_are_cached_by_normalised_address(db, app):
    _locate(street="Jl. Legian No. 10")
    _locate(street="  JL. LEGIAN   NO. 10 ")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GeocodeCache)) == 1


def test_unknown_region_is_a_field_error(db, app):
    import pytest

    from apoa.errors import FieldError

    with pytest.raises(FieldError) as raised:
        _locate(region_code="5103019999")
    assert raised.value.field == "region_code"


def test_geocode_all_resumes_after_an_interruption(db, app, runner):
    for i in range(5):
        _locate(street=f"Jl. Legian No. {i}")
    db.session.commit()
    ids = db.session.scalars(sa.select(Location.id).order_by(Location.id)).all()
    # An earlier run stopped after the third location.
    db.session.add(GeocodeRun(started_at=utcnow(), total=5, last_location_id=ids[2]))
    db.session.commit()
    result = runner.invoke(args=["apoa", "geocode", "--all", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "geocoded 2 locations" in result.output
    assert db.session.scalar(sa.select(GeocodeRun.finished_at)) is not None
    again = runner.invoke(args=["apoa", "geocode", "--all"])
    assert "geocoded 5 locations" in again.output


def test_geocode_pending_handles_queued_locations(db, app, runner):
    location = _locate()
    location.geocode_status = "pending"
    location.precision = "village"
    db.session.commit()
    result = runner.invoke(args=["apoa", "geocode", "--pending"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Location, location.id).geocode_status == "done"

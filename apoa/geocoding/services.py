"""Locate addresses: geocode (cached), check the reporter's pin, route to an office, review.

Geocoding never makes a request wait on the network: the offline gazetteer
runs inline; a network geocoder's work goes to a queue (RQ when REDIS_URL is
set) or to `flask apoa geocode --pending` (issue 3, point 6).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from apoa import signals
from apoa.accounts.models import User
from apoa.audit.services import record_event
from apoa.errors import FieldError
from apoa.extensions import db
from apoa.geocoding.address import normalise
from apoa.geocoding.models import (
    REVIEW_AMBIGUOUS,
    REVIEW_COARSE,
    REVIEW_MISMATCH,
    REVIEW_NOT_FOUND,
    GeocodeCache,
    Location,
)
from apoa.geocoding.providers import AddressGeocoder, GeoResult
from apoa.geocoding.queue import enqueue_geocode
from apoa.regions.models import Region
from apoa.regions.queries import region_label
from apoa.regions.routing import office_for_region
from apoa.scoping import of_office

EARTH_RADIUS_KM = 6371.0088
FINE_PRECISIONS = ("gps", "street", "village")


@dataclass(frozen=True)
class LocationBefore:
    """Where a location was before a change, and which office and region it belonged to."""

    lat: float | None
    lon: float | None
    office_id: int | None
    region_code: str | None

    @classmethod
    def of(cls, location: Location) -> LocationBefore:
        return cls(location.lat, location.lon, location.office_id, location.region_code)

    def differs_from(self, location: Location) -> bool:
        return self != LocationBefore.of(location)


def announce_if_moved(location: Location, before: LocationBefore, *, now: datetime) -> None:
    """Tell the location's stays (and what follows them) that it moved, if it did."""
    db.session.flush()
    if before.differs_from(location):
        signals.location_changed.send(location, before=before, now=now)


@dataclass(frozen=True)
class GpsFix:
    """A point from the phone's GPS or a pin the user placed (accuracy None)."""

    lat: float
    lon: float
    accuracy_m: int | None = None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def get_geocoder() -> AddressGeocoder:
    """Return the app's geocoder, built from configuration at start-up."""
    return current_app.extensions["apoa_geocoder"]  # type: ignore[no-any-return]


def _cache_key(provider: str, query: str, region_code: str | None, postal_code: str | None) -> str:
    text = "|".join([provider, normalise(query), region_code or "", postal_code or ""])
    return hashlib.sha256(text.encode()).hexdigest()


def geocode_cached(
    geocoder: AddressGeocoder, query: str, *, region_code: str | None, postal_code: str | None
) -> GeoResult:
    """Geocode through the cache: each normalised query reaches a geocoder once."""
    key = _cache_key(geocoder.source, query, region_code, postal_code)
    cached = db.session.get(GeocodeCache, key)
    if cached is not None:
        return GeoResult(**json.loads(cached.result))
    result = geocoder.geocode(query, region_code=region_code, postal_code=postal_code)
    # A network outage is not an answer worth keeping (the gazetteer stood in for it).
    if not result.network_failed and (result.precision is not None or not geocoder.is_network):
        db.session.add(
            GeocodeCache(key=key, provider=geocoder.source, result=json.dumps(asdict(result)))
        )
    return result


def _check_pin(location: Location, gps: GpsFix, region: Region | None) -> None:
    """Keep the reporter's pin; accept it only when it lies near the chosen village."""
    location.gps_lat, location.gps_lon, location.gps_accuracy_m = gps.lat, gps.lon, gps.accuracy_m
    if region is None or region.lat is None or region.lon is None:
        location.lat, location.lon, location.precision, location.source = (
            gps.lat,
            gps.lon,
            "gps",
            "gps",
        )
        return
    location.gps_distance_km = round(distance_km(gps.lat, gps.lon, region.lat, region.lon), 3)
    if location.gps_distance_km <= current_app.config["GPS_MAX_DISTANCE_KM"]:
        location.lat, location.lon, location.precision, location.source = (
            gps.lat,
            gps.lon,
            "gps",
            "gps",
        )
    else:
        # Kept and flagged, never silently accepted or dropped (issue 3, point 4).
        location.needs_review, location.review_reason = True, REVIEW_MISMATCH


def apply_result(location: Location, result: GeoResult, *, now: datetime) -> None:
    """Store a geocoder's answer on a location, unless a pin already placed it precisely."""
    location.geocoded_at = now
    location.geocode_status = "done"
    if location.precision == "gps" and location.source in ("gps", "officer"):
        return
    if result.precision is None or result.lat is None or result.lon is None:
        location.needs_review, location.review_reason = True, REVIEW_NOT_FOUND
        return
    location.lat, location.lon = result.lat, result.lon
    location.precision, location.source = result.precision, result.source
    if location.region_code is None and result.region_code:
        location.region_code = result.region_code
    if location.review_reason == REVIEW_MISMATCH:
        return
    if result.precision not in FINE_PRECISIONS:
        location.needs_review, location.review_reason = True, REVIEW_COARSE
    elif result.needs_review:
        location.needs_review, location.review_reason = True, REVIEW_AMBIGUOUS
    else:
        location.needs_review, location.review_reason = False, None


def locate(
    *,
    street: str | None,
    rt: int | None,
    rw: int | None,
    region_code: str | None,
    postal_code: str | None = None,
    gps: GpsFix | None = None,
    now: datetime,
    geocoder: AddressGeocoder,
) -> Location:
    """Create the location of an address: pin check, geocode (inline when offline), route."""
    region = db.session.get(Region, region_code) if region_code else None
    if region_code and region is None:
        raise FieldError("region_code", _l("Choose an area from the list."))
    location = Location(
        street=(street or "").strip() or None,
        rt=rt,
        rw=rw,
        region_code=region_code,
        postal_code=postal_code or (region.postal_code if region else None),
        created_at=now,
    )
    if gps is not None:
        _check_pin(location, gps, region)
    db.session.add(location)
    if geocoder.is_network:
        location.geocode_status = "pending"
        if location.lat is None and region is not None and region.lat is not None:
            # Until the queue answers, show it at the chosen area, coarsely.
            location.lat, location.lon = region.lat, region.lon
            location.precision, location.source = _precision_of(region), "region"
    else:
        apply_result(location, _geocode_location(location, geocoder), now=now)
    location.office_id = office_for_region(location.region_code)
    db.session.flush()
    if location.geocode_status == "pending":
        enqueue_geocode(location.id)
    return location


def _precision_of(region: Region) -> str:
    return ("province", "regency", "district", "village")[region.level - 1]


def query_text(location: Location) -> str:
    """Return the address with its area names, as a network geocoder wants it."""
    return ", ".join(p for p in (location.address_text(), region_label(location.region_code)) if p)


def _geocode_location(location: Location, geocoder: AddressGeocoder) -> GeoResult:
    return geocode_cached(
        geocoder,
        query_text(location),
        region_code=location.region_code,
        postal_code=location.postal_code,
    )


def geocode_location(location: Location, *, geocoder: AddressGeocoder, now: datetime) -> None:
    """(Re-)geocode one stored location and route it again; its stays follow on the map."""
    before = LocationBefore.of(location)
    try:
        result = _geocode_location(location, geocoder)
    except Exception:  # the queue retries later; the location keeps its coarse point
        location.geocode_status = "failed"
        raise
    apply_result(location, result, now=now)
    location.office_id = office_for_region(location.region_code)
    announce_if_moved(location, before, now=now)


def place_pin(actor: User, location: Location, lat: float, lon: float, *, now: datetime) -> None:
    """An officer fixes a location by dropping a pin; audited (issue 3, point 7)."""
    if not (-11.5 <= lat <= 6.5 and 94.5 <= lon <= 141.5):
        raise FieldError("lat", _l("The pin must lie in Indonesia."))
    before = {"lat": location.lat, "lon": location.lon, "precision": location.precision}
    old = LocationBefore.of(location)
    location.lat, location.lon = lat, lon
    location.precision, location.source = "gps", "officer"
    location.needs_review, location.review_reason = False, None
    location.reviewed_by_id, location.reviewed_at = actor.id, now
    announce_if_moved(location, old, now=now)
    record_event(
        "location.fix",
        actor=actor,
        object_type="location",
        object_id=location.id,
        details={"before": before, "after": {"lat": lat, "lon": lon}},
        now=now,
    )


def review_queue(office_id: int) -> sa.Select[Location]:
    """Return the office's locations that wait for review, oldest first."""
    return (
        sa.select(Location)
        .where(of_office(Location.office_id, office_id), Location.needs_review.is_(True))
        .order_by(Location.created_at, Location.id)
    )


def summarise(result: GeoResult) -> dict[str, Any]:
    """Return the parts of a result worth showing to a person."""
    return {
        "precision": result.precision,
        "region_code": result.region_code,
        "source": result.source,
    }

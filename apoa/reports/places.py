"""Where guests stay: a verified lodging, or an address inside an area reporter's own area.

A report names its place by a choice (`LodgingChoice`, `AddressChoice`, `AREA`); the
services turn it into a `Place`, geocoding and checking the phone's pin on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Union

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from apoa.accounts.models import ReporterKind, User
from apoa.errors import FieldError, FieldErrors
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.geocoding.providers import AddressGeocoder
from apoa.geocoding.services import GpsFix, locate
from apoa.lodgings.models import Lodging, LodgingStatus
from apoa.regions.timezones import timezone_for_region


@dataclass(frozen=True)
class Place:
    """A place reports are made at: its location, and its lodging when it is one."""

    location: Location
    lodging: Lodging | None = None

    @property
    def name(self) -> str:
        if self.lodging is not None:
            return self.lodging.name
        region = self.location.region
        return region.name if region is not None else (self.location.street or "")

    @property
    def region_code(self) -> str | None:
        return self.location.region_code


@dataclass(frozen=True)
class LodgingChoice:
    """One of the operator's lodgings, by id (as a form or an API posts it)."""

    lodging_id: int | None


@dataclass(frozen=True)
class AddressChoice:
    """An address an RT/RW official or lurah typed, with the phone's pin if they set one."""

    street: str | None
    rt: int | None
    rw: int | None
    region_code: str | None
    postal_code: str | None = None
    gps: GpsFix | None = None


@dataclass(frozen=True)
class AreaChoice:
    """The area reporter's whole area (a nil report says nobody stayed anywhere in it)."""


AREA = AreaChoice()
PlaceChoice = Union[LodgingChoice, AddressChoice, AreaChoice]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True)
class LocalTime:
    """A date and time as typed at the place, in the place's own time zone."""

    day: date
    time: time

    def at(self, region_code: str | None) -> datetime:
        return datetime.combine(self.day, self.time, tzinfo=timezone_for_region(region_code))


def instant(value: datetime | LocalTime, region_code: str | None) -> datetime:
    """Return an aware instant: machine callers give one, forms give the place's wall time."""
    return value.at(region_code) if isinstance(value, LocalTime) else value


def place_for_lodging(actor: User, lodging: Lodging | None) -> Place:
    """Return a lodging as a place to report at, if the actor runs it and it is verified."""
    if lodging is None or lodging.operator_id != actor.id:
        raise FieldError("lodging_id", _l("Choose one of your lodgings."))
    if lodging.status != LodgingStatus.VERIFIED:
        raise FieldError(
            "lodging_id",
            _l("This lodging is not verified yet. The immigration office must verify it first."),
        )
    return Place(location=lodging.location, lodging=lodging)


def check_area_address(
    actor: User, region_code: str | None, rw: int | None, rt: int | None
) -> None:
    """Keep RT/RW officials and lurah inside their own area (issue 4, point 1)."""
    if actor.reporter_kind not in (ReporterKind.RT_RW, ReporterKind.LURAH):
        raise FieldError(None, _l("Only RT/RW officials and lurah report stays at addresses."))
    errors = []
    if region_code != actor.area_code:
        errors.append(FieldError("region_code", _l("The address must lie in your own village.")))
    if actor.reporter_kind == ReporterKind.RT_RW:
        if rw != actor.rw:
            errors.append(FieldError("rw", _l("The address must lie in your own RW.")))
        if actor.rt is not None and rt != actor.rt:
            errors.append(FieldError("rt", _l("The address must lie in your own RT.")))
    if errors:
        raise FieldErrors(errors)


def area_place(actor: User, *, now: datetime, geocoder: AddressGeocoder) -> Place:
    """Return the place that stands for an area reporter's whole area (for nil reports)."""
    if actor.area_code is None:
        raise FieldError(None, _l("Your account has no area. Ask the admin to set it."))
    location = db.session.scalar(
        sa.select(Location)
        .where(
            Location.street.is_(None),
            Location.region_code == actor.area_code,
            Location.rw.is_(None) if actor.rw is None else Location.rw == actor.rw,
            Location.rt.is_(None) if actor.rt is None else Location.rt == actor.rt,
        )
        .limit(1)
    )
    if location is None:
        location = locate(
            street=None,
            rt=actor.rt,
            rw=actor.rw,
            region_code=actor.area_code,
            now=now,
            geocoder=geocoder,
        )
    return Place(location=location)


def resolve_place(
    actor: User, choice: Place | PlaceChoice, *, now: datetime, geocoder: AddressGeocoder | None
) -> Place:
    """Turn a report's choice of place into a place, geocoding a new address on the way."""
    if isinstance(choice, Place):
        return choice
    if isinstance(choice, LodgingChoice):
        if actor.reporter_kind != ReporterKind.LODGING:
            raise FieldError(None, _l("Only lodging operators report at a lodging."))
        lodging = db.session.get(Lodging, choice.lodging_id) if choice.lodging_id else None
        return place_for_lodging(actor, lodging)
    if geocoder is None:
        raise ValueError("an address needs a geocoder")
    if isinstance(choice, AreaChoice):
        return area_place(actor, now=now, geocoder=geocoder)
    check_area_address(actor, choice.region_code, choice.rw, choice.rt)
    location = locate(
        street=choice.street,
        rt=choice.rt,
        rw=choice.rw,
        region_code=choice.region_code,
        postal_code=choice.postal_code or None,
        gps=choice.gps,
        now=now,
        geocoder=geocoder,
    )
    return Place(location=location)

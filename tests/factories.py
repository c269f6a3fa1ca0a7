"""Factories: fixtures that make users, lodgings, places and stays, and the data they take.

A pytest plugin (registered in tests/conftest.py): tests ask for its fixtures;
modules import its plain values and functions (TEST_PASSWORD, guest_data,
stay_form, check_in_guests ...) from here, never from another test module.

Users and lodgings are written directly and announced as the admin and lodging
services announce them, so the compliance ledger opens its rows; stays go through
the real check-in service, and `check_in_guests` is the one place tests call it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from apoa import signals
from apoa.accounts.models import User
from apoa.accounts.passwords import hash_password
from apoa.clock import wall_clock
from apoa.extensions import db
from apoa.geocoding.services import GpsFix, get_geocoder, locate
from apoa.lodgings.models import Lodging
from apoa.regions.models import Office
from apoa.regions.timezones import WITA
from apoa.reports import places, services
from apoa.reports.models import Receipt, Stay

TEST_PASSWORD = "kuda-lumping-menari-di-pasar"
LEGIAN = "5103011004"  # Legian, Kuta, Badung, Bali: Kanim Ngurah Rai

# ---------------------------------------------------------------- guests and stays as data


def guest_form(index: int, **changes: Any) -> dict[str, Any]:
    """Return the form fields of one valid guest (guests-<index>-…)."""
    today = wall_clock().date()
    data = {
        "surname": "Müller",
        "given_names": "Hans Peter",
        "sex": "M",
        "birth_date": "1980-05-17",
        "birth_place": "Hamburg",
        "nationality": "D",
        "passport_number": f"C01X00T4{index}",
        "issuing_country": "D",
        "passport_expiry": (today + timedelta(days=900)).isoformat(),
        "permit_type": "voa",
        "permit_number": "",
        "permit_expiry": (today + timedelta(days=30)).isoformat(),
        "purpose": "tourism",
        "phone": "",
    }
    data.update(changes)
    return {f"guests-{index}-{key}": value for key, value in data.items()}


def guest_data(index: int, *, passport_prefix: str = "X", **changes: Any) -> dict[str, Any]:
    """Return one valid guest as the services take it: dates as dates, its own passport."""
    data: dict[str, Any] = {k.split("-", 2)[2]: v for k, v in guest_form(0, **changes).items()}
    data["passport_number"] = f"{passport_prefix}{index:07d}"
    for key in ("birth_date", "passport_expiry", "permit_expiry"):
        data[key] = date.fromisoformat(str(data[key]))
    return data


def stay_form(**changes: str) -> dict[str, str]:
    """Return the stay fields of a check-in arriving now (local WITA time for Bali)."""
    local = wall_clock().astimezone(WITA)
    data = {
        "room": "101",
        "check_in_date": local.date().isoformat(),
        "check_in_time": local.strftime("%H:%M"),
        "expected_check_out": (local.date() + timedelta(days=5)).isoformat(),
        "submission_key": "",
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------- places and stays


def place_at(
    region_code: str,
    street: str | None = "Jl. Test",
    *,
    rt: int | None = None,
    rw: int | None = None,
    gps: GpsFix | None = None,
    now: datetime | None = None,
) -> places.Place:
    """Return an address in a village as a place to report at (a new, geocoded location)."""
    location = locate(
        street=street, rt=rt, rw=rw, region_code=region_code, gps=gps,
        now=now or wall_clock(), geocoder=get_geocoder(),
    )  # fmt: skip
    return places.Place(location=location)


@dataclass(frozen=True)
class CheckIn:
    """What a check-in made: its receipt and its stays, in the order of the guests given."""

    receipt: Receipt
    stays: list[Stay]

    @property
    def stay(self) -> Stay:
        return self.stays[0]


_passports = count(1)


def check_in_guests(
    reporter: User,
    at: Lodging | places.Place | str,
    guests: int | Sequence[Mapping[str, Any]] = 1,
    *,
    arrived: datetime | None = None,
    leaves: date | timedelta | None = None,
    now: datetime | None = None,
    room: str | None = None,
    head_index: int = 0,
    **guest_changes: Any,
) -> CheckIn:
    """Check guests in through the report service and flush; the tests' one way to make stays.

    `at` is a lodging the reporter runs, a place, or a village code (an address there).
    `guests` is a number of fresh guests (each with `guest_changes`) or the guests' data.
    The report is made `now` (the clock by default); the guests arrived an hour before
    it unless `arrived` says otherwise, and are expected to leave on `leaves`: a date, or
    a time after the arrival (three days by default).
    """
    now = now or wall_clock()
    arrived = arrived or now - timedelta(hours=1)
    if not isinstance(leaves, date):
        leaves = (arrived + (leaves or timedelta(days=3))).date()
    place: places.Place | places.LodgingChoice
    if isinstance(at, Lodging):
        place = places.LodgingChoice(lodging_id=at.id)  # the service checks it is theirs
    elif isinstance(at, str):
        place = place_at(at, now=now)
    else:
        place = at
    if isinstance(guests, int):
        guests = [
            guest_data(next(_passports), passport_prefix="S", **guest_changes)
            for _ in range(guests)
        ]
    receipt = services.submit_check_in(
        reporter,
        place,
        guests,
        {"check_in_at": arrived, "expected_check_out": leaves, "room": room},
        now=now,
        head_index=head_index,
    )
    db.session.flush()
    return CheckIn(receipt=receipt, stays=services.stays_of_receipt(receipt, reporter))


@pytest.fixture
def create_place(app: Flask) -> Callable[..., places.Place]:
    """Return `place_at`: an address in a village as a place to report at."""
    return place_at


@pytest.fixture
def create_stay(app: Flask) -> Callable[..., CheckIn]:
    """Return `check_in_guests`: check guests in through the real service, flushed."""
    return check_in_guests


# ---------------------------------------------------------------- users and lodgings


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    """Create a user directly (not through the admin service); returns the committed User."""
    serial = count(1)

    def create(
        role: str = "reporter",
        *,
        username: str | None = None,
        password: str = TEST_PASSWORD,
        reporter_kind: str | None = None,
        office_code: str | None = None,
        area_code: str | None = None,
        rw: int | None = None,
        rt: int | None = None,
        **extra: Any,
    ) -> User:
        n = next(serial)
        if role == "reporter" and reporter_kind is None:
            reporter_kind = "lodging"
        if reporter_kind in ("rt_rw", "lurah") and area_code is None:
            area_code = LEGIAN
        if reporter_kind == "rt_rw" and rw is None:
            rw = 2
        office_id = None
        if role == "officer":
            code = office_code or "kanim-ngurah-rai"
            office_id = db.session.scalar(sa.select(Office.id).where(Office.code == code))
        user = User(
            username=username or f"{role}{n}",
            full_name=extra.pop("full_name", f"Test {role.title()} {n}"),
            role=role,
            reporter_kind=reporter_kind if role == "reporter" else None,
            office_id=office_id,
            area_code=area_code,
            rw=rw,
            rt=rt,
            password_hash=hash_password(password),
            **extra,
        )
        db.session.add(user)
        db.session.flush()
        # As the admin services do (area reporters get their compliance ledger row).
        signals.account_changed.send(user, now=wall_clock())
        db.session.commit()
        return user

    return create


@pytest.fixture
def create_lodging(app: Flask) -> Callable[..., Lodging]:
    """Create a lodging (verified by default) at a geocoded address; returns it committed."""

    def create(
        operator: User,
        *,
        name: str = "Hotel Melati",
        kind: str = "hotel",
        street: str = "Jl. Legian No. 10",
        region_code: str = LEGIAN,
        status: str = "verified",
    ) -> Lodging:
        now = wall_clock()
        location = locate(
            street=street, rt=None, rw=None, region_code=region_code, now=now,
            geocoder=get_geocoder(),
        )  # fmt: skip
        lodging = Lodging(
            operator_id=operator.id, name=name, kind=kind, location=location, status=status
        )
        db.session.add(lodging)
        db.session.flush()
        if status == "verified":  # as decide_lodging does: a verified lodging must report
            signals.lodging_verified.send(lodging, now=now)
        db.session.commit()
        return lodging

    return create


@pytest.fixture
def verified_lodging(
    create_user: Callable[..., User], create_lodging: Callable[..., Lodging]
) -> tuple[User, Lodging]:
    """Create a lodging operator with a verified hotel in Legian (Kanim Ngurah Rai)."""
    operator = create_user("reporter", username="hotel.op")
    return operator, create_lodging(operator)


# ---------------------------------------------------------------- signing in


class AuthActions:
    """Sign in and out through the real forms (flaskr's AuthActions)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = TEST_PASSWORD, **extra: Any) -> Any:
        return self._client.post(
            "/login", data={"username": username, "password": password, **extra}
        )

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(client: FlaskClient, create_user: Callable[..., User]) -> Callable[..., User]:
    """Create a user of a role and sign the test client in as it."""

    def login(role: str = "reporter", **kwargs: Any) -> User:
        user = create_user(role, **kwargs)
        response = AuthActions(client).login(user.username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return login

"""Fixtures for reports: a verified lodging with its operator, guests as form data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from apoa.db import utcnow

SPECIMEN_MRZ = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)


def guest_form(index: int, **changes) -> dict[str, str]:
    """Return the form fields of one valid guest (guests-<index>-…)."""
    today = utcnow().date()
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


def guest_data(index: int, *, passport_prefix: str = "X", **changes) -> dict[str, object]:
    """Return one valid guest as the services take it: dates as dates, its own passport."""
    data: dict[str, object] = {k.split("-", 2)[2]: v for k, v in guest_form(0, **changes).items()}
    data["passport_number"] = f"{passport_prefix}{index:07d}"
    for key in ("birth_date", "passport_expiry", "permit_expiry"):
        data[key] = date.fromisoformat(str(data[key]))
    return data


def stay_form(**changes) -> dict[str, str]:
    """Return the stay fields of a check-in arriving now (local WITA time for Bali)."""
    from apoa.regions.timezones import WITA

    local = utcnow().astimezone(WITA)
    data = {
        "room": "101",
        "check_in_date": local.date().isoformat(),
        "check_in_time": local.strftime("%H:%M"),
        "expected_check_out": (local.date() + timedelta(days=5)).isoformat(),
        "submission_key": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def verified_lodging(create_user, create_lodging):
    """Create a lodging operator with a verified hotel in Legian (Kanim Ngurah Rai)."""
    operator = create_user("reporter", username="hotel.op")
    return operator, create_lodging(operator)


@pytest.fixture
def today() -> date:
    return utcnow().date()

"""The alert tests' scene: two offices, three lodgings, and one guest at a time checked in.

Stays are made through the report service with fixed times in Bali (WITA, UTC+8),
so every edge of an alert rule is exact to the second.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.alerts.models import Alert
from apoa.clock import wall_clock
from apoa.geocoding.models import Location
from apoa.geocoding.services import GpsFix
from apoa.lodgings.models import Lodging
from apoa.regions.timezones import WITA
from apoa.reports.models import Stay
from tests.factories import check_in_guests, place_at

ARRIVAL = datetime(2025, 3, 3, 14, 0, tzinfo=WITA)
LEAVING = date(2025, 3, 5)


def guest(
    passport: str = "C01X00T41", *, permit_expiry: date | None = date(2025, 4, 30)
) -> dict[str, Any]:
    """One guest's fields as the check-in service takes them."""
    return {
        "surname": "Müller",
        "given_names": "Hans Peter",
        "sex": "M",
        "birth_date": date(1980, 5, 17),
        "birth_place": "Hamburg",
        "nationality": "D",
        "passport_number": passport,
        "issuing_country": "D",
        "passport_expiry": date(2030, 1, 1),
        "permit_type": "voa",
        "permit_number": "",
        "permit_expiry": permit_expiry,
        "purpose": "tourism",
        "phone": "",
    }


def check_in(
    db: Any,
    operator: User,
    lodging: Lodging,
    *,
    arrive: datetime = ARRIVAL,
    leave: date = LEAVING,
    reported: datetime | None = None,
    **guest_kw: Any,
) -> Stay:
    """Report one guest's arrival (an hour later unless `reported`); return the committed stay."""
    made = check_in_guests(
        operator,
        lodging,
        [guest(**guest_kw)],
        arrived=arrive,
        leaves=leave,
        now=reported or arrive + timedelta(hours=1),
    )
    db.session.commit()
    return made.stay


def alerts_of(db: Any, kind: str | None = None) -> list[Alert]:
    query = sa.select(Alert).order_by(Alert.id)
    if kind:
        query = query.where(Alert.kind == kind)
    return list(db.session.scalars(query))


def pinned_far_away(db: Any) -> Location:
    """An address in Legian, Bali, whose phone pin lies in Jakarta; committed."""
    place = place_at(
        "5103011004",
        "Jl. Legian No. 99",
        gps=GpsFix(lat=-6.1754, lon=106.8272, accuracy_m=20),
        now=wall_clock(),
    )
    db.session.commit()
    return place.location


def build_scene(
    create_user: Callable[..., User], create_lodging: Callable[..., Lodging]
) -> SimpleNamespace:
    """Two offices: Ngurah Rai (two Bali lodgings) and Jakarta Pusat (one lodging)."""
    officer = create_user("officer", username="petugas.ngr", office_code="kanim-ngurah-rai")
    colleague = create_user("officer", username="rekan.ngr", office_code="kanim-ngurah-rai")
    jakarta_officer = create_user(
        "officer", username="petugas.jkt", office_code="kanim-jakarta-pusat"
    )
    hotel_op = create_user("reporter", username="hotel.op")
    villa_op = create_user("reporter", username="villa.op")
    jakarta_op = create_user("reporter", username="gambir.op")
    hotel = create_lodging(hotel_op, name="Hotel Melati")
    villa = create_lodging(villa_op, name="Villa Kenanga", street="Jl. Padma No. 2")
    jakarta = create_lodging(
        jakarta_op, name="Hotel Gambir", street="Jl. Medan Merdeka", region_code="3171011001"
    )
    assert hotel.location.office_id == officer.office_id
    assert jakarta.location.office_id == jakarta_officer.office_id != officer.office_id
    return SimpleNamespace(
        officer=officer,
        colleague=colleague,
        jakarta_officer=jakarta_officer,
        hotel_op=hotel_op,
        villa_op=villa_op,
        jakarta_op=jakarta_op,
        hotel=hotel,
        villa=villa,
        jakarta=jakarta,
        office=officer.office_id,
    )

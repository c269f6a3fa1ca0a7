"""When an alert is due: the compliance rules' conditions, in SQL and per place's time zone.

Rules C4 (overdue check-out), C5 (permit expired during the stay) and C6 (one
passport open at two places) decide on local dates, so each condition here
compares a stay with the cut-off of its own place's zone. Pure over `now`:
nothing here reads the clock or writes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from apoa.compliance import rules
from apoa.compliance.settings import grace_hours
from apoa.extensions import db
from apoa.geocoding.models import REVIEW_MISMATCH, Location
from apoa.regions.timezones import WIB, WIT, WIT_PROVINCES, WITA, WITA_PROVINCES
from apoa.regions.timezones import timezone_for_region as zone_of
from apoa.reports.models import Person, Stay, StayStatus
from apoa.scoping import of_office

T = TypeVar("T")

ZONES = (WIB, WITA, WIT)
CHUNK = 500  # ids per IN (...) and rows per INSERT: well under SQLite's variable limit


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _by_zone(region_code: Any, values: Mapping[ZoneInfo, date]) -> sa.ColumnElement[date]:
    """Return, in SQL, the value for the time zone of the province a region code lies in.

    The same province sets as `apoa.regions.timezones.timezone_for_region`; an
    unknown or missing code falls to WIB there and here.
    """
    province = sa.func.substr(region_code, 1, 2)
    return sa.case(
        (province.in_(sorted(WITA_PROVINCES)), sa.literal(values[WITA], sa.Date)),
        (province.in_(sorted(WIT_PROVINCES)), sa.literal(values[WIT], sa.Date)),
        else_=sa.literal(values[WIB], sa.Date),
    )


def overdue_cutoffs(now: datetime) -> dict[ZoneInfo, date]:
    """Return, per time zone, the last expected check-out date that is overdue (rule C4)."""
    grace = grace_hours()
    return {zone: rules.overdue_cutoff(now, zone, grace_hours=grace) for zone in ZONES}


def overdue_condition(now: datetime) -> sa.ColumnElement[bool]:
    """Return the SQL condition of rule C4 for stays joined to their location.

    `rules.overdue_cutoff` per time zone gives the last expected check-out date
    that is overdue at `now`; each stay is compared with its own zone's.
    """
    cutoffs = overdue_cutoffs(now)
    return sa.and_(
        Stay.status == StayStatus.OPEN,
        Stay.expected_check_out <= max(cutoffs.values()),  # cheap filter before the CASE
        Stay.expected_check_out <= _by_zone(Location.region_code, cutoffs),
    )


def mismatch_condition() -> sa.ColumnElement[bool]:
    """A reporter's pin far from the chosen village (apoa.geocoding.services._check_pin)."""
    return sa.and_(
        Location.needs_review.is_(True),
        sa.func.coalesce(Location.review_reason, "") == REVIEW_MISMATCH,
    )


def stay_in_office(office_id: int | None) -> sa.ColumnElement[bool]:
    return of_office(Stay.office_id, office_id)


def permit_expired(
    stay_check_in: datetime,
    permit_expiry: date | None,
    checked_out_at: datetime | None,
    region_code: str | None,
    now: datetime,
) -> bool:
    """Apply rule C5 to one stay with the local dates of its place."""
    zone = zone_of(region_code)
    return rules.permit_expired_during_stay(
        permit_expiry,
        local_date(stay_check_in, zone),
        local_date(checked_out_at, zone) if checked_out_at is not None else None,
        today=local_date(now, zone),
    )


def stays_open_at_two_places(stay_ids: Collection[int]) -> set[int]:
    """Return those of `stay_ids` that share a night with an open stay of the same passport
    at another place (rule C6), looking at every office's stays."""
    found: set[int] = set()
    wanted = sorted(set(stay_ids))
    for chunk in chunks(wanted):
        persons = sa.select(Stay.person_id).where(Stay.id.in_(chunk))
        rows = db.session.execute(
            sa.select(
                Stay.id,
                Stay.location_id,
                Stay.check_in_at,
                Stay.expected_check_out,
                Location.region_code,
                Person.passport_number,
                Person.nationality,
                Person.birth_date,
            )
            .join(Person, Stay.person_id == Person.id)
            .join(Location, Stay.location_id == Location.id)
            .where(Stay.person_id.in_(persons), Stay.status == StayStatus.OPEN)
        ).all()
        # Open stays are compared on their expected dates, as the report services flag them.
        open_stays = [
            rules.OpenStay(
                stay_id=row.id,
                person_key=(row.passport_number, row.nationality, row.birth_date),
                place_id=row.location_id,
                check_in=local_date(row.check_in_at, zone_of(row.region_code)),
                check_out=row.expected_check_out,
            )
            for row in rows
        ]
        for a, b in rules.open_at_two_places(open_stays):
            found.update((a, b))
    return found & set(wanted)

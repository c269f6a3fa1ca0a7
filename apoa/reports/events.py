"""What a report changed, in plain values: the payload of the reports' signals.

Projections (map cells, compliance summaries) get a stay's state before and
after each change, so they never read a stay that the writer is still changing
and never need to import the writer (apoa/signals.py lists the signals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from apoa.reports.models import Stay, StayStatus


@dataclass(frozen=True)
class StayState:
    """One stay as the projections see it at one moment."""

    stay_id: int
    reporter_id: int
    lodging_id: int | None
    location_id: int
    office_id: int | None
    region_code: str | None
    lat: float | None
    lon: float | None
    nationality: str
    permit_type: str
    check_in_at: datetime
    checked_out_at: datetime | None
    expected_check_out: date
    status: str

    @property
    def is_open(self) -> bool:
        return self.status == StayStatus.OPEN

    @property
    def is_cancelled(self) -> bool:
        return self.status == StayStatus.CANCELLED


@dataclass(frozen=True)
class ReportFacts:
    """Who reported what, where and when the reported event happened (rule C1's input)."""

    reporter_id: int
    reporter_kind: str | None
    lodging_id: int | None
    office_id: int | None
    region_code: str | None
    happened_at: datetime | None


# (before, after): None before a check-in; a cancelled stay's after has status "cancelled".
StayChange = tuple[StayState | None, StayState | None]


def state_of(stay: Stay) -> StayState:
    """Return a stay's state as it stands now."""
    place = stay.location
    return StayState(
        stay_id=stay.id,
        reporter_id=stay.reporter_id,
        lodging_id=stay.lodging_id,
        location_id=stay.location_id,
        office_id=stay.office_id,
        region_code=place.region_code,
        lat=place.lat,
        lon=place.lon,
        nationality=stay.person.nationality,
        permit_type=stay.permit_type,
        check_in_at=stay.check_in_at,
        checked_out_at=stay.checked_out_at,
        expected_check_out=stay.expected_check_out,
        status=stay.status,
    )

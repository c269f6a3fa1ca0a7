"""Map filters from the URL: who and what to count (issue 5, point 2).

The pyramid holds only "open now, any guest"; any other filter is answered by
grouping the matching stays on the fly, over indexed columns, for the view.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVarTuple

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from apoa.accounts.models import ReporterKind, User
from apoa.geocoding.models import PRECISIONS, Location
from apoa.inputs import parse_day
from apoa.lodgings.models import Lodging, LodgingKind
from apoa.regions.timezones import WIB
from apoa.reports import codes
from apoa.reports.models import Person, Stay, StayStatus

Ts = TypeVarTuple("Ts")

LODGING_KINDS = tuple(kind.value for kind in LodgingKind)
REPORTER_KINDS = tuple(kind.value for kind in ReporterKind)


@dataclass(frozen=True)
class MapFilters:
    nationality: str | None = None
    permit_type: str | None = None
    reporter_kind: str | None = None
    lodging_kind: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    region: str | None = None
    precision: str | None = None

    @property
    def is_default(self) -> bool:
        """Tell whether the pyramid can answer: open stays now, nothing else chosen."""
        return self == MapFilters()

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> MapFilters:
        """Read the filters a URL carries; unknown values are ignored, not errors."""

        def pick(name: str, allowed: Collection[str]) -> str | None:
            value = (args.get(name) or "").strip()
            return value if value and value in allowed else None

        def day(name: str) -> date | None:
            try:
                return parse_day(args.get(name, ""))
            except ValueError:
                return None

        nationality = (args.get("nationality") or "").strip().upper()
        region = (args.get("region") or "").strip().replace(".", "")
        first = day("from") or day("day")
        last = day("to") or day("day") or first
        return cls(
            nationality=codes.canonical_nationality(nationality)
            if codes.is_nationality(nationality)
            else None,
            permit_type=pick("permit", codes.PERMIT_TYPES),
            reporter_kind=pick("reporter_kind", REPORTER_KINDS),
            lodging_kind=pick("lodging_kind", LODGING_KINDS),
            first_day=first,
            last_day=last if first else None,
            region=region if region.isdigit() and len(region) in (2, 4, 6, 10) else None,
            precision=pick("precision", PRECISIONS),
        )


def apply(query: sa.Select[*Ts], filters: MapFilters) -> sa.Select[*Ts]:
    """Add the filters to a query over Stay joined with Location."""
    if filters.first_day and filters.last_day:
        # Present on some day of the range (days in WIB: one map, one calendar).
        start = datetime.combine(filters.first_day, time.min, tzinfo=WIB)
        end = datetime.combine(filters.last_day + timedelta(days=1), time.min, tzinfo=WIB)
        query = query.where(
            Stay.status != StayStatus.CANCELLED,
            Stay.check_in_at < end,
            sa.or_(Stay.checked_out_at.is_(None), Stay.checked_out_at >= start),
        )
    else:
        query = query.where(Stay.status == StayStatus.OPEN)
    if filters.nationality:
        query = query.join(Person, Stay.person_id == Person.id).where(
            Person.nationality == filters.nationality
        )
    if filters.permit_type:
        query = query.where(Stay.permit_type == filters.permit_type)
    if filters.reporter_kind:
        query = query.join(User, Stay.reporter_id == User.id).where(
            User.reporter_kind == filters.reporter_kind
        )
    if filters.lodging_kind:
        query = query.join(Lodging, Stay.lodging_id == Lodging.id).where(
            Lodging.kind == filters.lodging_kind
        )
    if filters.region:
        query = query.where(Location.region_code.startswith(filters.region))
    if filters.precision:
        query = query.where(Location.precision == filters.precision)
    return query

"""Area coverage: per district and per village, who reports and whether foreigners are there.

Issue 6, point 3: officers look for areas where nobody reports at all. Every
district of the office's jurisdiction is listed, with or without reporters.
Figures come from the summaries only:

- registered places and compliant places: the active ledger rows, status in SQL;
- foreigners present in a district: `PresenceCount` (dimension "district");
- foreigners present in a village: the open stays counted on the ledger rows
  of the district (active or not: a deactivated reporter's guests are still
  there). Every open stay belongs to one place's row, lodging or area, and a
  row's village is its place's, so the villages add up to the district.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from apoa.compliance.listing import jurisdiction_districts, villages_of
from apoa.compliance.models import ComplianceStatus, Ledger, PresenceCount
from apoa.compliance.queries import LedgerColumns
from apoa.extensions import db
from apoa.regions.models import Region
from apoa.scoping import Column, of_office


@dataclass(frozen=True)
class AreaFigures:
    """One district or village: places registered, places compliant, foreigners present."""

    code: str | None  # None: places whose district or village is not known
    name: str | None
    registered: int
    compliant: int
    present: int
    in_jurisdiction: bool = True

    @property
    def share(self) -> float | None:
        return self.compliant / self.registered if self.registered else None

    @property
    def no_reporter(self) -> bool:
        """Nobody is registered to report here."""
        return self.registered == 0

    @property
    def uncovered(self) -> bool:
        """Foreigners are present, but no place here is compliant."""
        return self.present > 0 and self.compliant == 0

    def sort_key(self) -> tuple[int, float, int, str]:
        """Problems first: guests but nobody compliant; then nobody registered; then by share."""
        rank = 0 if self.uncovered else 1 if self.no_reporter else 2
        share = self.share if self.share is not None else 0.0
        return (rank, share, -self.present, (self.name or "~").lower())


@dataclass(frozen=True)
class Coverage:
    areas: list[AreaFigures]

    @property
    def total(self) -> AreaFigures:
        return AreaFigures(
            code=None,
            name=None,
            registered=sum(a.registered for a in self.areas),
            compliant=sum(a.compliant for a in self.areas),
            present=sum(a.present for a in self.areas),
        )

    @property
    def problems(self) -> int:
        return sum(1 for a in self.areas if a.uncovered or a.no_reporter)


def _ledger_counts(
    office_id: int, now: datetime, key: Column, *, district: str | None
) -> dict[str | None, tuple[int, int]]:
    """Return {area code: (registered, compliant)} over the office's active places."""
    compliant = sa.case(
        (LedgerColumns(now).status() == ComplianceStatus.COMPLIANT.value, 1), else_=0
    )
    select = (
        sa.select(key, sa.func.count(Ledger.id), sa.func.sum(compliant))
        .where(of_office(Ledger.office_id, office_id), Ledger.is_active.is_(True))
        .group_by(key)
    )
    if district is not None:
        select = select.where(Ledger.district_code == district)
    return {code: (int(n), int(ok or 0)) for code, n, ok in db.session.execute(select)}


def _names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        db.session.execute(sa.select(Region.code, Region.name).where(Region.code.in_(codes)))
    )


def _assemble(
    regions: list[Region],
    counts: dict[str | None, tuple[int, int]],
    present: dict[str | None, int],
) -> Coverage:
    listed = {r.code for r in regions}
    areas = [
        AreaFigures(
            code=r.code,
            name=r.name,
            registered=counts.get(r.code, (0, 0))[0],
            compliant=counts.get(r.code, (0, 0))[1],
            present=present.get(r.code, 0),
        )
        for r in regions
    ]
    # Places (or guests) whose area is not one of the listed ones: a coarse location, or a
    # place routed to the office from outside its jurisdiction. Shown, never dropped.
    extra = {c for c in set(counts) | {c for c, n in present.items() if n} if c not in listed}
    names = _names({c for c in extra if c})
    for code in extra:
        key = code or None
        areas.append(
            AreaFigures(
                code=key,
                name=names.get(code) if code else None,
                registered=counts.get(code, (0, 0))[0],
                compliant=counts.get(code, (0, 0))[1],
                present=present.get(code, 0),
                in_jurisdiction=False,
            )
        )
    areas.sort(key=AreaFigures.sort_key)
    return Coverage(areas)


def district_coverage(office_id: int, *, now: datetime) -> Coverage:
    """Return the figures of every district the office covers (and of stray areas)."""
    counts = _ledger_counts(office_id, now, Ledger.district_code, district=None)
    present = {
        (key or None): int(n)
        for key, n in db.session.execute(
            sa.select(PresenceCount.key, PresenceCount.n).where(
                of_office(PresenceCount.office_id, office_id),
                PresenceCount.dimension == "district",
                PresenceCount.n != 0,
            )
        )
    }
    return _assemble(jurisdiction_districts(office_id), counts, present)


def village_coverage(office_id: int, district_code: str, *, now: datetime) -> Coverage:
    """Return the figures of every village of one district of the office."""
    counts = _ledger_counts(office_id, now, Ledger.village_code, district=district_code)
    present = {
        code: int(n or 0)
        for code, n in db.session.execute(
            sa.select(Ledger.village_code, sa.func.sum(Ledger.open_stays))
            .where(of_office(Ledger.office_id, office_id), Ledger.district_code == district_code)
            .group_by(Ledger.village_code)
        )
    }
    return _assemble(villages_of(district_code), counts, present)

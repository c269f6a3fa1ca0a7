"""Route a region to the one immigration office whose jurisdiction covers it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from apoa.extensions import db
from apoa.regions.models import LEVEL_REGENCY, Office, OfficeJurisdiction, Region


def office_for_region(code: str | None) -> int | None:
    """Return the id of the active office covering `code`, the most specific claim winning.

    A district claim beats its regency's claim (Ngurah Rai covers the Kuta
    districts of Badung); ties go to the lowest office id, and
    `flask apoa check-jurisdictions` reports them.
    """
    if not code or len(code) < 4:
        return None
    prefixes = [code[:4]] + ([code[:6]] if len(code) >= 6 else [])
    rows = db.session.execute(
        sa.select(OfficeJurisdiction.region_code, OfficeJurisdiction.office_id)
        .join(Office)
        .where(OfficeJurisdiction.region_code.in_(prefixes), Office.is_active.is_(True))
        .order_by(
            sa.func.length(OfficeJurisdiction.region_code).desc(), OfficeJurisdiction.office_id
        )
        .limit(1)
    ).first()
    return rows[1] if rows else None


@dataclass(frozen=True)
class JurisdictionReport:
    uncovered: list[Region]  # regencies (or some of their districts) no office covers
    contested: list[tuple[str, list[str]]]  # region code → codes of the offices claiming it


def check_jurisdictions(province: str | None = None) -> JurisdictionReport:
    """Find areas that no active office covers and areas that two offices claim."""
    claims: dict[str, list[str]] = {}
    for region_code, office_code in db.session.execute(
        sa.select(OfficeJurisdiction.region_code, Office.code)
        .join(Office)
        .where(Office.is_active.is_(True))
        .order_by(OfficeJurisdiction.region_code, Office.code)
    ):
        claims.setdefault(region_code, []).append(office_code)
    contested = [(code, offices) for code, offices in claims.items() if len(offices) > 1]

    regencies = sa.select(Region).where(Region.level == LEVEL_REGENCY).order_by(Region.code)
    if province:
        regencies = regencies.where(Region.parent_code == province)
    districts_by_regency: dict[str, list[str]] = {}
    for code in db.session.scalars(sa.select(Region.code).where(Region.level == LEVEL_REGENCY + 1)):
        districts_by_regency.setdefault(code[:4], []).append(code)
    uncovered: list[Region] = []
    for regency in db.session.scalars(regencies):
        if regency.code in claims:
            continue
        districts = districts_by_regency.get(regency.code, [])
        if not districts or not all(d in claims for d in districts):
            uncovered.append(regency)
    return JurisdictionReport(uncovered=uncovered, contested=contested)


def uncovered_districts(regency_code: str) -> list[str]:
    """Return the districts of a partly covered regency that no office claims."""
    claimed = set(
        db.session.scalars(
            sa.select(OfficeJurisdiction.region_code)
            .join(Office)
            .where(
                Office.is_active.is_(True), OfficeJurisdiction.region_code.startswith(regency_code)
            )
        )
    )
    if regency_code in claimed:
        return []
    return list(
        db.session.scalars(
            sa.select(Region.code)
            .where(Region.parent_code == regency_code, Region.code.not_in(claimed))
            .order_by(Region.code)
        )
    )

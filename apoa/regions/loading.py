"""Load the region gazetteer and the seeded offices into the database (idempotent)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from apoa.extensions import db
from apoa.regions.models import Office, OfficeJurisdiction, Region, RegionSearchTerm
from apoa.regions.queries import search_name, search_terms
from apoa.regions.wilayah import read_wilayah

OFFICES_FILE = Path(__file__).parent / "data" / "offices.json"
BATCH = 5000


def load_regions() -> int:
    """Insert the regions that are not in the database yet; return how many were added.

    Parents come before children in the file (it is sorted by code), so foreign
    keys hold at every batch.
    """
    existing = set(db.session.scalars(sa.select(Region.code)))
    batch: list[dict[str, object]] = []
    added = 0
    for row in read_wilayah():
        if row.code in existing:
            continue
        batch.append(
            {
                "code": row.code,
                "level": row.level,
                "parent_code": row.parent_code or None,
                "name": row.name,
                "search_name": search_name(row.name),
                "postal_code": row.postal_code or None,
                "lat": row.lat,
                "lon": row.lon,
            }
        )
        if len(batch) >= BATCH:
            db.session.execute(sa.insert(Region), batch)
            added += len(batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(Region), batch)
        added += len(batch)
    index_search_terms()
    return added


def index_search_terms() -> int:
    """Add the type-ahead terms of regions that have none yet; return how many were added."""
    indexed = sa.select(RegionSearchTerm.code).distinct()
    rows = db.session.execute(
        sa.select(Region.code, Region.name, Region.level).where(Region.code.not_in(indexed))
    ).all()
    terms = [
        {"term": term, "code": code, "level": level}
        for code, name, level in rows
        for term in search_terms(name)
    ]
    for start in range(0, len(terms), BATCH):
        db.session.execute(sa.insert(RegionSearchTerm), terms[start : start + BATCH])
    return len(terms)


def load_offices(path: Path = OFFICES_FILE) -> int:
    """Create the seeded offices that do not exist yet; never touch ones admins have edited."""
    data = json.loads(path.read_text())
    known = set(db.session.scalars(sa.select(Office.code)))
    added = 0
    for item in data["offices"]:
        if item["code"] in known:
            continue
        office = Office(code=item["code"], name=item["name"], office_class=item.get("office_class"))
        office.jurisdictions = [OfficeJurisdiction(region_code=c) for c in item["jurisdiction"]]
        db.session.add(office)
        added += 1
    db.session.flush()
    return added

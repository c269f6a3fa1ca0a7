"""Named queries over the region gazetteer and the areas offices cover."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from apoa.extensions import db
from apoa.regions.models import OfficeJurisdiction, Region, RegionSearchTerm
from apoa.regions.timezones import WIB, timezone_for_region

_NON_WORD = re.compile(r"[^0-9a-z]+")


def search_name(name: str) -> str:
    """Fold a region name for searching: lower case, punctuation to spaces."""
    return _NON_WORD.sub(" ", name.lower()).strip()


def get_region(code: str) -> Region | None:
    """Return one region by its code."""
    return db.session.get(Region, code)


def list_children(parent_code: str | None) -> list[Region]:
    """Return the regions directly inside `parent_code` (provinces when None), by name."""
    query = sa.select(Region).order_by(Region.name)
    query = query.where(
        Region.parent_code.is_(None) if parent_code is None else Region.parent_code == parent_code
    )
    return list(db.session.scalars(query))


def search_terms(name: str) -> set[str]:
    """Return the word-starts of a name: "kota administrasi jakarta pusat" → 4 terms."""
    words = search_name(name).split()
    return {" ".join(words[i:]) for i in range(len(words))}


def find_regions(
    text: str, *, level: int | None = None, within: str | None = None, limit: int = 20
) -> list[Region]:
    """Return regions with a word starting with `text` (names that start with it first)."""
    folded = search_name(text)
    if not folded:
        return []
    matches = (
        sa.select(RegionSearchTerm.code, sa.func.max(RegionSearchTerm.term).label("term"))
        .where(RegionSearchTerm.term >= folded, RegionSearchTerm.term < folded + "~")
        .group_by(RegionSearchTerm.code)
    )
    if level is not None:
        matches = matches.where(RegionSearchTerm.level == level)
    if within:
        matches = matches.where(RegionSearchTerm.code.startswith(within, autoescape=True))
    hits = matches.subquery()
    # A name that starts with the text ranks before one where only a later word does.
    starts_with_it = sa.case((Region.search_name == hits.c.term, 0), else_=1)
    query = (
        sa.select(Region)
        .join(hits, hits.c.code == Region.code)
        .order_by(starts_with_it, Region.search_name, Region.code)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def region_path(code: str) -> list[Region]:
    """Return the chain province → … → the region itself."""
    codes = [code[:n] for n in (2, 4, 6, 10) if len(code) >= n]
    rows = {r.code: r for r in db.session.scalars(sa.select(Region).where(Region.code.in_(codes)))}
    return [rows[c] for c in codes if c in rows]


def region_labels(codes: list[str]) -> dict[str, str]:
    """Return "Village, District, Regency, Province" for many codes with one query."""
    wanted = {code[:n] for code in codes for n in (2, 4, 6, 10) if len(code) >= n}
    names = dict(
        db.session.execute(sa.select(Region.code, Region.name).where(Region.code.in_(wanted))).all()
    )
    return {
        code: ", ".join(
            names[c]
            for c in reversed([code[:n] for n in (2, 4, 6, 10) if len(code) >= n])
            if c in names
        )
        for code in codes
    }


def region_label(code: str | None) -> str:
    """Return "Village, District, Regency, Province" for a code (or the code if unknown)."""
    if not code:
        return ""
    path = region_path(code)
    return ", ".join(r.name for r in reversed(path)) if path else code


def office_zone(office_id: int | None) -> ZoneInfo:
    """Return an office's time zone: the zone of the first code it covers (an office lies in one).

    WIB for the country (None), for the places no office covers (0) and for an
    office that covers nothing yet.
    """
    if not office_id:
        return WIB
    first = db.session.scalar(
        sa.select(sa.func.min(OfficeJurisdiction.region_code)).where(
            OfficeJurisdiction.office_id == office_id
        )
    )
    return timezone_for_region(first)


def office_zones() -> dict[int, ZoneInfo]:
    """Return every office's time zone (as `office_zone` gives it), in one query."""
    rows = db.session.execute(
        sa.select(
            OfficeJurisdiction.office_id, sa.func.min(OfficeJurisdiction.region_code)
        ).group_by(OfficeJurisdiction.office_id)
    )
    return {office_id: timezone_for_region(first) for office_id, first in rows}

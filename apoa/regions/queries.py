"""Named queries over the region gazetteer."""

from __future__ import annotations

import re

import sqlalchemy as sa

from apoa.extensions import db
from apoa.regions.models import Region

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


def find_regions(
    text: str, *, level: int | None = None, within: str | None = None, limit: int = 20
) -> list[Region]:
    """Return regions whose name starts with (or contains) `text`, optionally inside `within`."""
    folded = search_name(text)
    if not folded:
        return []
    query = sa.select(Region)
    if level is not None:
        query = query.where(Region.level == level)
    if within:
        query = query.where(Region.code.startswith(within, autoescape=True))
    prefix = list(
        db.session.scalars(
            query.where(Region.search_name.startswith(folded, autoescape=True))
            .order_by(Region.search_name, Region.code)
            .limit(limit)
        )
    )
    if len(prefix) >= limit:
        return prefix
    seen = {r.code for r in prefix}
    more = db.session.scalars(
        query.where(Region.search_name.contains(" " + folded, autoescape=True))
        .order_by(Region.search_name, Region.code)
        .limit(limit)
    )
    return prefix + [r for r in more if r.code not in seen][: limit - len(prefix)]


def region_path(code: str) -> list[Region]:
    """Return the chain province → … → the region itself."""
    codes = [code[:n] for n in (2, 4, 6, 10) if len(code) >= n]
    rows = {r.code: r for r in db.session.scalars(sa.select(Region).where(Region.code.in_(codes)))}
    return [rows[c] for c in codes if c in rows]


def region_label(code: str | None) -> str:
    """Return "Village, District, Regency, Province" for a code (or the code if unknown)."""
    if not code:
        return ""
    path = region_path(code)
    return ", ".join(r.name for r in reversed(path)) if path else code

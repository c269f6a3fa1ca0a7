"""JSON endpoints behind the region pickers (signed-in users only)."""

from __future__ import annotations

from typing import Any

from flask import request

from apoa.inputs import database_int
from apoa.regions import bp, queries
from apoa.regions.models import Region


def _as_json(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "postal_code": region.postal_code,
    }


@bp.get("/children")
def children() -> Any:
    parent = request.args.get("parent") or None
    return {"regions": [_as_json(r) for r in queries.list_children(parent)]}


@bp.get("/<code>")
def region(code: str) -> Any:
    found = queries.get_region(code)
    if found is None:
        return {"error": "not found"}, 404
    return dict(
        _as_json(found), lat=found.lat, lon=found.lon, label=queries.region_label(found.code)
    )


@bp.get("/search")
def search() -> Any:
    level = request.args.get("level", type=database_int)
    within = request.args.get("within") or None
    found = queries.find_regions(request.args.get("q", ""), level=level, within=within)
    labels = queries.region_labels([r.code for r in found])
    return {"regions": [dict(_as_json(r), label=labels[r.code]) for r in found]}

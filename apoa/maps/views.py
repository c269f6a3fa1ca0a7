"""The officers' map data: clusters from the pyramid, places at street level."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask_login import current_user

from apoa.accounts.models import Role
from apoa.db import writes_on_get
from apoa.maps import services
from apoa.maps.filters import MapFilters
from apoa.security import role_required

bp = Blueprint("maps", __name__)

STREET_ZOOM = 15


@bp.get("/api/map/clusters")
@role_required(Role.OFFICER, Role.ADMIN)
def clusters() -> Any:
    try:
        view = services.Viewport.parse(request.args.get("bbox", ""), request.args.get("z", ""))
    except ValueError:
        abort(400)
    actor = current_user._get_current_object()
    filters = MapFilters.from_args(request.args)
    if view.zoom >= STREET_ZOOM:
        found = (
            services.points(actor, view)
            if filters.is_default
            else services.filtered_points(actor, view, filters)
        )
        return {"z": view.zoom, "clusters": [], "points": found}
    cells = (
        services.clusters(actor, view)
        if filters.is_default
        else services.filtered_clusters(actor, view, filters)
    )
    return {"z": view.zoom, "clusters": cells, "points": []}


@bp.get("/map")
@role_required(Role.OFFICER, Role.ADMIN)
def map_page() -> Any:
    from flask import current_app, render_template, url_for

    from apoa.maps.builders import map_shell
    from apoa.security import csp_nonce

    shell = map_shell(
        tiles_url=current_app.config["MAP_TILES_URL"],
        attribution=current_app.config["MAP_TILES_ATTRIBUTION"],
        leaflet_js=url_for("static", filename="vendor/leaflet/leaflet.js"),
        leaflet_css=url_for("static", filename="vendor/leaflet/leaflet.css"),
        nonce=csp_nonce(),
    )
    from apoa.maps.filters import LODGING_KINDS
    from apoa.reports.forms import PERMIT_LABELS, nationality_choices

    return render_template(
        "maps/map.html",
        shell=shell,
        filters=request.args,
        nationalities=nationality_choices(),
        permits=PERMIT_LABELS,
        lodging_kinds=LODGING_KINDS,
    )


@bp.get("/api/map/places/<int:location_id>")
@role_required(Role.OFFICER)
@writes_on_get
def place(location_id: int) -> Any:
    """What a marker's popup shows: the place, how many stay, their nationalities; no names."""
    import sqlalchemy as sa
    from flask import url_for

    from apoa.audit.services import record_event
    from apoa.extensions import db
    from apoa.geocoding.models import Location
    from apoa.reports.models import Person, Stay, StayStatus
    from apoa.scoping import get_visible_or_404, stays_visible_to

    actor = current_user._get_current_object()
    location = get_visible_or_404(Location, location_id, actor)
    stays = db.session.execute(
        stays_visible_to(actor)
        .with_only_columns(Stay.id, Stay.check_in_at, Person.nationality)
        .join(Person, Stay.person_id == Person.id)
        .where(Stay.location_id == location.id, Stay.status == StayStatus.OPEN)
        .order_by(Stay.check_in_at)
        .limit(200)
    ).all()
    if not stays:
        abort(404)
    from apoa.lodgings.models import Lodging

    lodging = db.session.scalar(sa.select(Lodging).where(Lodging.location_id == location.id))
    record_event("map.place_view", actor=actor, object_type="location", object_id=location.id)
    db.session.commit()
    nationalities: dict[str, int] = {}
    for _, _, nationality in stays:
        nationalities[nationality] = nationalities.get(nationality, 0) + 1
    return {
        "place": lodging.name if lodging else location.address_text(),
        "guests": len(stays),
        "nationalities": nationalities,
        "stays": [
            {"check_in": check_in.isoformat(), "url": url_for("reports.stay", stay_id=stay_id)}
            for stay_id, check_in, _ in stays
        ],
    }


@bp.get("/api/map/areas")
@role_required(Role.OFFICER, Role.ADMIN)
def areas() -> Any:
    """Counts per district or village, for the map's area layers."""
    try:
        view = services.Viewport.parse(request.args.get("bbox", ""), request.args.get("z", "0"))
        level = int(request.args.get("level", "3"))
        if level not in (3, 4):
            raise ValueError(level)
    except ValueError:
        abort(400)
    actor = current_user._get_current_object()
    filters = MapFilters.from_args(request.args)
    return {"level": level, "areas": services.area_counts(actor, view, level, filters)}


@bp.get("/api/map/silent")
@role_required(Role.OFFICER, Role.ADMIN)
def silent() -> Any:
    """Verified lodgings in view that have not reported lately (no stay, no nil report)."""
    from apoa.db import utcnow

    try:
        view = services.Viewport.parse(request.args.get("bbox", ""), request.args.get("z", "0"))
    except ValueError:
        abort(400)
    actor = current_user._get_current_object()
    return {"places": services.silent_places(actor, view, now=utcnow())}

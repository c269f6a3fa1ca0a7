"""The officers' map data: clusters from the pyramid, places at street level."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request, url_for

from apoa import clock
from apoa.accounts.models import Role
from apoa.db import writes_on_get
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.maps import bp, services
from apoa.maps.builders import map_shell
from apoa.maps.filters import LODGING_KINDS, MapFilters
from apoa.reports.forms import nationality_choices
from apoa.scoping import get_visible_or_404
from apoa.security import csp_nonce, current_actor, role_required

STREET_ZOOM = 15


def _viewport(default_zoom: str) -> services.Viewport:
    try:
        return services.Viewport.parse(
            request.args.get("bbox", ""), request.args.get("z", default_zoom)
        )
    except ValueError:
        abort(400)


@bp.get("/api/map/clusters")
@role_required(Role.OFFICER, Role.ADMIN)
def clusters() -> Any:
    view = _viewport("")
    actor = current_actor()
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
    shell = map_shell(
        tiles_url=current_app.config["MAP_TILES_URL"],
        attribution=current_app.config["MAP_TILES_ATTRIBUTION"],
        leaflet_js=url_for("static", filename="vendor/leaflet/leaflet.js"),
        leaflet_css=url_for("static", filename="vendor/leaflet/leaflet.css"),
        nonce=csp_nonce(),
    )
    return render_template(
        "maps/map.html",
        shell=shell,
        filters=request.args,
        nationalities=nationality_choices(),
        lodging_kinds=LODGING_KINDS,
    )


@bp.get("/api/map/places/<int:location_id>")
@role_required(Role.OFFICER)
@writes_on_get
def place(location_id: int) -> Any:
    """What a marker's popup shows: the place, how many stay, their nationalities; no names."""
    now = clock.now()
    actor = current_actor()
    location = get_visible_or_404(Location, location_id, actor)
    shown = services.view_place(actor, location, now=now)
    if shown is None:
        abort(404)
    db.session.commit()
    return {
        "place": shown.name,
        "guests": len(shown.stays),
        "nationalities": shown.nationalities(),
        "stays": [
            {"check_in": check_in.isoformat(), "url": url_for("reports.stay", stay_id=stay_id)}
            for stay_id, check_in, _ in shown.stays
        ],
    }


@bp.get("/api/map/areas")
@role_required(Role.OFFICER, Role.ADMIN)
def areas() -> Any:
    """Counts per district or village, for the map's area layers."""
    view = _viewport("0")
    try:
        level = int(request.args.get("level", "3"))
    except ValueError:
        abort(400)
    if level not in (3, 4):
        abort(400)
    filters = MapFilters.from_args(request.args)
    return {"level": level, "areas": services.area_counts(current_actor(), view, level, filters)}


@bp.get("/api/map/silent")
@role_required(Role.OFFICER, Role.ADMIN)
def silent() -> Any:
    """Verified lodgings in view that have not reported lately, as the compliance rules say."""
    now = clock.now()
    view = _viewport("0")
    return {"places": services.silent_places(current_actor(), view, now=now)}

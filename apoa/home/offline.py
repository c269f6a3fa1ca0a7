"""What makes apoa an installable app that works offline (issue 12): the service worker,
the web app manifest, the offline page and a fresh CSRF token for reports sent later.

The worker is rendered here rather than served as a static file: it must sit at "/"
to control every page, and it carries the hash of each file it keeps, so changing a
script or a style changes the worker and phones fetch the new files.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from apoa.home import bp

# The pages a reporter needs with no connection. The guest list is left out on purpose:
# it holds personal data, which is never kept on the phone.
OFFLINE_PAGES = ("/", "/reports/check-in", "/reports/nil", "/offline")
# What the report forms load; kept with their hashes when the worker installs.
PRECACHED_STATIC = (
    "css/app.css",
    "js/app.js",
    "js/outbox.js",
    "js/report-form.js",
    "js/region-picker.js",
    "js/location-picker.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
    "vendor/idb/umd.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
)
# How long a page may take before the phone shows its kept copy instead (seconds).
NETWORK_TIMEOUT = 6


@cache
def _precache_entries(static_folder: str) -> tuple[dict[str, str], ...]:
    entries = []
    for name in PRECACHED_STATIC:
        path = Path(static_folder) / name
        if path.exists():  # vendor/ is absent until `make vendor`
            revision = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            entries.append({"url": f"/static/{name}", "revision": revision})
    return tuple(entries)


def precache_entries() -> list[dict[str, str]]:
    static_folder = current_app.static_folder or ""
    if current_app.debug:  # files change while developing
        _precache_entries.cache_clear()
    return list(_precache_entries(static_folder))


@bp.get("/sw.js")
def service_worker() -> Any:
    body = render_template(
        "home/sw.js",
        precache=precache_entries(),
        cached_pages=list(OFFLINE_PAGES),
        network_timeout=NETWORK_TIMEOUT,
    )
    headers = {
        "Content-Type": "application/javascript; charset=utf-8",
        # The browser checks for a new worker on every visit; never from a cache.
        "Cache-Control": "no-cache",
        "Service-Worker-Allowed": "/",
    }
    return body, 200, headers


@bp.get("/manifest.webmanifest")
def manifest() -> Any:
    icons = [
        {
            "src": url_for("static", filename=f"img/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ]
    response = jsonify(
        name=_("apoa: reporting foreign guests"),
        short_name="apoa",
        start_url=url_for("home.index"),
        scope="/",
        display="standalone",
        background_color="#ffffff",
        theme_color="#0b5c8e",
        icons=icons,
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def offline_page() -> Any:
    return render_template("home/offline.html")


@bp.get("/session/csrf")
def csrf_token() -> Any:
    """A fresh CSRF token for a report that waited on the phone past its own (R8)."""
    return jsonify(csrf_token=generate_csrf())

"""Build the map shell with folium: data in, HTML/script strings out.

folium draws only the empty map (base tiles, controls); the clusters come
from /api/map/clusters through static/js/map.js, so no stay is ever written
into the page and its size does not grow with the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import folium

INDONESIA_CENTRE = (-2.5, 118.0)


@dataclass(frozen=True)
class MapShell:
    header: str  # <link>, <script src>, <style> for <head>
    html: str  # the map's <div>
    script: str  # the inline script that creates the Leaflet map
    map_var: str  # the global JavaScript name of the map


def _with_nonce(fragment: str, nonce: str) -> str:
    """Let the strict CSP run folium's inline blocks: each gets this request's nonce."""
    return re.sub(r"<(script|style)>", rf'<\1 nonce="{nonce}">', fragment)


def map_shell(
    *,
    tiles_url: str,
    attribution: str,
    leaflet_js: str,
    leaflet_css: str,
    nonce: str,
    centre: tuple[float, float] = INDONESIA_CENTRE,
    zoom: int = 5,
) -> MapShell:
    """Return the pieces of a folium map that loads Leaflet from our own server."""
    fmap = folium.Map(location=list(centre), zoom_start=zoom, tiles=None, control_scale=True)
    # Per instance: folium's class-level lists point at CDNs and are shared by every map.
    fmap.default_js = [("leaflet", leaflet_js)]
    fmap.default_css = [("leaflet_css", leaflet_css)]
    folium.TileLayer(tiles_url, attr=attribution, max_zoom=19, name="base").add_to(fmap)
    root = fmap.get_root()
    if not isinstance(root, folium.Figure):  # a Map's root is always its page
        raise TypeError(f"unexpected folium root {type(root).__name__}")
    root.render()
    # Our page has its own viewport meta; folium's would forbid zooming the page.
    header = re.sub(r"<meta[^>]*>", "", root.header.render())
    return MapShell(
        header=_with_nonce(header, nonce),
        html=root.html.render(),
        script=_with_nonce(f"<script>{root.script.render()}</script>", nonce),
        map_var=fmap.get_name(),
    )

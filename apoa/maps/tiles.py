"""Pure Web-Mercator tile maths for the cluster pyramid (performance.md, section 4).

Every point is stored once as integer tile coordinates at zoom 18; the cell
of a point at zoom z is those coordinates shifted right, so cells nest.
"""

from __future__ import annotations

import math

BASE_ZOOM = 18
MAX_LATITUDE = 85.05112878  # Web Mercator's square world
# Cells are four times finer than the map's tiles (~64 px on screen).
CELL_SUBDIVISION_BITS = 2
MAX_CELL_ZOOM = BASE_ZOOM - CELL_SUBDIVISION_BITS


def to_tile(lat: float, lon: float, zoom: int = BASE_ZOOM) -> tuple[int, int]:
    """Return the integer tile (x, y) that contains a point at a zoom level."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    n = 1 << zoom
    x = int((lon + 180.0) / 360.0 * n)
    lat_rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_to_lonlat(x: float, y: float, zoom: int) -> tuple[float, float]:
    """Return the (lon, lat) of a tile's north-west corner (fractional tiles allowed)."""
    n = 1 << zoom
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def cell_shift(zoom: int) -> int:
    """Return how many bits to drop from zoom-18 coordinates to get a zoom's cell."""
    if not 0 <= zoom <= MAX_CELL_ZOOM:
        raise ValueError(f"cell zoom must be 0..{MAX_CELL_ZOOM}")
    return BASE_ZOOM - (zoom + CELL_SUBDIVISION_BITS)


def cell_of(x18: int, y18: int, zoom: int) -> tuple[int, int]:
    """Return the cell (cx, cy) at `zoom` that holds a point stored at zoom 18."""
    shift = cell_shift(zoom)
    return x18 >> shift, y18 >> shift


def cell_range(
    west: float, south: float, east: float, north: float, zoom: int
) -> tuple[int, int, int, int]:
    """Return the inclusive cell ranges (cx0, cy0, cx1, cy1) covering a bounding box."""
    x0, y0 = to_tile(north, west)
    x1, y1 = to_tile(south, east)
    shift = cell_shift(zoom)
    return x0 >> shift, y0 >> shift, x1 >> shift, y1 >> shift

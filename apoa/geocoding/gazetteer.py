"""Offline geocoder over the Indonesian administrative-area gazetteer (Kemendagri codes).

The data (``data/wilayah.csv.gz``, see ``data/NOTICE``) lists 38 provinces, 514
regencies/cities, 7,285 districts and 83,762 villages with their centroids, so the
best precision is a village centroid: a few kilometres, never a rooftop.

Matching follows the design notes (performance.md, section 4): names collide heavily (98
villages are called Sidomulyo), so every area named in the address is looked up
at every level, each candidate is scored by how many named areas (and the postal
code) agree with it or its ancestors, and a tie falls back to the deepest common
ancestor at a coarser precision instead of a guess.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from apoa.geocoding.address import (
    DESA,
    DISTRICT,
    KABUPATEN,
    KELURAHAN,
    KOTA,
    LEVEL_NAMES,
    PROVINCE,
    REGENCY,
    VILLAGE,
    AreaToken,
    ParsedAddress,
    name_key,
    normalise,
    parse_address,
    parse_parts,
)
from apoa.regions.wilayah import DATA_PATH, WilayahRow, read_wilayah

SOURCE = "offline"

CODE_LENGTHS = {PROVINCE: 2, REGENCY: 4, DISTRICT: 6, VILLAGE: 10}
_LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTHS.items()}

# Other names in daily use for provinces and cities, beside the official ones.
PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "11": ("nad", "nanggroe aceh darussalam", "aceh darussalam"),
    "12": ("sumut",),
    "13": ("sumbar",),
    "16": ("sumsel",),
    "19": ("bangka belitung", "babel"),
    "21": ("kepri",),
    "31": ("jakarta", "dki", "dki jakarta", "dkj", "daerah khusus jakarta", "jakarta raya"),
    "32": ("jabar",),
    "33": ("jateng",),
    "34": ("diy", "di yogyakarta", "yogyakarta", "jogja", "jogjakarta", "yogya", "jogya"),
    "35": ("jatim",),
    "52": ("ntb",),
    "53": ("ntt",),
    "61": ("kalbar",),
    "62": ("kalteng",),
    "63": ("kalsel",),
    "64": ("kaltim",),
    "65": ("kaltara",),
    "71": ("sulut",),
    "72": ("sulteng",),
    "73": ("sulsel",),
    "74": ("sultra",),
    "76": ("sulbar",),
    "82": ("malut",),
}
REGENCY_ALIASES: dict[str, tuple[str, ...]] = {
    "3471": ("jogja", "jogjakarta", "yogya", "jogya"),
    "3171": ("jakarta pusat",),
    "3172": ("jakarta utara",),
    "3173": ("jakarta barat",),
    "3174": ("jakarta selatan",),
    "3175": ("jakarta timur",),
}
# Official regency names start with one of these; the rest is matched on its own.
_REGENCY_PREFIXES = (
    ("kabupaten administrasi ", "kabupaten"),
    ("kota administrasi ", "kota"),
    ("kabupaten ", "kabupaten"),
    ("kota ", "kota"),
    ("kab ", "kabupaten"),
)

_NAME_POINTS = 10  # one named area (or the postal code) agreeing with a candidate
_WINDOW_MAX_WORDS = 5
_GRID_DEG = 0.1  # reverse-geocoding cell, about 11 km
_MAX_RINGS = 60  # give up beyond ~6 degrees: the point is not in Indonesia
_CACHE_LIMIT = 200_000


class Match(NamedTuple):
    """The outcome of resolving one address against the gazetteer."""

    code: str
    ambiguous: bool
    score: int
    named: bool  # the area itself was named, not only implied by the postal code
    conflicts: int  # named areas that matched something outside the winning chain
    alternatives: tuple[str, ...]  # the tied candidates when ambiguous
    shared_name: bool = False  # one name had to stand for two levels of the chain
    close_call: bool = False  # won over another area by a tie-break point only


def ancestor_codes(code: str) -> tuple[str, ...]:
    """Return the codes of the province, regency and district above ``code``."""
    # Spelled out rather than looped: this is the hottest function of a geocode.
    n = len(code)
    if n == 10:
        return (code[:2], code[:4], code[:6])
    if n == 6:
        return (code[:2], code[:4])
    if n == 4:
        return (code[:2],)
    return ()


def level_of(code: str) -> int:
    """Return the level (1 province .. 4 village) of a Kemendagri code."""
    return _LEVEL_BY_LENGTH[len(code)]


def common_ancestor(codes: Iterable[str]) -> str | None:
    """Return the deepest code that is (or is above) every given code."""
    items = list(codes)
    if not items:
        return None
    for n in (10, 6, 4, 2):
        prefix = items[0][:n]
        if len(prefix) == n and all(c[:n] == prefix and len(c) >= n for c in items):
            return prefix
    return None


def _matching(masks: list[int]) -> int:
    """Count how many chain levels can each be explained by a different named area.

    ``masks[i]`` holds the named areas (as bits) matching level ``i`` of a candidate's
    chain. One name explains one level only: "Kejajar, Kec. Kejajar" supports the
    village Kejajar (two levels) more than another village in that district (one).
    """
    union = 0
    total = 0
    for mask in masks:
        union |= mask
        total += mask.bit_count()
    if total == union.bit_count():
        return len(masks)  # no name shared between levels: the common case, no search
    owner: dict[int, int] = {}

    def assign(level: int, seen: set[int]) -> bool:
        """Give ``level`` a name, moving earlier assignments if needed (Kuhn's algorithm)."""
        rest = masks[level]
        while rest:
            bit = rest & -rest
            rest ^= bit
            if bit in seen:
                continue
            seen.add(bit)
            if bit not in owner or assign(owner[bit], seen):
                owner[bit] = level
                return True
        return False

    return sum(assign(level, set()) for level in range(len(masks)))


def clean_code(code: str) -> str:
    """Accept dotted codes ("51.03.01") as well as plain ones."""
    return code.strip().replace(".", "")


class Gazetteer:
    """All areas in memory with indexes by name, postal code, parent and position."""

    def __init__(self, rows: Iterable[WilayahRow]) -> None:
        """Index the given rows (use ``get_gazetteer()`` for the packaged data)."""
        self.rows: dict[str, WilayahRow] = {}
        self.children: dict[str, list[str]] = {}
        # by_name[0] holds every level; by_name[level] one level. Values are code tuples.
        self.by_name: list[dict[str, tuple[str, ...]]] = [{} for _ in range(5)]
        self.by_postal: dict[str, tuple[str, ...]] = {}
        self.cities: set[str] = set()  # regencies that are a "Kota"
        self._grid: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
        self._token_cache: dict[tuple[Any, ...], tuple[tuple[str, ...], ...]] = {}

        postal: dict[str, list[str]] = {}
        for row in rows:
            self.rows[row.code] = row
            if row.parent_code:
                self.children.setdefault(row.parent_code, []).append(row.code)
            self._index(self._key_for(row), row.level, row.code)
            if row.postal_code and row.level == VILLAGE:
                postal.setdefault(row.postal_code, []).append(row.code)
            if row.level == VILLAGE and row.lat is not None and row.lon is not None:
                cell = (math.floor(row.lat / _GRID_DEG), math.floor(row.lon / _GRID_DEG))
                self._grid.setdefault(cell, []).append((row.lat, row.lon, row.code))
        self.by_postal = {k: tuple(v) for k, v in postal.items()}
        for code, aliases in (*PROVINCE_ALIASES.items(), *REGENCY_ALIASES.items()):
            if code in self.rows:
                for alias in aliases:
                    self._index(name_key(alias), level_of(code), code)

    @classmethod
    def load(cls, path: str | Path = DATA_PATH) -> Gazetteer:
        """Read and index a gazetteer file (the packaged one by default)."""
        return cls(read_wilayah(path))

    def _key_for(self, row: WilayahRow) -> str:
        """Return the name key of a row; regencies lose their "Kabupaten"/"Kota" prefix."""
        if row.level == REGENCY:
            lowered = normalise(row.name) + " "
            for prefix, kind in _REGENCY_PREFIXES:
                if lowered.startswith(prefix):
                    if kind == KOTA:
                        self.cities.add(row.code)
                    return name_key(lowered[len(prefix) :])
        return name_key(row.name)

    def _index(self, key: str, level: int, code: str) -> None:
        """Add a code under a key, once, in the per-level and all-level indexes."""
        for index in (self.by_name[level], self.by_name[0]):
            found = index.get(key, ())
            if code not in found:
                index[key] = (*found, code)

    # --- lookups -------------------------------------------------------------

    def get(self, code: str) -> WilayahRow | None:
        """Return the area with this code, dotted or not."""
        return self.rows.get(clean_code(code))

    def chain(self, code: str) -> list[WilayahRow]:
        """Return the area and its ancestors, province first."""
        return [self.rows[c] for c in (*ancestor_codes(code), code) if c in self.rows]

    def find(self, name: str, level: int | None = None) -> tuple[str, ...]:
        """Return the codes of areas called ``name`` (at one level, or any)."""
        return self.by_name[level or 0].get(name_key(name), ())

    def point_of(self, code: str) -> tuple[WilayahRow, float, float] | None:
        """Return the nearest row on the chain (itself first) that has coordinates."""
        for candidate in (code, *reversed(ancestor_codes(code))):
            row = self.rows.get(candidate)
            if row is not None and row.lat is not None and row.lon is not None:
                return row, row.lat, row.lon
        return None

    def kind_differs(self, code: str, kind: str) -> bool:
        """Tell whether an area is not of the kind a hint word named (kota, desa, ...)."""
        if len(code) == 4 and kind in (KOTA, KABUPATEN):
            return (code in self.cities) != (kind == KOTA)
        if len(code) == 10 and kind in (KELURAHAN, DESA):
            return code[6] != ("1" if kind == KELURAHAN else "2")
        return False

    def _match(self, name: str, level: int | None) -> tuple[str, ...]:
        """Look a name up at the hinted level, falling back to every level."""
        key = name_key(name)
        if not key:
            return ()
        if level:
            found = self.by_name[level].get(key, ())
            if found:
                return found
        return self.by_name[0].get(key, ())

    def _windows(self, words: list[str], level: int | None) -> list[tuple[str, ...]]:
        """Find areas inside comma-less text, longest word runs first."""
        groups: list[tuple[str, ...]] = []
        covered = [False] * len(words)
        if level:
            # "kab badung bali": the hint belongs to the words right after it.
            for n in range(len(words), 0, -1):
                found = self.by_name[level].get(name_key(" ".join(words[:n])), ())
                if found:
                    groups.append(found)
                    covered[:n] = [True] * n
                    break
        for n in range(min(len(words), _WINDOW_MAX_WORDS), 0, -1):
            for start in range(len(words) - n + 1):
                if any(covered[start : start + n]):
                    continue
                chunk = words[start : start + n]
                # Lone numbers and two-letter words are house numbers or noise.
                if n == 1 and (len(chunk[0]) < 3 or chunk[0].isdigit()):
                    continue
                found = self.by_name[0].get(name_key(" ".join(chunk)), ())
                if found:
                    groups.append(found)
                    covered[start : start + n] = [True] * n
        return groups

    def token_groups(self, token: AreaToken) -> tuple[tuple[str, ...], ...]:
        """Return the candidate codes for one area token, one group per area found."""
        cache_key = (token.name, token.level_hint, token.full, token.loose)
        cached = self._token_cache.get(cache_key)
        if cached is not None:
            return cached
        found = self._match(token.name, token.level_hint)
        if token.full:
            extra = self.by_name[0].get(name_key(token.full), ())
            found = found + tuple(c for c in extra if c not in found)
        if found:
            groups: tuple[tuple[str, ...], ...] = (found,)
        elif token.loose:
            groups = tuple(self._windows(token.name.split(), token.level_hint))
        else:
            groups = ()
        if len(self._token_cache) >= _CACHE_LIMIT:
            self._token_cache.clear()  # bounded memory; a cold cache only costs speed
        self._token_cache[cache_key] = groups
        return groups

    # --- resolution ----------------------------------------------------------

    def resolve(
        self,
        parsed: ParsedAddress,
        *,
        region_code: str | None = None,
        postal_code: str | None = None,
    ) -> Match | None:
        """Pick the most specific area the address supports, or a common ancestor."""
        groups: list[tuple[str, ...]] = []
        # Areas of another kind than the hint said ("Kota Bekasi" finding Kabupaten
        # Bekasi): still candidates, since writers mix them up, but one point behind.
        other_kind: set[str] = set()
        for token in parsed.areas:
            token_groups = self.token_groups(token)
            if token.kind and token_groups:
                other_kind.update(c for c in token_groups[0] if self.kind_differs(c, token.kind))
            groups.extend(token_groups)

        # support[code] is a bit mask of the groups (named areas) that name this exact area.
        support: dict[str, int] = {}
        high_mask = 0
        for i, codes in enumerate(groups):
            bit = 1 << i
            for code in codes:
                support[code] = support.get(code, 0) | bit
                if len(code) <= 4:
                    high_mask |= bit
        candidates = set(support)

        postal = postal_code or parsed.postal_code
        postal_villages = self.by_postal.get(postal, ()) if postal else ()
        # Every area holding a village with this postal code agrees with it.
        postal_areas = {a for v in postal_villages for a in (*ancestor_codes(v), v)}
        candidates.update(postal_villages)

        if region_code:
            # A code chosen in the region pickers is authoritative: only its subtree counts.
            candidates = {c for c in candidates if c.startswith(region_code)}
            candidates.add(region_code)
        if not candidates:
            return None

        scores: dict[str, int] = {}
        evidence: dict[str, int] = {}  # agreeing pieces, before tie-break points
        reused: dict[str, bool] = {}
        for code in candidates:
            own = support.get(code, 0)
            masks = [support[a] for a in ancestor_codes(code) if a in support]
            if own:
                masks.append(own)
            matched = _matching(masks)
            # A name standing for two levels of the chain ("Gambir" for village and district).
            reused[code] = matched < len(masks)
            agreeing = matched + (code in postal_areas) + bool(region_code)
            evidence[code] = agreeing
            # A group that names a province or regency makes a district or village of
            # the same name ("Yogyakarta" in Lampung, "Kota Batu" in Aceh) the less
            # likely reading. Penalties are single points: they only break ties.
            penalty = (1 if len(code) > 4 and own & high_mask else 0) + (code in other_kind)
            scores[code] = agreeing * _NAME_POINTS - penalty

        best = max(scores.values())
        top = {c for c, s in scores.items() if s == best}
        # An area tied with one of its own sub-areas adds nothing: keep the most specific.
        implied = {parent for c in top for parent in ancestor_codes(c)}
        leaves = sorted(top - implied)
        if len(leaves) == 1:
            winner, ambiguous = leaves[0], False
        else:
            found = common_ancestor(leaves)
            if found is None:
                return None
            winner, ambiguous = found, True

        # A winner with no more evidence than an area outside its chain won on a
        # tie-break point (kind, province-over-village): a judgement call, so review it.
        runner_up = max(
            (e for c, e in evidence.items() if not (winner.startswith(c) or c.startswith(winner))),
            default=0,
        )
        close_call = runner_up >= evidence.get(winner, 0)
        chain = {*ancestor_codes(winner), winner}
        conflicts = sum(1 for codes in groups if not chain.intersection(codes))
        return Match(
            code=winner,
            ambiguous=ambiguous,
            score=best,
            named=winner in support or winner == region_code,
            conflicts=conflicts,
            alternatives=tuple(leaves) if ambiguous else (),
            # "Gambir, Jakarta Pusat": the village is the likelier reading, but a reading.
            shared_name=not ambiguous and reused.get(winner, False),
            close_call=close_call,
        )

    def nearest_village(self, lat: float, lon: float) -> tuple[str, float] | None:
        """Return the code of the village centroid nearest to a point, and its distance in km."""
        cos_lat = math.cos(math.radians(lat)) or 1e-9
        cy, cx = math.floor(lat / _GRID_DEG), math.floor(lon / _GRID_DEG)
        best_code: str | None = None
        best_d2 = math.inf
        for ring in range(_MAX_RINGS + 1):
            for dy in range(-ring, ring + 1):
                # Only the cells on this ring's border: inner rings are done.
                dxs = range(-ring, ring + 1) if abs(dy) == ring else (-ring, ring)
                for dx in dxs:
                    for v_lat, v_lon, code in self._grid.get((cy + dy, cx + dx), ()):
                        d2 = (v_lat - lat) ** 2 + ((v_lon - lon) * cos_lat) ** 2
                        if d2 < best_d2:
                            best_d2, best_code = d2, code
            # Cells beyond this ring are at least ring * cell away from the point.
            reach = ring * _GRID_DEG * cos_lat
            if best_code is not None and best_d2 <= reach * reach:
                break
        if best_code is None:
            return None
        return best_code, math.sqrt(best_d2) * 111.195  # km per degree on the mean sphere

    def address_of(self, code: str) -> str:
        """Format an area as "Legian, Kuta, Kabupaten Badung, Bali 80361"."""
        names = [row.name for row in reversed(self.chain(code))]
        row = self.rows[code]
        text = ", ".join(names)
        return f"{text} {row.postal_code}" if row.postal_code else text


@cache
def get_gazetteer() -> Gazetteer:
    """Return the packaged gazetteer, loading it on first use (about a second)."""
    return Gazetteer.load()


class GazetteerGeocoder(Geocoder):  # type: ignore[misc]  # geopy ships no type hints
    """Offline geopy geocoder resolving addresses to Kemendagri areas and their centroids."""

    def __init__(self, gazetteer: Gazetteer | None = None, **kwargs: Any) -> None:
        """Wrap a gazetteer; without one, the packaged data loads on first use."""
        super().__init__(**kwargs)  # geopy's base only stores settings: no network I/O
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Gazetteer:
        """Return the gazetteer, loading the packaged one if none was given."""
        if self._gazetteer is None:
            self._gazetteer = get_gazetteer()
        return self._gazetteer

    def geocode(
        self,
        query: str | Mapping[str, object],
        *,
        exactly_one: bool = True,
        region_codes: str | Sequence[str] | None = None,
        postal_code: str | None = None,
        **kwargs: Any,
    ) -> Location | list[Location] | None:
        """Geocode a free-text or structured address to its most specific certain area.

        ``region_codes`` (a code or codes from the region pickers) restricts the search
        to that subtree; the deepest known code wins. With ``exactly_one=False`` the
        result is a list: the resolved area, then the tied candidates if ambiguous.
        """
        gaz = self.gazetteer
        parsed = parse_parts(query) if isinstance(query, Mapping) else parse_address(str(query))
        region = self._region(region_codes)
        match = gaz.resolve(parsed, region_code=region, postal_code=postal_code)
        if match is None:
            return None if exactly_one else []
        location = self._location(match.code, match, parsed)
        if location is None:
            return None if exactly_one else []
        if exactly_one:
            return location
        results = [location]
        for code in match.alternatives:
            alt = self._location(code, match._replace(code=code), parsed)
            if alt is not None:
                results.append(alt)
        return results

    def reverse(
        self,
        query: Point | tuple[float, float] | str,
        *,
        exactly_one: bool = True,
        **kwargs: Any,
    ) -> Location | list[Location] | None:
        """Return the village whose centroid is nearest to the point."""
        point = Point(query)
        found = self.gazetteer.nearest_village(point.latitude, point.longitude)
        if found is None:
            return None if exactly_one else []
        code, distance_km = found
        match = Match(code, ambiguous=False, score=0, named=True, conflicts=0, alternatives=())
        location = self._location(code, match, None, distance_km=distance_km)
        if location is None:
            return None if exactly_one else []
        return location if exactly_one else [location]

    def _region(self, region_codes: str | Sequence[str] | None) -> str | None:
        """Return the deepest known code among those given."""
        if not region_codes:
            return None
        codes = [region_codes] if isinstance(region_codes, str) else list(region_codes)
        known = [c for c in (clean_code(c) for c in codes if c) if c in self.gazetteer.rows]
        return max(known, key=len) if known else None

    def _location(
        self,
        code: str,
        match: Match,
        parsed: ParsedAddress | None,
        *,
        distance_km: float | None = None,
    ) -> Location | None:
        """Build the geopy Location, with codes and precision in ``raw``."""
        gaz = self.gazetteer
        point = gaz.point_of(code)
        if point is None:
            return None
        point_row, lat, lon = point
        row = gaz.rows[code]
        # Precision describes the point: a village without coordinates is placed
        # at its district's centroid and says so.
        precision = LEVEL_NAMES[point_row.level]
        needs_review = (
            point_row.level != VILLAGE
            or match.ambiguous
            or not match.named
            or match.conflicts > 0
            or match.shared_name
            or match.close_call
        )
        prefixed = dict(
            zip(
                ("province_code", "regency_code", "district_code", "village_code"),
                (*ancestor_codes(code), code),
                strict=False,
            )
        )
        raw: dict[str, Any] = {
            "code": code,
            "level": row.level,
            "name": row.name,
            "postal_code": row.postal_code,
            "precision": precision,
            "source": SOURCE,
            "needs_review": needs_review,
            "ambiguous": match.ambiguous,
            "score": match.score,
            "province_code": None,
            "regency_code": None,
            "district_code": None,
            "village_code": None,
            **prefixed,
        }
        if parsed is not None:
            raw.update(
                street=parsed.street,
                rt=parsed.rt,
                rw=parsed.rw,
                query_postal_code=parsed.postal_code,
            )
        if distance_km is not None:
            raw["distance_km"] = round(distance_km, 3)
        return Location(gaz.address_of(code), Point(lat, lon), raw)

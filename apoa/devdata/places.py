"""Reporters and their places: verified lodgings and area homes in weighted villages."""

from __future__ import annotations

import math
import random
import secrets
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Any

import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.accounts.passwords import hash_password
from apoa.devdata.bulk import Writer
from apoa.devdata.population import (
    ACTIVITY,
    AREA_HOME_WEIGHT,
    CITY_WEIGHT,
    DORMANT_WEIGHT,
    INDONESIAN_FAMILY,
    INDONESIAN_GIVEN,
    JITTER_M,
    LATENESS,
    LODGING_KINDS,
    LODGING_PREFIX,
    LODGING_WORDS,
    REGISTERED_DAYS,
    STREETS,
    ZONES,
    draw,
    weighted,
)
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging
from apoa.maps.tiles import to_tile
from apoa.regions.models import Office, OfficeJurisdiction
from apoa.regions.wilayah import read_wilayah

# ---------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    postal_code: str | None
    lat: float
    lon: float
    zone: int  # index into ZONES


_ZONED_PROVINCES = frozenset(p[:2] for prefixes, _ in ZONES for p in prefixes)


def zone_of(code: str) -> int | None:
    """Return the index in ZONES of a region code (None: its province has zones of its own)."""
    for index, (prefixes, _) in enumerate(ZONES):
        if prefixes and code.startswith(prefixes):
            return index
    return None if code[:2] in _ZONED_PROVINCES else len(ZONES) - 1


@cache
def _zone_villages() -> tuple[tuple[tuple[Village, ...], tuple[float, ...]], ...]:
    """Return, per zone, its villages and cumulative weights (read from the gazetteer once)."""
    members: list[list[Village]] = [[] for _ in ZONES]
    for row in read_wilayah():
        if row.level != 4 or row.lat is None or row.lon is None:
            continue
        zone = zone_of(row.code)
        if zone is not None:
            members[zone].append(
                Village(row.code, row.name, row.postal_code, row.lat, row.lon, zone)
            )
    result = []
    for villages in members:
        weights = [CITY_WEIGHT if v.code[2:4] >= "71" else 1.0 for v in villages]
        result.append((tuple(villages), tuple(accumulate(weights))))
    return tuple(result)


def _jurisdictions() -> tuple[dict[str, int], dict[str, int]]:
    """Return district → office and regency → office for active offices, read once.

    Same rule as `office_for_region`: a district claim beats its regency's claim,
    ties go to the lowest office id.
    """
    by_district: dict[str, int] = {}
    by_regency: dict[str, int] = {}
    rows = db.session.execute(
        sa.select(OfficeJurisdiction.region_code, OfficeJurisdiction.office_id)
        .join(Office)
        .where(Office.is_active.is_(True))
        .order_by(OfficeJurisdiction.office_id)
    )
    for code, office_id in rows:
        target = by_district if len(code) == 6 else by_regency
        target.setdefault(code, office_id)
    return by_district, by_regency


# ---------------------------------------------------------------- places


@dataclass(slots=True)
class Place:
    location_id: int
    lodging_id: int | None
    reporter_id: int
    office_id: int | None
    weight: float
    zone: int
    activity: str = "active"  # see ACTIVITY
    late_in: float = 0.0  # the chance that a check-in here is reported late
    region_code: str = ""
    name: str = ""
    kind: str = "lodging"  # the reporter's kind

    @property
    def dormant(self) -> bool:
        """Nothing happened here in the last two months (silent or quiet)."""
        return self.activity in ("silent", "quiet")


class PlacePicker:
    """Choose a stay's place: its zone by the zone's share first, then a place there by size.

    Drawing the zone first keeps each zone's share of stays near ZONES even with
    few reporters, where a few big hotels would otherwise swing it.
    """

    def __init__(self, places: list[Place]) -> None:
        by_zone: dict[int, list[Place]] = {}
        for place in places:
            if place.activity != "never":
                by_zone.setdefault(place.zone, []).append(place)
        zones = sorted(by_zone)
        self.zone_cum = list(accumulate(ZONES[z][1] for z in zones))
        self.members = [by_zone[z] for z in zones]
        self.cums = [list(accumulate(p.weight for p in by_zone[z])) for z in zones]

    def pick(self, r1: float, r2: float) -> Place:
        """Return the place for two uniform numbers in [0, 1)."""
        zone_cum = self.zone_cum
        i = min(bisect_right(zone_cum, r1 * zone_cum[-1]), len(zone_cum) - 1)
        cum = self.cums[i]
        return self.members[i][min(bisect_right(cum, r2 * cum[-1]), len(cum) - 1)]


@dataclass(frozen=True)
class _Behaviour:
    """How one reporter reports, shared by all of its places."""

    activity: str
    late_in: float
    registered: datetime  # naive UTC
    kind: str = "lodging"


@dataclass
class Counts:
    users: int = 0
    lodgings: int = 0
    locations: int = 0
    persons: int = 0
    groups: int = 0
    stays: int = 0
    open_stays: int = 0
    nil_reports: int = 0


def _pick_village(rng: random.Random, zone_cum: list[float]) -> Village:
    zone = min(bisect_right(zone_cum, rng.random() * zone_cum[-1]), len(ZONES) - 1)
    villages, cum = _zone_villages()[zone]
    return villages[min(bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)]


def _jitter(rng: random.Random, village: Village) -> tuple[float, float, float]:
    """Return a point a few hundred metres from the centroid, and its distance in km."""
    distance = rng.uniform(*JITTER_M)
    angle = rng.uniform(0.0, 2 * math.pi)
    lat = village.lat + distance * math.cos(angle) / 111_320.0
    lon = village.lon + distance * math.sin(angle) / (111_320.0 * math.cos(math.radians(lat)))
    return round(lat, 6), round(lon, 6), round(distance / 1000.0, 3)


def _location_row(
    rng: random.Random,
    location_id: int,
    village: Village,
    office_of: Callable[[str], int | None],
    created: str | datetime,
    rt_rw: tuple[int, int] | None = None,
) -> dict[str, Any]:
    lat, lon, distance_km = _jitter(rng, village)
    x18, y18 = to_tile(lat, lon)  # the mapper event that derives these does not run here
    return {
        "id": location_id,
        "street": f"Jl. {rng.choice(STREETS)} No. {rng.randint(1, 250)}",
        "rt": rt_rw[0] if rt_rw else None,
        "rw": rt_rw[1] if rt_rw else None,
        "region_code": village.code,
        "postal_code": village.postal_code,
        "lat": lat,
        "lon": lon,
        "x18": x18,
        "y18": y18,
        "precision": "gps",
        "source": "gps",
        "gps_lat": lat,
        "gps_lon": lon,
        "gps_accuracy_m": rng.randint(5, 60),
        "gps_distance_km": distance_km,
        "needs_review": False,
        "review_reason": None,
        "office_id": office_of(village.code),
        "geocode_status": "done",
        "geocoded_at": created,
        "reviewed_by_id": None,
        "reviewed_at": None,
        "created_at": created,
    }


def create_reporters_and_places(
    writer: Writer, rng: random.Random, reporters: int, now: datetime, counts: Counts
) -> list[Place]:
    """Write the reporters, their lodgings and homes; return the places stays go to."""
    by_district, by_regency = _jurisdictions()

    def office_of(code: str) -> int | None:
        return by_district.get(code[:6]) or by_regency.get(code[:4])

    zone_cum = list(accumulate(share for _, share in ZONES))
    kind_names = [k for k, _, _ in LODGING_KINDS]
    kind_cum = list(accumulate(share for _, share, _ in LODGING_KINDS))
    kind_guests = {k: g for k, _, g in LODGING_KINDS}
    naive_now = now.replace(tzinfo=None)
    activities, activity_cum = weighted(ACTIVITY)
    late_rates, late_cum = weighted(tuple((rate, share) for share, rate in LATENESS))
    # One hash for every generated account, of a password nobody ever sees.
    password_hash = hash_password(secrets.token_urlsafe(24))

    user_ids = writer.ids("users", reporters)
    run = f"gen{user_ids[0]}" if reporters else "gen"  # unique per run: the first new id
    operators = round(reporters * 0.85) if reporters > 1 else reporters
    users: list[dict[str, Any]] = []
    locations: list[dict[str, Any]] = []
    lodgings: list[dict[str, Any]] = []
    pending: list[tuple[int, Village, str | None, tuple[int, int] | None, _Behaviour]] = []
    for index, user_id in enumerate(user_ids):
        is_operator = index < operators
        # Registered before the stays begin; the first reporter always reports, so that
        # the stays have somewhere to go however few reporters there are.
        registered = (naive_now - timedelta(days=rng.uniform(*REGISTERED_DAYS))).replace(
            microsecond=0
        )
        created = writer.ts(registered)
        village = _pick_village(rng, zone_cum)
        kind = "lodging" if is_operator else ("rt_rw" if rng.random() < 0.65 else "lurah")
        behaviour = _Behaviour(
            "active" if index == 0 else draw(activities, activity_cum, rng.random()),
            draw(late_rates, late_cum, rng.random()),
            registered,
            kind,
        )
        rw = rng.randint(1, 15) if kind == "rt_rw" else None
        rt = rng.randint(1, 20) if kind == "rt_rw" else None
        given, family = rng.choice(INDONESIAN_GIVEN), rng.choice(INDONESIAN_FAMILY)
        users.append(
            {
                "id": user_id,
                "username": f"{run}-{kind.replace('_', '')}-{index + 1:06d}",
                "full_name": f"{given} {family}",
                "email": None,
                "phone": f"+628{rng.randrange(10**9, 10**10)}",
                "role": "reporter",
                "reporter_kind": kind,
                "office_id": None,
                "area_code": None if is_operator else village.code,
                "rw": rw,
                "rt": rt,
                "password_hash": password_hash,
                "session_token": secrets.token_urlsafe(32),
                "must_change_password": False,
                "is_active": True,
                "locale": None,
                "last_login_at": None,
                "password_changed_at": created,
                "created_at": created,
                "created_by_id": None,
            }
        )
        if is_operator:
            count = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.75 else 3)
            for n in range(count):
                # An operator's further lodgings are mostly in the same area.
                place = village if n == 0 or rng.random() < 0.7 else _pick_village(rng, zone_cum)
                lodging_kind = kind_names[bisect_right(kind_cum, rng.random() * kind_cum[-1])]
                pending.append((user_id, place, lodging_kind, None, behaviour))
        else:
            for _ in range(rng.randint(2, 6)):  # the homes this official reports
                home_rw = rw if rw is not None else rng.randint(1, 15)
                pending.append((user_id, village, None, (rng.randint(1, 20), home_rw), behaviour))

    location_ids = writer.ids("locations", len(pending))
    lodging_count = sum(1 for _, _, lodging_kind, _, _ in pending if lodging_kind)
    lodging_ids = iter(writer.ids("lodgings", lodging_count))
    places: list[Place] = []
    for location_id, (user_id, village, kind_name, rt_rw, behaviour) in zip(
        location_ids, pending, strict=True
    ):
        created = writer.ts(behaviour.registered)
        row = _location_row(rng, location_id, village, office_of, created, rt_rw)
        name = village.name
        locations.append(row)
        lodging_id = None
        weight = AREA_HOME_WEIGHT * rng.lognormvariate(0.0, 0.6)
        if kind_name:
            lodging_id = next(lodging_ids)
            words = rng.sample(LODGING_WORDS, 2)
            name = f"{LODGING_PREFIX[kind_name]} {words[0]} {words[1]} {village.name}"
            lodgings.append(
                {
                    "id": lodging_id,
                    "operator_id": user_id,
                    "name": name[: Lodging.NAME_MAX],
                    "kind": kind_name,
                    "nib": f"{rng.randrange(10**12, 10**13)}",
                    "location_id": location_id,
                    "status": "verified",
                    "decision_reason": None,
                    "decided_by_id": None,
                    "decided_at": created,
                    "created_at": created,
                }
            )
            # Some hotels are far busier than others: a long-tailed size.
            weight = kind_guests[kind_name] * rng.lognormvariate(0.0, 0.8)
        site = Place(
            location_id,
            lodging_id,
            user_id,
            row["office_id"],
            weight,
            village.zone,
            activity=behaviour.activity,
            late_in=behaviour.late_in,
            region_code=village.code,
            name=name[: Lodging.NAME_MAX],
            kind=behaviour.kind,
        )
        if site.dormant:
            site.weight *= DORMANT_WEIGHT
        places.append(site)

    writer.insert_dicts(User.__tablename__, users)
    writer.insert_dicts(Location.__tablename__, locations)
    writer.insert_dicts(Lodging.__tablename__, lodgings)
    counts.users, counts.locations, counts.lodgings = len(users), len(locations), len(lodgings)
    return places

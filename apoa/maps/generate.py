"""National-scale synthetic data for the officers' map, the compliance pages and their benchmarks.

`generate(stays=…, reporters=…)` writes reporters, their verified lodgings and
area homes, persons, stay groups and stays through a bulk path: batches of
row tuples (one `executemany` per batch on SQLite, `COPY` on PostgreSQL), ids
reserved up front so rows reference each other without a round trip, no ORM
objects and no per-value type processing (see `_Writer`). Everything happens
in the session's transaction; the caller commits.

What the data looks like (performance.md, section 4; planning volume ~200k current stays):

- Reporters: ~85 % lodging operators with 1-3 verified lodgings each, ~15 % RT/RW
  officials and lurah reporting private homes in their village. All are active and
  share one argon2 hash of a random password that is never shown, so nobody can sign
  in as them; user names carry a run prefix, so the generator can run twice.
- Places: gazetteer villages weighted towards where foreigners stay (Bali ~45 %,
  mostly Kuta, Denpasar and Ubud; Jakarta ~15 %; Batam and the Riau Islands ~8 %;
  Yogyakarta ~5 %; Lombok ~5 %; the rest spread over other provinces, cities
  preferred), each point jittered a few hundred metres around the village centroid
  (a phone pin, precision "gps"), routed to an office with the same rule as
  `apoa.regions.routing.office_for_region` (many places have none).
- Stays: groups of 1-4 guests (one StayGroup), a realistic nationality, permit and
  purpose mix, spread over three years; ~20 % are open now, the rest checked out;
  ~3 % of the open groups are past their expected check-out (rule C4).
- Reporting behaviour, for the compliance list (issue 6): accounts were registered
  before their first stay; most places report within the 24 hours, some often
  late (~8 % of check-ins and ~5 % of check-outs reported 1-5 days after the
  event, `check_out_reported_at`); ~10 % of the reporters are silent (nothing in
  the last two months), ~7 % quiet (no guests then either, but a nil report with
  its receipt for every period), ~3 % never reported anything.

Deliberately left out, because the data serves the map, the compliance pages
and benchmarks, not person matching: no StayEvent or audit rows and no
receipts except the nil reports' (a stay's history and receipt pages will be
empty), every guest is a new Person (no returning guests, so the overlap flags
stay False), and no stay is cancelled. Run it on a development or benchmark
database while nobody else writes: on SQLite the ids are reserved from max(id).

At the end `apoa.maps.cells.rebuild()` recomputes the cluster pyramid and
`apoa.compliance.summaries.rebuild()` the compliance ledgers, office days and
presence counts: the bulk path bypasses the per-report maintenance of both.
"""

from __future__ import annotations

import gc
import math
import random
import secrets
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Any

import sqlalchemy as sa

from apoa.extensions import db
from apoa.maps.tiles import to_tile
from apoa.reports.receipt_numbers import CROCKFORD_ALPHABET, receipt_number_from

BATCH_STAYS = 8_000  # per executemany: large enough to amortise, small enough for memory
OPEN_SHARE = 0.20
HISTORY_DAYS = 3 * 365
REGISTERED_DAYS = (HISTORY_DAYS + 1, HISTORY_DAYS + 400)  # accounts predate their stays

# ---------------------------------------------------------------- how reporters behave

# (share of reporters, activity): silent places reported nothing in the last two months
# and declared nothing; quiet ones had no guests then either but filed their nil reports;
# the never-reporting ones have not reported anything since they were registered.
ACTIVITY = (("active", 0.80), ("silent", 0.10), ("quiet", 0.07), ("never", 0.03))
DORMANT_DAYS = 66  # silent and quiet places: last departure this long ago (late reports fit)
DORMANT_WEIGHT = 0.3  # and fewer guests before that
NIL_DAYS = 60  # quiet places declare every period that started in the last NIL_DAYS days
# (share of places, chance that a check-in is reported late): most report on time, a few
# are often late; on average ~8 % of check-ins are 1-5 days late.
LATENESS = ((0.60, 0.02), (0.30, 0.12), (0.10, 0.35))
CHECK_OUT_LATENESS = 5 / 8  # of a place's check-in lateness: ~5 % of check-outs are late
LATE_SECONDS = (86_400 + 3_600, 5 * 86_400)  # a late report comes 1-5 days after the event
OVERDUE_SHARE = 0.03  # open groups already past their expected check-out (1-10 days)

# ---------------------------------------------------------------- where foreigners stay

# (region code prefixes, share of the places). A village joins the first zone with
# a matching prefix, so the specific zones come before their province's remainder.
ZONES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("510301", "510305", "510306"), 0.21),  # Kuta, Kuta Selatan, Kuta Utara (Ngurah Rai)
    (("5103",), 0.02),  # the rest of Badung
    (("5171",), 0.09),  # Denpasar
    (("5104",), 0.07),  # Gianyar (Ubud)
    (("51",), 0.06),  # the rest of Bali (Tabanan, Buleleng, Karangasem…)
    (("31",), 0.15),  # DKI Jakarta
    (("2171",), 0.06),  # Batam
    (("21",), 0.02),  # the rest of the Riau Islands (Bintan, Karimun…)
    (("34",), 0.05),  # DI Yogyakarta
    (("5201", "5202", "5203", "5208", "5271"), 0.045),  # Lombok and Mataram
    (("52",), 0.005),  # Sumbawa
    ((), 0.22),  # every other province
)
CITY_WEIGHT = 5.0  # a village of a kota (regency code 71-99) is this much likelier
JITTER_M = (50.0, 800.0)  # how far a place lies from its village's centroid

# ---------------------------------------------------------------- who stays, how


def _weights(text: str) -> tuple[tuple[str, float], ...]:
    """Read "AUS 17, CHN 11" into (("AUS", 17.0), ("CHN", 11.0)): tables stay short."""
    pairs = (item.split() for item in text.split(","))
    return tuple((name, float(weight)) for name, weight in pairs)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ICAO code (Germany is "D"), weight after Indonesia's arrival statistics (roughly), the
# name list its guests draw from, birth places ("_" stands for a space).
_NATIONALITY_TABLE = """
AUS 17  en SYDNEY MELBOURNE PERTH BRISBANE
CHN 11  zh BEIJING SHANGHAI GUANGDONG
MYS 10  ms KUALA_LUMPUR JOHOR PENANG
SGP 7   zh SINGAPORE
IND 6   in MUMBAI DELHI BANGALORE
USA 5   en NEW_YORK CALIFORNIA TEXAS
GBR 5   en LONDON MANCHESTER BIRMINGHAM
JPN 4   ja TOKYO OSAKA
KOR 4   ko SEOUL BUSAN
D   4   de BERLIN MUENCHEN HAMBURG
FRA 4   fr PARIS LYON
RUS 4   ru MOSCOW SAINT_PETERSBURG
NLD 3   nl AMSTERDAM ROTTERDAM
TWN 2   zh TAIPEI
PHL 2   ph MANILA CEBU
CAN 2   en TORONTO VANCOUVER
NZL 2   en AUCKLAND WELLINGTON
TLS 1.5 pt DILI
THA 1.5 th BANGKOK
ITA 1.5 it ROMA MILANO
ESP 1   es MADRID BARCELONA
CHE 1   de ZUERICH GENEVE
SWE 1   sv STOCKHOLM
VNM 1   vn HANOI HO_CHI_MINH
SAU 1   ar RIYADH JEDDAH
"""
_NATIONALITY_ROWS = [line.split() for line in _NATIONALITY_TABLE.strip().splitlines()]
NATIONALITIES = tuple((row[0], float(row[1])) for row in _NATIONALITY_ROWS)
NAME_STYLE = {row[0]: row[2] for row in _NATIONALITY_ROWS}
BIRTH_PLACES = {row[0]: tuple(p.replace("_", " ") for p in row[3:]) for row in _NATIONALITY_ROWS}
PERMITS = _weights(
    "voa 34, visa_free 26, visit_visa 16, itk 3, itas 15, itap 4, diplomatic 0.5, other 1.5"
)
LONG_STAY_PERMITS = frozenset({"itas", "itap"})
PERMITS_WITH_NUMBER = frozenset({"visit_visa", "itk", "itas", "itap", "diplomatic"})
PURPOSES_SHORT = _weights(
    "tourism 84, business 7, family 4, medical 1, transit 1, official 1, research 0.5, other 1.5"
)
PURPOSES_LONG = _weights("work 45, family 30, study 10, research 3, business 7, other 5")
GROUP_SIZES = ((1, 45.0), (2, 35.0), (3, 12.0), (4, 8.0))

LODGING_KINDS: tuple[tuple[str, float, float], ...] = (
    # kind, share of lodgings, relative number of guests
    ("hotel", 22, 8.0),
    ("guesthouse", 30, 2.0),
    ("villa", 22, 1.5),
    ("kos", 10, 1.0),
    ("apartment", 10, 3.0),
    ("private_home", 6, 0.6),
)
AREA_HOME_WEIGHT = 0.4  # guests of one private home reported by an RT/RW official or lurah
LODGING_PREFIX = {
    "hotel": "Hotel",
    "guesthouse": "Guest House",
    "villa": "Villa",
    "kos": "Kos",
    "apartment": "Apartemen",
    "private_home": "Rumah",
}
LODGING_WORDS = _words(
    "Sari Indah Bunga Melati Dewi Segara Surya Bintang Cahaya Taman Puri Griya Mutiara "
    "Permata Kencana Wisma Tirta Damai Harmoni Pelangi Asri Jaya Lestari Nusa Karang"
)
STREETS = _words(
    "Raya Legian Pantai Melasti Sunset Road Danau Tamblingan Gatot Subroto Sudirman "
    "Merdeka Diponegoro Gajah Mada Hayam Wuruk Pahlawan Mawar Kenanga Cempaka Anggrek"
)
INDONESIAN_GIVEN = _words(
    "Made Putu Nyoman Ketut Wayan Agus Budi Dewi Sri Rina Andi Eko Siti Yusuf Rudi Ani "
    "Hendra Indra Lina Wati Fajar Rizky Nur Dian"
)
INDONESIAN_FAMILY = _words(
    "Wirawan Suardana Pratama Santoso Wijaya Saputra Hidayat Kusuma Setiawan Susanto "
    "Gunawan Nugroho Rahayu Lestari Purnama Suryadi"
)

# Surnames (comma-separated, as a passport's MRZ gives them) and given names per name style.
_NAMES: dict[str, tuple[str, str]] = {
    "en": (
        "SMITH, JONES, WILLIAMS, BROWN, TAYLOR, WILSON, JOHNSON, WHITE, MARTIN, ANDERSON, "
        "THOMPSON, CLARKE, WALKER, HARRIS, KELLY, MURPHY, CAMPBELL, STEWART",
        "Jack Olivia Noah Charlotte James Amelia William Mia Thomas Emily Liam Grace Oliver "
        "Sophie Lucas Chloe Henry Isla",
    ),
    "de": (
        "MUELLER, SCHMIDT, SCHNEIDER, FISCHER, WEBER, MEYER, WAGNER, BECKER, HOFFMANN, SCHULZ",
        "Lukas Anna Leon Lea Felix Marie Jonas Laura Paul Lena",
    ),
    "fr": (
        "MARTIN, BERNARD, DUBOIS, THOMAS, ROBERT, RICHARD, PETIT, DURAND, LEROY, MOREAU",
        "Louis Camille Hugo Chloe Jules Manon Arthur Ines Gabriel Lea",
    ),
    "nl": (
        "DE JONG, JANSEN, DE VRIES, VAN DIJK, BAKKER, VISSER, SMIT, MEIJER, MULDER, BOS",
        "Daan Emma Sem Julia Lucas Tess Finn Sanne Bram Fleur",
    ),
    "zh": (
        "WANG, LI, ZHANG, LIU, CHEN, YANG, HUANG, ZHAO, WU, ZHOU, XU, SUN, TAN, LIM, LEE",
        "Wei Fang Min Jing Lei Yan Hao Xiuying Jun Lina Tao Mei",
    ),
    "ja": (
        "SATO, SUZUKI, TAKAHASHI, TANAKA, WATANABE, ITO, YAMAMOTO, NAKAMURA, KOBAYASHI, KATO",
        "Haruto Yui Sota Hina Yuto Aoi Ren Sakura Kaito Yuna",
    ),
    "ko": (
        "KIM, LEE, PARK, CHOI, JUNG, KANG, CHO, YOON, JANG, LIM",
        "Minjun Seoyeon Jiho Jiwoo Doyun Haeun Seojun Yuna Hajun Soyul",
    ),
    "in": (
        "SHARMA, PATEL, SINGH, KUMAR, GUPTA, REDDY, IYER, NAIR, MEHTA, JOSHI",
        "Aarav Priya Vihaan Ananya Arjun Diya Rohan Kavya Ishaan Meera",
    ),
    "ru": (
        "IVANOV, SMIRNOV, KUZNETSOV, POPOV, VASILIEV, PETROV, SOKOLOV, MIKHAILOV, NOVIKOV",
        "Alexander Anastasia Dmitry Maria Maxim Daria Ivan Sofia Artem Polina",
    ),
    "ms": (
        "ABDULLAH, RAHMAN, ISMAIL, HASSAN, IBRAHIM, OTHMAN, YUSOF, HAMZAH, AZIZ, SALLEH",
        "Ahmad Nurul Muhammad Siti Amir Aisyah Hafiz Farah Irfan Aina",
    ),
    "it": (
        "ROSSI, RUSSO, FERRARI, ESPOSITO, BIANCHI, ROMANO, COLOMBO, RICCI",
        "Francesco Giulia Alessandro Sofia Lorenzo Aurora Matteo Chiara",
    ),
    "es": (
        "GARCIA, MARTINEZ, LOPEZ, SANCHEZ, PEREZ, GOMEZ, FERNANDEZ, RUIZ",
        "Hugo Lucia Martin Sofia Pablo Martina Daniel Paula",
    ),
    "sv": ("ANDERSSON, JOHANSSON, KARLSSON, NILSSON, ERIKSSON", "Erik Elsa Oskar Maja Alice"),
    "ph": ("SANTOS, REYES, CRUZ, BAUTISTA, GARCIA, MENDOZA", "Jose Maria Juan Angel Mark Paolo"),
    "th": ("SRISAI, CHAIYAPORN, SUKSAWAT, WONGSA, BOONMA", "Somchai Malee Niran Ploy Anan"),
    "vn": ("NGUYEN, TRAN, LE, PHAM, HOANG, PHAN, VU", "An Binh Chi Dung Hoa Lan Minh"),
    "pt": ("DA SILVA, SOARES, PEREIRA, XIMENES, DOS SANTOS", "Joao Maria Jose Ana Paulo Rosa"),
    "ar": ("ALI, ALHARBI, ALQAHTANI, ALGHAMDI, ALOTAIBI", "Mohammed Fatimah Abdullah Noura"),
}


def _names(style: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    surnames, given = _NAMES[style]
    return tuple(s.strip() for s in surnames.split(",")), tuple(given.split())


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
    from apoa.geocoding.gazetteer import read_wilayah

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
    from apoa.regions.models import Office, OfficeJurisdiction

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


# ---------------------------------------------------------------- bulk writing


class _Writer:
    """Reserve ids and write rows in batches, in the session's transaction.

    Rows are tuples handed to the driver as they are: SQLite gets one
    `executemany` per batch, PostgreSQL a `COPY … FROM STDIN`. Values are already
    in their stored form (see `ts`), so no per-value bind processor runs. An
    earlier version wrote dicts through Core `insert(Table)` executemany: 18,000
    stays/s on SQLite (a third of it in SQLAlchemy's per-row parameter
    processing) and 7,000 on PostgreSQL (one round trip per row); this path
    measured 25,000 and 12,500 on the same 100,000 stays.
    """

    def __init__(self) -> None:
        self.dialect = db.session.get_bind().dialect.name
        self._next_id: dict[str, int] = {}
        self.seconds_writing = 0.0

    def ids(self, table: str, n: int) -> Sequence[int]:
        """Return `n` fresh primary keys for a table."""
        if n == 0:
            return []
        if self.dialect == "postgresql":
            # Taken from the table's own sequence: later ORM inserts never collide.
            return db.session.scalars(
                sa.text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table, "n": n},
            ).all()
        if table not in self._next_id:
            top = db.session.scalar(sa.text(f'SELECT max(id) FROM "{table}"'))  # noqa: S608
            self._next_id[table] = (top or 0) + 1
        start = self._next_id[table]
        self._next_id[table] = start + n
        return range(start, start + n)

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Write rows whose values follow `columns` (names from this module, never input)."""
        if not rows:
            return
        started = time.perf_counter()
        names = ", ".join(f'"{c}"' for c in columns)
        connection = db.session.connection()  # the session's transaction
        if self.dialect == "postgresql":
            cursor = connection.connection.cursor()
            try:
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            finally:
                cursor.close()
        else:
            marks = ", ".join("?" for _ in columns)
            connection.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608
        self.seconds_writing += time.perf_counter() - started

    def insert_dicts(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Write rows given as dicts with the same keys (the few reporters and places)."""
        if rows:
            columns = tuple(rows[0])
            self.insert(table, columns, [tuple(row[c] for c in columns) for row in rows])

    def ts(self, moment: datetime) -> Any:
        """Return a naive UTC datetime in the form UTCDateTime stores on this engine."""
        if self.dialect == "sqlite":
            return moment.isoformat(" ", "microseconds")  # SQLAlchemy's SQLite DATETIME text
        return moment.replace(tzinfo=UTC)

    def day(self, value: date) -> Any:
        return value.isoformat() if self.dialect == "sqlite" else value


class _Days(dict[int, Any]):
    """Day number (date.toordinal) → the stored form of that date, built once per day.

    A few tens of thousands of distinct days cover every birth, expiry and
    check-out date; looking one up is far cheaper than building it per row.
    """

    def __init__(self, writer: _Writer) -> None:
        super().__init__()
        self._day = writer.day

    def __missing__(self, ordinal: int) -> Any:
        value = self[ordinal] = self._day(date.fromordinal(ordinal))
        return value


# ---------------------------------------------------------------- places


@dataclass(slots=True)
class _Place:
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


class _PlacePicker:
    """Choose a stay's place: its zone by the zone's share first, then a place there by size.

    Drawing the zone first keeps each zone's share of stays near ZONES even with
    few reporters, where a few big hotels would otherwise swing it.
    """

    def __init__(self, places: list[_Place]) -> None:
        by_zone: dict[int, list[_Place]] = {}
        for place in places:
            if place.activity != "never":
                by_zone.setdefault(place.zone, []).append(place)
        zones = sorted(by_zone)
        self.zone_cum = list(accumulate(ZONES[z][1] for z in zones))
        self.members = [by_zone[z] for z in zones]
        self.cums = [list(accumulate(p.weight for p in by_zone[z])) for z in zones]

    def pick(self, r1: float, r2: float) -> _Place:
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
class _Counts:
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


def _create_reporters_and_places(
    writer: _Writer, rng: random.Random, reporters: int, now: datetime, counts: _Counts
) -> list[_Place]:
    """Write the reporters, their lodgings and homes; return the places stays go to."""
    from apoa.accounts.models import User
    from apoa.accounts.passwords import hash_password
    from apoa.geocoding.models import Location
    from apoa.lodgings.models import Lodging

    by_district, by_regency = _jurisdictions()

    def office_of(code: str) -> int | None:
        return by_district.get(code[:6]) or by_regency.get(code[:4])

    zone_cum = list(accumulate(share for _, share in ZONES))
    kind_names = [k for k, _, _ in LODGING_KINDS]
    kind_cum = list(accumulate(share for _, share, _ in LODGING_KINDS))
    kind_guests = {k: g for k, _, g in LODGING_KINDS}
    naive_now = now.replace(tzinfo=None)
    activities, activity_cum = _weighted(ACTIVITY)
    late_rates, late_cum = _weighted(tuple((rate, share) for share, rate in LATENESS))
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
            "active" if index == 0 else _draw(activities, activity_cum, rng.random()),
            _draw(late_rates, late_cum, rng.random()),
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
                kind_name = kind_names[bisect_right(kind_cum, rng.random() * kind_cum[-1])]
                pending.append((user_id, place, kind_name, None, behaviour))
        else:
            for _ in range(rng.randint(2, 6)):  # the homes this official reports
                home_rw = rw if rw is not None else rng.randint(1, 15)
                pending.append((user_id, village, None, (rng.randint(1, 20), home_rw), behaviour))

    location_ids = writer.ids("locations", len(pending))
    lodging_count = sum(1 for _, _, kind_name, _, _ in pending if kind_name)
    lodging_ids = iter(writer.ids("lodgings", lodging_count))
    places: list[_Place] = []
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
        site = _Place(
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


# ---------------------------------------------------------------- persons and stays


def _weighted(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    return [value for value, _ in pairs], list(accumulate(weight for _, weight in pairs))


def _draw(values: list[Any], cum: list[float], r: float) -> Any:
    """Return the value a uniform number in [0, 1) falls on, by the cumulative weights."""
    return values[min(bisect_right(cum, r * cum[-1]), len(cum) - 1)]


class _StayFactory:
    """Build the rows of one batch of groups; the hot path of the generator."""

    def __init__(self, writer: _Writer, rng: random.Random, now: datetime) -> None:
        self.w = writer
        self.rng = rng
        self.now = now.replace(tzinfo=None)  # naive UTC inside; stored through writer.ts
        self.today = self.now.date()
        self.nat, self.nat_cum = _weighted(NATIONALITIES)
        self.permit, self.permit_cum = _weighted(PERMITS)
        self.short, self.short_cum = _weighted(PURPOSES_SHORT)
        self.long, self.long_cum = _weighted(PURPOSES_LONG)
        self.size, self.size_cum = _weighted(GROUP_SIZES)
        self.styles = {code: (*_names(NAME_STYLE[code]), BIRTH_PLACES[code]) for code in NAME_STYLE}
        self.letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        self.days = _Days(writer)

    def _pick(self, values: list[Any], cum: list[float]) -> Any:
        return values[min(bisect_right(cum, self.rng.random() * cum[-1]), len(cum) - 1)]

    def group_sizes(self, stays: int) -> Iterator[int]:
        """Yield the group sizes until `stays` guests are placed (the last group is cut)."""
        left = stays
        while left > 0:
            size = min(self._pick(self.size, self.size_cum), left)
            left -= size
            yield size

    def batch(
        self,
        places: _PlacePicker,
        sizes: list[int],
        group_ids: Sequence[int],
        person_ids: Sequence[int],
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
        """Return (groups, persons, stays, open stays): row tuples in the *_COLUMNS order."""
        # Local names and `a + int(random() * n)` instead of randint/choice: this loop
        # runs once per guest, and Random's integer helpers cost more than the rows.
        now, today = self.now, self.today
        random_ = self.rng.random
        expovariate = self.rng.expovariate
        ts = self.w.ts
        days = self.days
        pick = self._pick
        letters = self.letters
        n_letters = len(letters)
        group_rows: list[tuple[Any, ...]] = []
        person_rows: list[tuple[Any, ...]] = []
        stay_rows: list[tuple[Any, ...]] = []
        open_count = 0
        p = 0
        for group_id, size in zip(group_ids, sizes, strict=True):
            is_open = random_() < OPEN_SHARE
            place = places.pick(random_(), random_())
            while is_open and place.dormant:
                # A silent or quiet place has had nobody in the last two months: another
                # place takes this guest (the first reporter is always active).
                place = places.pick(random_(), random_())
            permit = pick(self.permit, self.permit_cum)
            long_stay = permit in LONG_STAY_PERMITS
            if long_stay:
                purpose = pick(self.long, self.long_cum)
                nights = 30 + int(random_() * 336)
            else:
                purpose = pick(self.short, self.short_cum)
                nights = min(1 + int(expovariate(0.2)), 60)
            late_in = place.late_in
            overdue = is_open and random_() < OVERDUE_SHARE
            if overdue:
                # Should have left 1-10 days ago, and nobody reported the departure (C4).
                back = nights + 1 + int(random_() * 10)
                check_in = now - timedelta(days=back, hours=1 + random_() * 3)
                checked_out = None
                open_count += size
            elif is_open:
                # Arrived some time during this stay's length, leaves in the future.
                check_in = now - timedelta(days=random_() * nights, hours=1 + random_() * 3)
                checked_out = None
                open_count += size
            else:
                # A silent or quiet place's guests all left more than two months ago.
                first = nights + 1 + (DORMANT_DAYS if place.dormant else 0)
                check_in = now - timedelta(days=first + random_() * (HISTORY_DAYS - first))
                checked_out = check_in + timedelta(days=nights, hours=random_() * 6 - 3)
                if checked_out > now:
                    checked_out = now - timedelta(hours=1)
                checked_out = checked_out.replace(microsecond=0)
            check_in = check_in.replace(microsecond=0)
            check_in_day = check_in.date()
            check_in_ord = check_in_day.toordinal()
            expected = check_in_day + timedelta(days=nights)
            if is_open and not overdue and expected <= today:
                expected = today + timedelta(days=1)
            # Mostly within the day (the 24-hour rule), at some places often days late;
            # never in the future.
            if random_() < late_in:
                delay = LATE_SECONDS[0] + random_() * (LATE_SECONDS[1] - LATE_SECONDS[0])
            else:
                delay = 720 + random_() * 72_000
            reported = min(check_in + timedelta(seconds=int(delay)), now)
            reported_s = ts(reported)
            group_rows.append(
                (group_id, place.reporter_id, place.lodging_id, place.location_id, reported_s)
            )
            if permit == "voa" or permit == "visa_free":
                permit_expiry: date | None = check_in_day + timedelta(days=30)
            elif long_stay:
                permit_expiry = check_in_day + timedelta(days=60 + int(random_() * 660))
            elif permit == "visit_visa" or permit == "itk":
                permit_expiry = check_in_day + timedelta(days=60)
            else:
                permit_expiry = None
            permit_expiry_s = days[permit_expiry.toordinal()] if permit_expiry else None
            ends_early = permit_expiry is not None and permit_expiry < expected
            with_number = permit in PERMITS_WITH_NUMBER
            check_in_s = ts(check_in)
            expected_s = days[expected.toordinal()]
            if checked_out:
                checked_out_s = ts(checked_out)
                if random_() < late_in * CHECK_OUT_LATENESS:
                    delay = LATE_SECONDS[0] + random_() * (LATE_SECONDS[1] - LATE_SECONDS[0])
                else:
                    delay = random_() * 21_600  # within six hours
                left_reported_s = ts(min(checked_out + timedelta(seconds=int(delay)), now))
                status = "checked_out"
                version = 2
                updated_s = left_reported_s
            else:
                checked_out_s = left_reported_s = None
                status = "open"
                version = 1
                updated_s = reported_s
            room = (
                f"{1 + int(random_() * 5)}{1 + int(random_() * 40):02d}"
                if place.lodging_id
                else None
            )
            family = size > 1 and random_() < 0.6  # a family shares surname and nationality
            nationality = pick(self.nat, self.nat_cum)
            surnames, given_names, birth_places = self.styles[nationality]
            family_name = surnames[int(random_() * len(surnames))]
            for member in range(size):
                person_id = person_ids[p]
                p += 1
                if member and not family:
                    nationality = pick(self.nat, self.nat_cum)
                    surnames, given_names, birth_places = self.styles[nationality]
                    family_name = surnames[int(random_() * len(surnames))]
                minor = member >= 2 and random_() < 0.7
                age_days = (
                    int((2 + random_() * 15) * 365) if minor else int((20 + random_() * 56) * 365)
                )
                given = given_names[int(random_() * len(given_names))]
                person_rows.append(
                    (
                        person_id,
                        family_name,
                        given,
                        "M" if random_() < 0.52 else "F",
                        days[check_in_ord - age_days],
                        birth_places[int(random_() * len(birth_places))],
                        nationality,
                        letters[int(random_() * n_letters)] + str(10**7 + int(random_() * 9e7)),
                        days[check_in_ord + 200 + int(random_() * 3400)],
                        nationality,
                        None,
                        reported_s,
                    )
                )
                stay_rows.append(
                    (
                        group_id,
                        person_id,
                        place.reporter_id,
                        place.lodging_id,
                        place.location_id,
                        place.office_id,
                        room,
                        f"{family_name}, {given}",
                        check_in_s,
                        expected_s,
                        checked_out_s,
                        left_reported_s,
                        status,
                        member == 0,
                        minor,
                        permit,
                        f"{1_000_000_000 + int(random_() * 9_000_000_000)}"
                        if with_number
                        else None,
                        permit_expiry_s,
                        purpose,
                        False,
                        ends_early,
                        False,
                        False,
                        version,
                        reported_s,
                        updated_s,
                    )
                )
        return group_rows, person_rows, stay_rows, open_count


# The order of the tuples `_StayFactory.batch` builds; the test checks them against the models.
GROUP_COLUMNS = ("id", "reporter_id", "lodging_id", "location_id", "created_at")
PERSON_COLUMNS = (
    "id",
    "surname",
    "given_names",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "passport_number",
    "passport_expiry",
    "issuing_country",
    "phone",
    "created_at",
)
STAY_COLUMNS = (  # no id: the database numbers stays, nothing refers to them here
    "group_id",
    "person_id",
    "reporter_id",
    "lodging_id",
    "location_id",
    "office_id",
    "room",
    "guest_name",
    "check_in_at",
    "expected_check_out",
    "checked_out_at",
    "check_out_reported_at",
    "status",
    "is_head",
    "is_minor",
    "permit_type",
    "permit_number",
    "permit_expiry",
    "purpose",
    "flag_passport_expired",
    "flag_permit_ends_early",
    "flag_open_elsewhere",
    "flag_duplicate",
    "version",
    "reported_at",
    "updated_at",
)


# ---------------------------------------------------------------- nil reports

RECEIPT_COLUMNS = (
    "id",
    "number",
    "kind",
    "reporter_id",
    "lodging_id",
    "location_id",
    "place_name",
    "guest_count",
    "issued_at",
    "group_id",
)
NIL_COLUMNS = (
    "id",
    "reporter_id",
    "lodging_id",
    "scope_key",
    "period_start",
    "period_end",
    "submitted_at",
    "receipt_id",
)


def receipt_number(receipt_id: int, year: int) -> str:
    """Return a valid receipt number that no other generated receipt has.

    The 40 "random" bits are the receipt's id through a bijection (an odd
    multiplier modulo 2**40), so generated numbers never collide, across runs
    too; they only look random. The services draw theirs from `secrets`: a
    clash with one of these is as unlikely as between two real receipts.
    """
    value = (receipt_id * 0x5DEECE66D + 0xB) % (1 << 40)
    symbols = "".join(CROCKFORD_ALPHABET[(value >> (5 * i)) & 31] for i in range(7, -1, -1))
    return receipt_number_from(year, symbols)


def _write_nil_reports(
    writer: _Writer, rng: random.Random, places: list[_Place], now: datetime, counts: _Counts
) -> None:
    """Quiet places declare every period of the last two months: nobody stayed.

    One declaration per lodging, or per area reporter (its first home stands for the
    area), each with its receipt, submitted in the days after the period ended.
    """
    from apoa.compliance.rules import local_start
    from apoa.regions.timezones import timezone_for_region
    from apoa.reports.periods import period_containing, previous_period
    from apoa.reports.services import cadence_for

    cadences: dict[str, str] = {}
    naive_now = now.replace(tzinfo=None)
    declared: list[tuple[_Place, Any, datetime]] = []
    areas_done: set[int] = set()
    for place in places:
        if place.activity != "quiet":
            continue
        if place.lodging_id is None:
            if place.reporter_id in areas_done:
                continue
            areas_done.add(place.reporter_id)
        if place.kind not in cadences:
            cadences[place.kind] = cadence_for(place.kind)
        cadence = cadences[place.kind]
        zone = timezone_for_region(place.region_code)
        today = now.astimezone(zone).date()
        period = previous_period(period_containing(today, cadence), cadence)
        while period.start >= today - timedelta(days=NIL_DAYS):
            ended = local_start(period.end + timedelta(days=1), zone)
            submitted = ended.astimezone(UTC).replace(tzinfo=None) + timedelta(
                seconds=int(3_600 + rng.random() * 47 * 3_600)
            )
            declared.append((place, period, min(submitted, naive_now - timedelta(minutes=1))))
            period = previous_period(period, cadence)
    receipt_ids = writer.ids("receipts", len(declared))
    nil_ids = writer.ids("nil_reports", len(declared))
    receipts: list[tuple[Any, ...]] = []
    nils: list[tuple[Any, ...]] = []
    for receipt_id, nil_id, (place, period, submitted) in zip(
        receipt_ids, nil_ids, declared, strict=True
    ):
        submitted_s = writer.ts(submitted)
        receipts.append(
            (
                receipt_id,
                receipt_number(receipt_id, submitted.year),
                "nil",
                place.reporter_id,
                place.lodging_id,
                place.location_id,
                place.name[:200],
                0,
                submitted_s,
                None,
            )
        )
        scope = f"lodging:{place.lodging_id}" if place.lodging_id else f"area:{place.reporter_id}"
        nils.append(
            (
                nil_id,
                place.reporter_id,
                place.lodging_id,
                scope,
                writer.day(period.start),
                writer.day(period.end),
                submitted_s,
                receipt_id,
            )
        )
    writer.insert("receipts", RECEIPT_COLUMNS, receipts)
    writer.insert("nil_reports", NIL_COLUMNS, nils)
    counts.nil_reports += len(nils)


# ---------------------------------------------------------------- entry point

LOADED_TABLES = (
    "users",
    "locations",
    "lodgings",
    "stay_groups",
    "persons",
    "stays",
    "receipts",
    "nil_reports",
)


def generate(
    *,
    stays: int,
    reporters: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write `reporters` reporters with their places and `stays` stays; rebuild the pyramid.

    `progress(n)` is called after each batch with the number of stays just
    written (a tqdm bar's `update`). The same seed on the same database state
    gives the same data. Returns the counts and timings; the caller commits.
    """
    from apoa.compliance import summaries
    from apoa.maps import cells

    if stays < 0 or reporters < 1:
        raise ValueError("need at least one reporter and a non-negative number of stays")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    writer = _Writer()
    counts = _Counts()
    sqlite_cache = None
    if writer.dialect == "sqlite":
        # A bigger page cache for this connection while the indexes grow (restored below):
        # with the default 2 MB, random index inserts re-read pages from the OS
        # (1M stays: 16,400 stays/s with it, 22,800 with 256 MiB).
        sqlite_cache = db.session.scalar(sa.text("PRAGMA cache_size"))
        db.session.execute(sa.text("PRAGMA cache_size = -262144"))  # 256 MiB
    # Millions of short-lived row tuples, none in a cycle: the cyclic collector would only
    # walk them again and again (~4 % of a 1M-stay run, measured). Restored below.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with db.session.no_autoflush:
            places = _create_reporters_and_places(writer, rng, reporters, now, counts)
            picker = _PlacePicker(places)
            factory = _StayFactory(writer, rng, now)
            sizes: list[int] = []
            pending = 0
            for size in factory.group_sizes(stays):
                sizes.append(size)
                pending += size
                if pending >= BATCH_STAYS:
                    _write_batch(writer, factory, picker, sizes, counts, progress)
                    sizes, pending = [], 0
            _write_batch(writer, factory, picker, sizes, counts, progress)
            _write_nil_reports(writer, rng, places, now, counts)
        generated = time.perf_counter() - started
        if writer.dialect == "postgresql":
            # The planner knows nothing of millions of rows loaded in this same transaction
            # (autovacuum cannot see them yet); the rebuilds below group all of them.
            db.session.execute(sa.text(f"ANALYZE {', '.join(LOADED_TABLES)}"))
        rebuild_started = time.perf_counter()
        map_cells = cells.rebuild()
        rebuild_seconds = time.perf_counter() - rebuild_started
        summaries_started = time.perf_counter()
        summary_rows = summaries.rebuild(now=now)
        summaries_seconds = time.perf_counter() - summaries_started
    finally:
        if gc_was_enabled:
            gc.enable()
        if sqlite_cache is not None:
            db.session.execute(sa.text(f"PRAGMA cache_size = {int(sqlite_cache)}"))
    return {
        "users": counts.users,
        "locations": counts.locations,
        "lodgings": counts.lodgings,
        "persons": counts.persons,
        "groups": counts.groups,
        "stays": counts.stays,
        "open_stays": counts.open_stays,
        "nil_reports": counts.nil_reports,
        "map_cells": map_cells,
        "ledgers": summary_rows["compliance_ledgers"],
        "office_days": summary_rows["office_days"],
        "presence_counts": summary_rows["presence_counts"],
        "seconds_generate": round(generated, 3),
        "seconds_writing": round(writer.seconds_writing, 3),
        "seconds_rebuild": round(rebuild_seconds, 3),
        "seconds_summaries": round(summaries_seconds, 3),
        "stays_per_second": round(counts.stays / generated) if generated else 0,
        "engine": writer.dialect,
        "seed": seed,
        "now": now.isoformat(),
    }


def _write_batch(
    writer: _Writer,
    factory: _StayFactory,
    places: _PlacePicker,
    sizes: list[int],
    counts: _Counts,
    progress: Callable[[int], None] | None,
) -> None:
    if not sizes:
        return
    guests = sum(sizes)
    group_ids = writer.ids("stay_groups", len(sizes))
    person_ids = writer.ids("persons", guests)
    groups, persons, stays, open_count = factory.batch(places, sizes, group_ids, person_ids)
    # Parents first: the foreign keys hold at every statement.
    writer.insert("stay_groups", GROUP_COLUMNS, groups)
    writer.insert("persons", PERSON_COLUMNS, persons)
    writer.insert("stays", STAY_COLUMNS, stays)
    counts.groups += len(groups)
    counts.persons += len(persons)
    counts.stays += len(stays)
    counts.open_stays += open_count
    if progress is not None:
        progress(len(stays))

"""National-scale synthetic data for the officers' map, the compliance pages and their benchmarks.

`generate(stays=…, reporters=…)` writes reporters, their verified lodgings and
area homes, persons, stay groups and stays through a bulk path: batches of
row tuples (one `executemany` per batch on SQLite, `COPY` on PostgreSQL), ids
reserved up front so rows reference each other without a round trip, no ORM
objects and no per-value type processing (see `apoa.devdata.bulk.Writer`). Everything happens
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
`apoa.compliance.rebuild.rebuild_all()` the compliance ledgers, office days and
presence counts: the bulk path bypasses the per-report maintenance of both.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from apoa import clock
from apoa.compliance.rebuild import rebuild_all
from apoa.compliance.rules import local_start
from apoa.devdata.bulk import Writer
from apoa.devdata.places import Counts, Place, PlacePicker, create_reporters_and_places
from apoa.devdata.population import NIL_DAYS
from apoa.devdata.stays import GROUP_COLUMNS, PERSON_COLUMNS, STAY_COLUMNS, StayFactory
from apoa.extensions import db
from apoa.maps import cells
from apoa.regions.timezones import timezone_for_region
from apoa.reports.cadences import cadence_for
from apoa.reports.periods import period_containing, previous_period
from apoa.reports.receipt_numbers import CROCKFORD_ALPHABET, receipt_number_from

BATCH_STAYS = 8_000  # per executemany: large enough to amortise, small enough for memory

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
    writer: Writer, rng: random.Random, places: list[Place], now: datetime, counts: Counts
) -> None:
    """Quiet places declare every period of the last two months: nobody stayed.

    One declaration per lodging, or per area reporter (its first home stands for the
    area), each with its receipt, submitted in the days after the period ended.
    """
    cadences: dict[str, str] = {}
    naive_now = now.replace(tzinfo=None)
    declared: list[tuple[Place, Any, datetime]] = []
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
    progress: Callable[[int], object] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write `reporters` reporters with their places and `stays` stays; rebuild the pyramid.

    `progress(n)` is called after each batch with the number of stays just
    written (a tqdm bar's `update`). The same seed on the same database state
    gives the same data. Returns the counts and timings; the caller commits.
    """
    if stays < 0 or reporters < 1:
        raise ValueError("need at least one reporter and a non-negative number of stays")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = (now or clock.now()).astimezone(UTC).replace(microsecond=0)
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    writer = Writer()
    counts = Counts()
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
            places = create_reporters_and_places(writer, rng, reporters, now, counts)
            picker = PlacePicker(places)
            factory = StayFactory(writer, rng, now)
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
        summary_rows = rebuild_all(now=now)
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
    writer: Writer,
    factory: StayFactory,
    places: PlacePicker,
    sizes: list[int],
    counts: Counts,
    progress: Callable[[int], object] | None,
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

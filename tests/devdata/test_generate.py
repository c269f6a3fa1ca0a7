"""The national data generator: counts, geography, the pyramid, and office scoping."""

from __future__ import annotations

import gc
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.devdata.generate import NIL_COLUMNS, RECEIPT_COLUMNS, generate, receipt_number
from apoa.devdata.stays import GROUP_COLUMNS, PERSON_COLUMNS, STAY_COLUMNS
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging
from apoa.maps import cells
from apoa.maps.models import MapCell
from apoa.maps.tiles import cell_shift, to_tile
from apoa.regions.models import Office
from apoa.reports.models import NilReport, Person, Receipt, Stay, StayGroup
from tests.compliance.summary_tables import summary_snapshot
from tests.factories import TEST_PASSWORD

STAYS, REPORTERS = 3000, 60
NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
DAY = timedelta(days=1)
INDONESIA = "94,-11,142,6.5"


@pytest.fixture
def generated(app, db):
    steps: list[int] = []
    result = generate(stays=STAYS, reporters=REPORTERS, seed=7, progress=steps.append, now=NOW)
    db.session.commit()
    return result, steps


def _pyramid(db):
    return db.session.execute(
        sa.select(
            MapCell.z, MapCell.office_id, MapCell.cx, MapCell.cy, MapCell.n,
            MapCell.sum_lat, MapCell.sum_lon,
        ).order_by(MapCell.z, MapCell.office_id, MapCell.cx, MapCell.cy)
    ).all()  # fmt: skip


def _open_stays():
    return sa.select(sa.func.count(Stay.id)).where(Stay.status == "open")


def test_the_columns_written_are_the_models_columns():
    # A new NOT NULL column would otherwise fail only at run time, on a big run.
    assert set(STAY_COLUMNS) | {"id"} == set(Stay.__table__.columns.keys())
    assert set(PERSON_COLUMNS) == set(Person.__table__.columns.keys())
    assert set(GROUP_COLUMNS) == set(StayGroup.__table__.columns.keys())
    assert set(RECEIPT_COLUMNS) == set(Receipt.__table__.columns.keys())
    assert set(NIL_COLUMNS) == set(NilReport.__table__.columns.keys())


def test_counts_and_mix(db, generated):
    result, steps = generated
    assert sum(steps) == STAYS
    assert gc.isenabled()  # switched off for the bulk writes only
    assert len(steps) >= 1
    assert result["stays"] == STAYS == db.session.scalar(sa.select(sa.func.count(Stay.id)))
    assert result["persons"] == db.session.scalar(sa.select(sa.func.count(Person.id))) == STAYS
    groups = db.session.scalar(sa.select(sa.func.count(StayGroup.id)))
    assert result["groups"] == groups
    assert STAYS / 4 <= groups < STAYS
    assert result["open_stays"] == db.session.scalar(_open_stays())
    assert 0.15 * STAYS < result["open_stays"] < 0.25 * STAYS
    kinds = dict(
        db.session.execute(
            sa.select(User.reporter_kind, sa.func.count()).group_by(User.reporter_kind)
        ).all()
    )
    assert sum(kinds.values()) == REPORTERS == result["users"]
    assert kinds["lodging"] == round(REPORTERS * 0.85)
    per_operator = db.session.execute(
        sa.select(sa.func.count(Lodging.id)).group_by(Lodging.operator_id)
    ).scalars()
    assert set(per_operator) <= {1, 2, 3}
    assert db.session.scalar(sa.select(sa.func.count()).where(Lodging.status != "verified")) == 0
    # One argon2 hash for all, distinct session tokens, all active.
    users = db.session.execute(sa.select(User.password_hash, User.session_token)).all()
    assert len({h for h, _ in users}) == 1
    assert users[0][0].startswith("$argon2id$")
    assert len({t for _, t in users}) == REPORTERS
    # Open stays have no check-out; checked-out ones have one, after the check-in.
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                (Stay.status == "open") != Stay.checked_out_at.is_(None)
            )
        )
        == 0
    )
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Stay.checked_out_at < Stay.check_in_at))
        == 0
    )


def test_rows_read_back_like_orm_rows(db, generated):
    stay = db.session.scalars(sa.select(Stay).where(Stay.status == "checked_out")).first()
    assert stay.check_in_at.tzinfo is not None
    assert stay.check_in_at <= NOW
    assert stay.checked_out_at <= NOW
    assert re.fullmatch(r"[A-Z][A-Z ]+, [A-Z][a-z]+", stay.guest_name)
    assert stay.person.nationality == stay.person.issuing_country
    assert stay.group.location_id == stay.location_id
    if db.engine.dialect.name == "sqlite":
        # Stored in the same text form as the ORM writes (comparisons are textual there).
        raw = db.session.execute(
            sa.text("SELECT check_in_at, created_at FROM stays, users LIMIT 1")
        )
        stay_text, orm_text = raw.one()
        pattern = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"
        assert re.fullmatch(pattern, stay_text)
        assert re.fullmatch(pattern, orm_text)


def test_bali_leads_and_every_open_place_has_tile_coordinates(db, generated):
    province = sa.func.substr(Location.region_code, 1, 2)
    shares = dict(
        db.session.execute(
            sa.select(province, sa.func.count(Stay.id))
            .join(Location, Stay.location_id == Location.id)
            .where(Stay.status == "open")
            .group_by(province)
        ).all()
    )
    assert max(shares, key=shares.__getitem__) == "51"
    assert shares["51"] > 0.3 * sum(shares.values())
    places = db.session.execute(
        sa.select(Location.lat, Location.lon, Location.x18, Location.y18)
        .join(Stay, Stay.location_id == Location.id)
        .where(Stay.status == "open")
        .distinct()
    ).all()
    assert places
    for lat, lon, x18, y18 in places:
        assert x18 is not None
        assert y18 is not None
        assert (x18, y18) == to_tile(lat, lon)


def test_the_pyramid_is_a_recount(db, generated):
    result, _ = generated
    before = _pyramid(db)
    assert len(before) == result["map_cells"] > 0
    cells.rebuild()
    db.session.commit()
    after = _pyramid(db)
    assert [r[:5] for r in after] == [r[:5] for r in before]
    for a, b in zip(after, before, strict=True):
        assert a[5:] == pytest.approx(b[5:])
    # And counted independently from the tile coordinates, at a coarse and a fine zoom.
    for z in (5, 14):
        shift = cell_shift(z)
        cx, cy = Location.x18.op(">>")(shift), Location.y18.op(">>")(shift)
        office = sa.func.coalesce(Stay.office_id, 0)
        direct = db.session.execute(
            sa.select(office, cx, cy, sa.func.count(Stay.id))
            .join(Location, Stay.location_id == Location.id)
            .where(Stay.status == "open")
            .group_by(office, cx, cy)
            .order_by(office, cx, cy)
        ).all()
        stored = [(o, x, y, n) for zz, o, x, y, n, _, _ in after if zz == z]
        assert [tuple(r) for r in direct] == stored


def test_an_officer_sees_only_the_office_s_stays(app, db, generated, create_user):
    office_id = db.session.scalar(sa.select(Office.id).where(Office.code == "kanim-ngurah-rai"))
    expected = db.session.scalar(_open_stays().where(Stay.office_id == office_id))
    assert expected > 0
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    admin = create_user("admin")
    for user, total in ((officer, expected), (admin, db.session.scalar(_open_stays()))):
        client = app.test_client()
        client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
        for z in (5, 8):
            query = {"bbox": INDONESIA, "z": z}
            data = client.get("/api/map/clusters", query_string=query).get_json()
            assert sum(c[2] for c in data["clusters"]) == total, (user.role, z)


def test_a_second_run_adds_to_the_first(db, generated):
    result = generate(stays=40, reporters=5, seed=7, now=NOW)
    db.session.commit()
    assert result["users"] == 5
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == REPORTERS + 5
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == STAYS + 40
    assert result["open_stays"] + generated[0]["open_stays"] == db.session.scalar(_open_stays())


# ---------------------------------------------------------------- compliance


def test_reports_are_sometimes_late_and_check_outs_have_their_report_time(db, generated):
    from apoa.compliance.models import Ledger

    reports, late = db.session.execute(
        sa.select(sa.func.sum(Ledger.reports_total), sa.func.sum(Ledger.late_total))
    ).one()
    groups = db.session.scalar(sa.select(sa.func.count(StayGroup.id)))
    assert reports > groups  # check-ins and check-outs
    assert 0.03 < late / reports < 0.15  # ~8 % of check-ins, ~5 % of check-outs
    # Every departure has its report time, at or after it; open stays have neither.
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Stay.checked_out_at.is_(None) != Stay.check_out_reported_at.is_(None)
            )
        )
        == 0
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(Stay.check_out_reported_at < Stay.checked_out_at)
        )
        == 0
    )
    late_check_outs = db.session.scalars(
        sa.select(Stay).where(Stay.check_out_reported_at.is_not(None))
    ).all()
    over = [s for s in late_check_outs if s.check_out_reported_at - s.checked_out_at > DAY]
    assert 0 < len(over) < 0.15 * len(late_check_outs)
    assert all(s.check_out_reported_at <= NOW for s in late_check_outs)


def test_every_status_occurs_and_some_places_went_quiet(db, generated):
    from apoa.compliance import queries
    from apoa.compliance.models import Ledger

    counts = queries.status_counts(None, NOW)
    assert all(counts[status] > 0 for status in counts), counts
    ledgers = db.session.scalars(sa.select(Ledger)).all()
    assert len(ledgers) == db.session.scalar(
        sa.select(sa.func.count(Lodging.id))
    ) + db.session.scalar(sa.select(sa.func.count(User.id)).where(User.reporter_kind != "lodging"))
    assert all(ledger.registered_at < NOW - 3 * 365 * DAY for ledger in ledgers)
    # Silent and quiet places: nothing reported in the last two months, nobody staying.
    dormant = [
        ledger
        for ledger in ledgers
        if ledger.last_report_at is not None
        and ledger.last_report_at < NOW - 60 * DAY
        and ledger.open_stays == 0
    ]
    assert len(dormant) >= 0.05 * len(ledgers)
    # Some open stays are past their expected check-out: overdue (rule C4).
    overdue = db.session.scalar(_open_stays().where(Stay.expected_check_out < NOW.date() - DAY))
    assert 0 < overdue < 0.2 * db.session.scalar(_open_stays())


def test_quiet_places_file_nil_reports_with_receipts(db, generated):
    from apoa.regions.timezones import timezone_for_region
    from apoa.reports.receipt_numbers import is_valid_receipt_number

    result, _ = generated
    nils = db.session.scalars(sa.select(NilReport)).all()
    assert len(nils) == result["nil_reports"] > 0
    numbers = [nil.receipt.number for nil in nils]
    assert len(set(numbers)) == len(numbers)
    assert all(is_valid_receipt_number(n) for n in numbers)
    for nil in nils:
        assert nil.receipt.kind == "nil"
        assert nil.receipt.reporter_id == nil.reporter_id
        zone = timezone_for_region(db.session.get(Location, nil.receipt.location_id).region_code)
        assert nil.period_end < nil.submitted_at.astimezone(zone).date()
        assert nil.submitted_at <= NOW
        assert nil.scope_key in (f"lodging:{nil.lodging_id}", f"area:{nil.reporter_id}")
        # As file_nil_report would insist: nobody stayed there during the period.
        place = (
            Stay.lodging_id == nil.lodging_id
            if nil.lodging_id
            else sa.and_(Stay.reporter_id == nil.reporter_id, Stay.lodging_id.is_(None))
        )
        overlapping = db.session.scalar(
            sa.select(sa.func.count(Stay.id)).where(
                place,
                sa.func.date(Stay.check_in_at) <= nil.period_end,
                sa.func.date(Stay.checked_out_at) >= nil.period_start,
            )
        )
        assert overlapping == 0


def test_generated_receipt_numbers_are_unique_and_valid():
    from apoa.reports.receipt_numbers import is_valid_receipt_number

    numbers = {receipt_number(i, 2026) for i in range(1, 20_000)}
    assert len(numbers) == 19_999
    assert all(is_valid_receipt_number(n) for n in list(numbers)[:500])


def test_the_summaries_are_a_rebuild_and_the_services_continue_them(db, generated, create_user):
    from apoa.compliance.models import OfficeDay, PresenceCount
    from apoa.compliance.rebuild import rebuild_all
    from apoa.reports import services

    open_now = db.session.scalar(_open_stays())
    present = db.session.scalar(
        sa.select(sa.func.sum(PresenceCount.n)).where(PresenceCount.dimension == "nationality")
    )
    assert present == open_now
    arrivals = db.session.scalar(sa.select(sa.func.sum(OfficeDay.arrivals)))
    assert arrivals == STAYS
    # A check-out through the services moves the summaries as a rebuild would.
    stay = db.session.scalars(
        sa.select(Stay).where(Stay.status == "open", Stay.lodging_id.is_not(None)).limit(1)
    ).one()
    later = NOW + DAY
    services.record_check_out(stay.reporter, [stay], at=later - 2 * DAY, now=later)
    db.session.flush()
    live = summary_snapshot(db)
    rebuild_all(now=later)
    assert summary_snapshot(db) == live
    db.session.rollback()

"""The national data generator: counts, geography, the pyramid, and office scoping."""

from __future__ import annotations

import gc
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging
from apoa.maps import cells
from apoa.maps.generate import GROUP_COLUMNS, PERSON_COLUMNS, STAY_COLUMNS, generate
from apoa.maps.models import MapCell
from apoa.maps.tiles import cell_shift, to_tile
from apoa.regions.models import Office
from apoa.reports.models import Person, Stay, StayGroup
from tests.conftest import TEST_PASSWORD

STAYS, REPORTERS = 3000, 60
NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
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

"""The cluster pyramid always equals a recount of the open stays (docs/maps.md)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apoa.db import utcnow
from apoa.maps import cells
from apoa.maps.models import MapCell
from apoa.reports import places, services
from apoa.reports.models import Stay, StayStatus
from tests.factories import guest_data

VILLAGES = ["5103011004", "5103011001", "5171011001", "3171011001"]


def _snapshot(db):
    rows = db.session.execute(
        sa.select(
            MapCell.z,
            MapCell.office_id,
            MapCell.cx,
            MapCell.cy,
            MapCell.n,
            MapCell.sum_lat,
            MapCell.sum_lon,
        )
        .where(MapCell.n != 0)
        .order_by(MapCell.z, MapCell.office_id, MapCell.cx, MapCell.cy)
    ).all()
    return [(z, o, cx, cy, n, round(sl, 6), round(sn, 6)) for z, o, cx, cy, n, sl, sn in rows]


def _recount(db):
    db.session.flush()
    live = _snapshot(db)
    cells.rebuild()
    return live, _snapshot(db)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(["in", "out", "cancel", "fix"]), st.integers(0, 3)),
        min_size=1,
        max_size=12,
    )
)
def test_pyramid_equals_recount_after_any_mix_of_events(db, create_user, create_stay, operations):
    from apoa.geocoding.services import get_geocoder, locate, place_pin

    reporter = create_user("reporter", username=f"r{uuid.uuid4().hex[:8]}")
    officer = create_user("officer", username=f"o{uuid.uuid4().hex[:8]}")
    now = utcnow()
    locations = [
        locate(street=f"Jl. {v}", rt=None, rw=None, region_code=v, now=now, geocoder=get_geocoder())
        for v in VILLAGES
    ]
    counter = 0
    for operation, which in operations:
        open_stays = db.session.scalars(sa.select(Stay).where(Stay.status == StayStatus.OPEN)).all()
        if operation == "in":
            counter += 1
            place = places.Place(location=locations[which])
            create_stay(reporter, place, [guest_data(counter)], now=now)
        elif operation == "out" and open_stays:
            services.record_check_out(
                reporter, [open_stays[which % len(open_stays)]], at=now, now=now
            )
        elif operation == "cancel" and open_stays:
            services.cancel_stay(reporter, open_stays[which % len(open_stays)], "salah", now=now)
        elif operation == "fix":
            location = locations[which]
            officer.office_id = location.office_id or officer.office_id
            place_pin(
                officer, location, location.lat + 0.01 * (which + 1), location.lon + 0.01, now=now
            )
    live, recount = _recount(db)
    assert live == recount
    db.session.rollback()
    db.session.execute(sa.delete(MapCell))
    db.session.commit()


def test_rebuild_command(db, runner, verified_lodging, create_stay):
    operator, lodging = verified_lodging
    create_stay(operator, lodging, 2)
    db.session.commit()
    before = _snapshot(db)
    db.session.execute(sa.delete(MapCell))
    db.session.commit()
    result = runner.invoke(args=["apoa", "rebuild-map-cells"])
    assert result.exit_code == 0, result.output
    assert "15 map cells" in result.output  # one cell per zoom 0..14
    assert _snapshot(db) == before
    top = db.session.scalars(sa.select(MapCell).where(MapCell.z == 0)).one()
    assert top.n == 2


def test_generate_command_writes_stays_and_a_right_pyramid(app, db, runner):
    result = runner.invoke(
        args=["apoa", "generate", "--stays", "500", "--reporters", "10", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    open_stays = db.session.scalar(
        sa.select(sa.func.count(Stay.id)).where(Stay.status == StayStatus.OPEN)
    )
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 500
    top = db.session.scalar(sa.select(sa.func.sum(MapCell.n)).where(MapCell.z == 0))
    assert top == open_stays > 0

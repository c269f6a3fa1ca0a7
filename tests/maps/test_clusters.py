"""The cluster endpoint: office scoping, zoom levels, viewport checks."""

from __future__ import annotations

from datetime import timedelta

from apoa.db import utcnow
from apoa.geocoding.services import get_geocoder, locate
from apoa.reports import services
from tests.conftest import TEST_PASSWORD
from tests.reports.conftest import guest_data

INDONESIA = "94,-11,142,6.5"


def _check_in(db, reporter, village, n):
    now = utcnow()
    location = locate(
        street="Jl. Test", rt=None, rw=None, region_code=village, now=now, geocoder=get_geocoder()
    )
    guests = [guest_data(i + hash(village) % 1000 * 10) for i in range(n)]
    services.submit_check_in(
        reporter,
        services.Place(location=location),
        guests,
        {
            "check_in_at": now - timedelta(hours=1),
            "expected_check_out": (now + timedelta(days=3)).date(),
        },
        now=now,
    )
    db.session.commit()


def _get(client, **args):
    return client.get("/api/map/clusters", query_string=args)


def test_officer_sees_only_the_office_s_stays(app, db, create_user):
    reporter = create_user("reporter")
    _check_in(db, reporter, "5103011004", 3)  # Legian: Ngurah Rai
    _check_in(db, reporter, "3171011001", 2)  # Gambir: Jakarta Pusat
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    data = _get(client, bbox=INDONESIA, z=5).get_json()
    assert sum(c[2] for c in data["clusters"]) == 3
    street = _get(client, bbox="115.1,-8.8,115.3,-8.6", z=16).get_json()
    assert [p[2] for p in street["points"]] == [3]
    jakarta = _get(client, bbox="106.7,-6.3,106.9,-6.1", z=16).get_json()
    assert jakarta["points"] == []


def test_admin_sees_national_counts_but_no_places(app, db, create_user, login_as):
    reporter = create_user("reporter")
    _check_in(db, reporter, "5103011004", 1)
    _check_in(db, reporter, "3171011001", 2)
    client = app.test_client()
    admin = create_user("admin")
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    assert sum(c[2] for c in _get(client, bbox=INDONESIA, z=4).get_json()["clusters"]) == 3
    assert _get(client, bbox="115.1,-8.8,115.3,-8.6", z=16).get_json()["points"] == []


def test_clusters_split_as_the_map_zooms_in(app, db, create_user):
    reporter = create_user("reporter")
    _check_in(db, reporter, "5103011004", 1)  # Legian
    _check_in(db, reporter, "5103011001", 1)  # Tuban, ~5 km south
    admin = create_user("admin")
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    far = _get(client, bbox=INDONESIA, z=5).get_json()["clusters"]
    near = _get(client, bbox="115.1,-8.8,115.3,-8.6", z=14).get_json()["clusters"]
    assert [c[2] for c in far] == [2]
    assert sorted(c[2] for c in near) == [1, 1]


def test_reporters_are_refused_and_bad_viewports_are_400(client, login_as):
    login_as("reporter")
    assert _get(client, bbox=INDONESIA, z=5).status_code == 403
    client.post("/logout")
    login_as("officer")
    assert _get(client, bbox="1,2,3", z=5).status_code == 400
    assert _get(client, bbox=INDONESIA, z="x").status_code == 400

"""The cluster endpoint: office scoping, zoom levels, viewport checks."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD

INDONESIA = "94,-11,142,6.5"


def _get(client, **args):
    return client.get("/api/map/clusters", query_string=args)


def test_officer_sees_only_the_office_s_stays(app, db, create_user, create_stay):
    reporter = create_user("reporter")
    create_stay(reporter, "5103011004", 3)  # Legian: Ngurah Rai
    create_stay(reporter, "3171011001", 2)  # Gambir: Jakarta Pusat
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    data = _get(client, bbox=INDONESIA, z=5).get_json()
    assert sum(c[2] for c in data["clusters"]) == 3
    street = _get(client, bbox="115.1,-8.8,115.3,-8.6", z=16).get_json()
    assert [p[2] for p in street["points"]] == [3]
    jakarta = _get(client, bbox="106.7,-6.3,106.9,-6.1", z=16).get_json()
    assert jakarta["points"] == []


def test_admin_sees_national_counts_but_no_places(app, db, create_user, create_stay, login_as):
    reporter = create_user("reporter")
    create_stay(reporter, "5103011004", 1)
    create_stay(reporter, "3171011001", 2)
    client = app.test_client()
    admin = create_user("admin")
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    assert sum(c[2] for c in _get(client, bbox=INDONESIA, z=4).get_json()["clusters"]) == 3
    assert _get(client, bbox="115.1,-8.8,115.3,-8.6", z=16).get_json()["points"] == []


def test_clusters_split_as_the_map_zooms_in(app, db, create_user, create_stay):
    reporter = create_user("reporter")
    create_stay(reporter, "5103011004", 1)  # Legian
    create_stay(reporter, "5103011001", 1)  # Tuban, ~5 km south
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

"""The map page stays small whatever the data: folium builds only the shell (docs/maps.md)."""

from __future__ import annotations

import re

from tests.factories import TEST_PASSWORD

BUDGET = 300 * 1024


def _weight(client) -> tuple[int, dict[str, int]]:
    page = client.get("/map")  # uncompressed: the budget holds even without brotli
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sizes = {"/map": len(page.data)}
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', html):
        response = client.get(asset)
        assert response.status_code == 200, asset
        sizes[asset] = len(response.get_data())
    return sum(sizes.values()), sizes


def test_map_page_weight_does_not_grow_with_the_data(app, db, create_user, check_in_village):
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    empty, sizes = _weight(client)
    assert empty <= BUDGET, sizes
    reporter = create_user("reporter")
    for village in ("5103011004", "5103011001"):
        check_in_village(reporter, village, 4)
    full, _ = _weight(client)
    assert abs(full - empty) < 200  # only random ids and nonces differ


def test_no_cdn_and_no_personal_data_in_the_page(app, db, create_user, check_in_village):
    reporter = create_user("reporter")
    check_in_village(reporter, "5103011004", 2)
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    html = client.get("/map").get_data(as_text=True)
    assert "cdn" not in html.lower()
    assert "Müller" not in html
    assert "X000" not in html
    nonce = re.search(r"'nonce-([^']+)'", client.get("/map").headers["Content-Security-Policy"])
    assert nonce


def test_leaflet_control_texts_are_given_translated(app, db, create_user):
    """Leaflet's zoom and layers controls say "Zoom in", "Layers": the page gives Indonesian."""
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    html = client.get("/map").get_data(as_text=True)
    assert 'data-msg-zoom-in="Perbesar"' in html
    assert 'data-msg-zoom-out="Perkecil"' in html
    assert 'data-msg-layers="Lapisan peta"' in html
    script = client.get("/static/js/map.js").get_data(as_text=True)
    for name in ("zoomInTitle", "zoomOutTitle", "data-msg-zoom-in", "data-msg-layers"):
        assert name in script


def test_map_filter_names_countries_in_the_users_language(app, db, create_user):
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    html = client.get("/map").get_data(as_text=True)
    assert ">Ceko (CZE)</option>" in html
    assert "Czechia" not in html
    client.post("/language", data={"lang": "en", "next": "/map"})
    html = client.get("/map").get_data(as_text=True)
    assert ">Czechia (CZE)</option>" in html

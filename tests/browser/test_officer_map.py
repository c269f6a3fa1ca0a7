"""The officers' map loads from local assets with no internet, draws clusters, and splits them."""

from __future__ import annotations

from playwright.sync_api import expect

from apoa.regions.models import Region


def test_map_shows_clusters_that_split_when_clicked(
    db, live_server, sign_in, browser, create_user, create_stay
):
    reporter = create_user("reporter")
    create_stay(reporter, "5103011004", 2)  # Legian
    create_stay(reporter, "5103011001", 1)  # Tuban, a few km south
    db.session.commit()
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, officer.username)
    page.goto(f"{live_server}/map")
    box = page.locator("#officer-map")
    expect(box).to_have_attribute("data-clusters-drawn", "1")  # one bubble for Bali at zoom 5
    # Leaflet's control texts in Indonesian (issue 12, point 4), not "Zoom in" / "Layers".
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Perbesar")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Perkecil")
    expect(page.locator(".leaflet-control-layers-toggle")).to_have_attribute(
        "title", "Lapisan peta"
    )
    expect(page.locator(".cluster-icon")).to_have_text("3")
    page.locator(".cluster-icon").click()  # zoom in two levels, still one cluster
    for _ in range(4):
        if page.locator(".cluster-icon").count() > 1:
            break
        page.locator(".cluster-icon").first.click()
        page.wait_for_timeout(400)
    expect(page.locator(".cluster-icon")).to_have_count(2)
    texts = sorted(page.locator(".cluster-icon").all_inner_texts())
    assert texts == ["1", "2"]
    # The district layer shows Kuta's count; a filter in the URL narrows the clusters.
    overlays = page.locator(
        ".leaflet-control-layers-overlays input"
    )  # clusters, heat, districts, villages
    overlays.nth(2).check()
    expect(page.locator(".leaflet-marker-icon[title^='Kuta']")).to_have_count(1)
    page.goto(f"{live_server}/map?permit=itas")
    expect(box).to_have_attribute("data-clusters-drawn", "0")
    scripts = [u for u in requests if u.endswith(".js") or u.endswith(".css")]
    assert scripts
    assert all(u.startswith(live_server) for u in scripts)  # Leaflet and all from our server
    context.close()


def test_street_level_places_that_share_a_point_spread_apart(
    db, live_server, sign_in, browser, create_user, create_place, create_stay
):
    reporter = create_user("reporter")
    for street in ("Gang Satu", "Gang Dua"):  # two addresses geocoded to the same village centre
        create_stay(reporter, create_place("5103011004", street))
    db.session.commit()
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    page = context.new_page()
    sign_in(page, officer.username)
    legian = db.session.get(Region, "5103011004")
    page.goto(f"{live_server}/map")
    page.wait_for_selector("#officer-map[data-clusters-drawn]")
    page.evaluate(
        "([lat, lon]) => window[document.getElementById('officer-map').dataset.mapVar]"
        ".setView([lat, lon], 19)",
        [legian.lat, legian.lon],
    )
    # Both places are drawn (at street level the answer lists places, not cells) …
    expect(page.locator("#officer-map")).to_have_attribute("data-clusters-drawn", "2")
    cluster = page.locator(".marker-cluster")
    expect(cluster).to_have_count(1)  # … and overlap: one markercluster bubble
    page.wait_for_timeout(500)  # let Leaflet finish the zoom before the click
    cluster.click()
    expect(page.locator(".cluster-icon")).to_have_count(2, timeout=10_000)  # spiderfied
    page.locator(".cluster-icon").first.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Gang")
    context.close()

"""On a phone: register a lodging with the region picker and the phone's location."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from apoa.lodgings.models import Lodging
from tests.factories import TEST_PASSWORD

LEGIAN_PIN = {"latitude": -8.70490, "longitude": 115.17030, "accuracy": 12}


def test_register_a_lodging_with_my_location(db, live_server, sign_in, phone, create_user):
    operator = create_user("reporter")
    page = phone(geolocation=LEGIAN_PIN, permissions=["geolocation"])
    sign_in(page, operator.username)
    page.goto(f"{live_server}/lodgings/new")
    page.fill("#name", "Hotel Pantai")
    page.select_option("#kind", "hotel")
    page.fill("#street", "Jl. Legian No. 10")
    # Type-ahead fills the four selects and the hidden village code at once.
    page.fill("[data-region-picker] input[type=search]", "Legian")
    page.locator("[data-region-picker] button", has_text="Kuta").first.click()
    expect(page.locator("#region_code")).to_have_value("5103011004")
    page.click("[data-locate]")
    expect(page.locator("#lat")).not_to_have_value("")
    # The pin is on the map.
    assert page.locator(".pin-map .leaflet-marker-icon").count() == 1
    assert abs(float(page.input_value("#lat")) - LEGIAN_PIN["latitude"]) < 1e-4
    assert page.input_value("#accuracy") == "12"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("form[data-once] button[type=submit]")
    page.wait_for_selector("[data-testid=lodging-status]")
    db.session.rollback()
    lodging = db.session.scalars(sa.select(Lodging)).one()
    assert lodging.location.precision == "gps"
    assert lodging.location.office.code == "kanim-ngurah-rai"
    assert lodging.status == "pending"


def test_officer_sees_and_verifies_it(db, app, live_server, sign_in, phone, create_user):
    operator = create_user("reporter")
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = app.test_client()
    client.post("/login", data={"username": operator.username, "password": TEST_PASSWORD})
    client.post(
        "/lodgings/new",
        data={
            "name": "Villa Sawah",
            "kind": "villa",
            "street": "Jl. Padma 3",
            "region_code": "5103011004",
        },
    )
    page = phone()
    sign_in(page, officer.username)
    page.goto(f"{live_server}/lodgings/?status=pending")
    page.click("text=Villa Sawah")
    page.click("button[formaction$='/verify']")
    page.wait_for_selector(".flash-success")
    db.session.rollback()
    assert db.session.scalars(sa.select(Lodging.status)).one() == "verified"


# About 24 km north of Legian, in the hills: a phone that has the wrong fix, or a pin
# for another village.
FAR_PIN = {"latitude": -8.4880, "longitude": 115.1800, "accuracy": 20}


def test_a_pin_far_from_the_chosen_village_is_said_at_once(
    db, live_server, sign_in, phone, create_user
):
    operator = create_user("reporter")
    page = phone(geolocation=FAR_PIN, permissions=["geolocation"])
    sign_in(page, operator.username)
    page.goto(f"{live_server}/lodgings/new")
    page.fill("[data-region-picker] input[type=search]", "Legian")
    page.locator("[data-region-picker] button", has_text="Kuta").first.click()
    expect(page.locator("#region_code")).to_have_value("5103011004")
    page.click("[data-locate]")
    status = page.locator(".pin-status")
    # Not "found, accurate to 20 m" and silence: the distance, the village and what happens.
    expect(status).to_contain_text("km dari pusat")
    expect(status).to_contain_text("Legian")
    assert re.search(r"\b2\d,\d km\b", status.inner_text())  # a decimal comma, in Indonesian
    assert "is-error" in (status.get_attribute("class") or "")
    assert page.locator("[data-location-picker].pin-far").count() == 1

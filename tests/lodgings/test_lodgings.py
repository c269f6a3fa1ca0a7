"""Lodging registration by operators and verification by the routed office."""

from __future__ import annotations

import sqlalchemy as sa

from apoa.audit.models import AuditEvent
from apoa.lodgings.models import Lodging
from tests.factories import TEST_PASSWORD

FORM = {
    "name": "Hotel Melati",
    "kind": "hotel",
    "nib": "9120001234567",
    "street": "Jl. Legian No. 10",
    "region_code": "5103011004",
    "rt": "3",
    "rw": "2",
}


def _register(client, **changes):
    return client.post("/lodgings/new", data={**FORM, **changes})


def test_operator_registers_a_lodging_that_waits_for_verification(db, client, login_as):
    operator = login_as("reporter")
    response = _register(client, lat="-8.7049", lon="115.1703", accuracy="15")
    assert response.status_code == 302
    lodging = db.session.scalars(sa.select(Lodging)).one()
    assert lodging.operator_id == operator.id
    assert lodging.status == "pending"
    assert lodging.location.precision == "gps"
    assert lodging.location.office.code == "kanim-ngurah-rai"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Menunggu" in page  # "waiting for verification", in Indonesian


def test_registration_errors_are_shown_per_field_and_nothing_is_saved(db, client, login_as):
    login_as("reporter")
    html = _register(client, name="", nib="12", region_code="51", rt="abc").get_data(as_text=True)
    for field in ("name", "nib", "region_code", "rt"):
        assert f'id="{field}-errors"' in html, field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lodging)) == 0


def test_only_lodging_operators_register(client, login_as):
    login_as("reporter", reporter_kind="rt_rw")
    assert client.get("/lodgings/new").status_code == 403


def test_officer_of_the_routed_office_verifies(app, db, client, login_as, create_user):
    login_as("reporter")
    _register(client)
    lodging = db.session.scalars(sa.select(Lodging)).one()
    other = create_user("officer", office_code="kanim-jakarta-pusat")
    other_client = app.test_client()
    other_client.post("/login", data={"username": other.username, "password": TEST_PASSWORD})
    assert other_client.get(f"/lodgings/{lodging.id}").status_code == 404
    assert other_client.post(f"/lodgings/{lodging.id}/verify").status_code == 404

    officer = create_user("officer", office_code="kanim-ngurah-rai")
    officer_client = app.test_client()
    officer_client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    assert "Hotel Melati" in officer_client.get("/lodgings/?status=pending").get_data(as_text=True)
    assert officer_client.post(f"/lodgings/{lodging.id}/verify").status_code == 302
    db.session.expire_all()
    assert db.session.get(Lodging, lodging.id).status == "verified"
    assert (
        db.session.scalar(
            sa.select(AuditEvent.actor_id).where(AuditEvent.action == "lodging.verify")
        )
        == officer.id
    )


def test_rejection_needs_a_reason(app, db, client, login_as, create_user):
    login_as("reporter")
    _register(client)
    lodging = db.session.scalars(sa.select(Lodging)).one()
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    officer_client = app.test_client()
    officer_client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    response = officer_client.post(f"/lodgings/{lodging.id}/reject", data={"reason": ""})
    assert response.status_code == 400
    assert 'id="reason-errors"' in response.get_data(as_text=True)
    officer_client.post(f"/lodgings/{lodging.id}/reject", data={"reason": "NIB tidak terdaftar"})
    db.session.expire_all()
    rejected = db.session.get(Lodging, lodging.id)
    assert rejected.status == "rejected"
    assert rejected.decision_reason == "NIB tidak terdaftar"


def test_operators_see_only_their_own_lodgings(app, db, client, login_as, create_user):
    login_as("reporter")
    _register(client)
    lodging = db.session.scalars(sa.select(Lodging)).one()
    other = create_user("reporter")
    other_client = app.test_client()
    other_client.post("/login", data={"username": other.username, "password": TEST_PASSWORD})
    assert other_client.get(f"/lodgings/{lodging.id}").status_code == 404
    assert "Hotel Melati" not in other_client.get("/lodgings/").get_data(as_text=True)


def test_officer_fixes_a_mismatched_pin_from_the_review_queue(
    app, db, client, login_as, create_user
):
    login_as("reporter")
    _register(client, lat="-6.1754", lon="106.8272")  # a pin in Jakarta for Legian
    lodging = db.session.scalars(sa.select(Lodging)).one()
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    officer_client = app.test_client()
    officer_client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    queue = officer_client.get("/review/locations").get_data(as_text=True)
    assert "Jl. Legian No. 10" in queue
    bad = officer_client.post(
        f"/review/locations/{lodging.location_id}", data={"lat": "1", "lon": "1"}
    )
    assert bad.status_code == 200
    assert 'class="errors"' in bad.get_data(as_text=True)  # the pin must lie in Indonesia
    ok = officer_client.post(
        f"/review/locations/{lodging.location_id}", data={"lat": "-8.70512", "lon": "115.16891"}
    )
    assert ok.status_code == 302
    db.session.expire_all()
    location = db.session.get(Lodging, lodging.id).location
    assert not location.needs_review
    assert (location.lat, location.source) == (-8.70512, "officer")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "location.fix"))
    assert event.actor_id == officer.id
    assert f"/review/locations/{lodging.location_id}" not in officer_client.get(
        "/review/locations"
    ).get_data(as_text=True)

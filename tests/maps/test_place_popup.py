"""A marker's popup: the place and its open stays' nationalities, no names, audited."""

from __future__ import annotations

import sqlalchemy as sa

from apoa.audit.models import AuditEvent


def test_officer_sees_the_place_s_guests_without_names(
    client, db, create_user, verified_lodging, create_stay, login_as
):
    operator, lodging = verified_lodging
    made = create_stay(operator, lodging, 2, nationality="AUS", issuing_country="AUS")
    create_stay(operator, lodging, 1, nationality="D", issuing_country="D")
    db.session.commit()
    officer = login_as("officer", office_code="kanim-ngurah-rai")
    response = client.get(f"/api/map/places/{lodging.location_id}")
    assert response.status_code == 200
    popup = response.get_json()
    assert popup["place"] == lodging.name
    assert popup["guests"] == 3
    assert popup["nationalities"] == {"AUS": 2, "D": 1}
    assert f"/reports/stays/{made.stay.id}" in {s["url"] for s in popup["stays"]}
    page = response.get_data(as_text=True)
    assert made.stay.person.surname not in page
    assert made.stay.person.passport_number not in page
    views = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "map.place_view")
    ).all()
    assert [(e.actor_id, e.object_id) for e in views] == [(officer.id, str(lodging.location_id))]


def test_another_office_s_place_is_404_and_reporters_are_refused(
    client, db, create_user, verified_lodging, create_stay, login_as
):
    operator, lodging = verified_lodging
    create_stay(operator, lodging, 1)
    db.session.commit()
    login_as("officer", office_code="kanim-jakarta-pusat")
    assert client.get(f"/api/map/places/{lodging.location_id}").status_code == 404
    client.post("/logout")
    login_as("reporter")
    assert client.get(f"/api/map/places/{lodging.location_id}").status_code == 403


def test_a_place_with_nobody_staying_is_404(client, db, verified_lodging, login_as):
    _, lodging = verified_lodging
    login_as("officer", office_code="kanim-ngurah-rai")
    assert client.get(f"/api/map/places/{lodging.location_id}").status_code == 404
    assert not db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "map.place_view"))

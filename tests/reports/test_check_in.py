"""Check-in reports through the form: families, validation, MRZ, receipts, idempotency, scoping."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from apoa.audit.models import AuditEvent
from apoa.reports.models import Person, Receipt, Stay, StayEvent, StayGroup
from tests.factories import TEST_PASSWORD, guest_form, stay_form
from tests.mrz_samples import SPECIMEN_MRZ

pytestmark = pytest.mark.dates


def _login(client, user):
    assert (
        client.post(
            "/login", data={"username": user.username, "password": TEST_PASSWORD}
        ).status_code
        == 302
    )


def _family(lodging_id: int, key: str | None = None) -> dict[str, str]:
    data = {
        "lodging_id": str(lodging_id),
        "head": "0",
        **stay_form(submission_key=key or str(uuid.uuid4())),
    }
    data.update(guest_form(0))
    data.update(guest_form(1, given_names="Greta", sex="F", birth_date="1982-02-01"))
    data.update(guest_form(2, given_names="Lena", sex="F", birth_date="2015-07-09"))
    data["submit"] = "1"
    return data


def test_a_family_of_three_gets_one_receipt(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    response = client.post("/reports/check-in", data=_family(lodging.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    receipt = db.session.scalars(sa.select(Receipt)).one()
    assert response.headers["Location"] == f"/reports/receipts/{receipt.number}"
    assert receipt.guest_count == 3
    assert receipt.kind == "check_in"
    stays = db.session.scalars(sa.select(Stay).order_by(Stay.id)).all()
    assert [s.is_head for s in stays] == [True, False, False]
    assert [s.is_minor for s in stays] == [False, False, True]
    assert {s.office_id for s in stays} == {lodging.location.office_id}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StayGroup)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StayEvent)) == 3
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert receipt.number in page
    assert "C01X00T40" not in page  # passport numbers are masked in lists


def test_any_error_saves_nothing_and_names_the_field(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    data = _family(lodging.id)
    data["guests-1-passport_number"] = "AB"
    data["guests-2-birth_date"] = "2999-01-01"
    data["expected_check_out"] = "2000-01-01"
    html = client.post("/reports/check-in", data=data).get_data(as_text=True)
    assert 'id="guests-1-passport_number-errors"' in html
    assert 'id="guests-2-birth_date-errors"' in html
    assert 'id="expected_check_out-errors"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_repeated_submission_returns_the_first_receipt(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    key = str(uuid.uuid4())
    first = client.post("/reports/check-in", data=_family(lodging.id, key))
    second = client.post("/reports/check-in", data=_family(lodging.id, key))
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 3


def test_mrz_fills_the_guest_and_names_a_wrong_digit(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    data = {
        "lodging_id": str(lodging.id),
        **stay_form(),
        "guests-0-mrz": SPECIMEN_MRZ,
        "fill_mrz": "0",
    }
    html = client.post("/reports/check-in", data=data).get_data(as_text=True)
    assert 'value="ERIKSSON"' in html
    assert 'value="L898902C3"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 0
    broken = SPECIMEN_MRZ.replace("L898902C36", "L898902C35")
    data["guests-0-mrz"] = broken
    html = client.post("/reports/check-in", data=data).get_data(as_text=True)
    assert 'id="guests-0-mrz-errors"' in html
    assert re.search(r"nomor paspor|passport number", html)


def test_add_and_remove_a_guest_without_javascript(client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    data = {"lodging_id": str(lodging.id), **stay_form(), **guest_form(0), "add_guest": "1"}
    html = client.post("/reports/check-in", data=data).get_data(as_text=True)
    assert 'name="guests-1-surname"' in html
    data.update(guest_form(1))
    data.pop("add_guest")
    data["remove_guest"] = "1"
    html = client.post("/reports/check-in", data=data).get_data(as_text=True)
    assert 'name="guests-1-surname"' not in html


def test_pending_lodging_says_so_plainly(db, client, create_user, create_lodging):
    operator = create_user("reporter")
    create_lodging(operator, name="Baru", kind="kos", street="Jl. X", status="pending")
    _login(client, operator)
    html = client.get("/reports/check-in").get_data(as_text=True)
    assert 'data-testid="no-verified-lodging"' in html


def test_another_reporter_cannot_use_my_lodging_or_see_my_guests(
    app, db, client, verified_lodging, create_user
):
    operator, lodging = verified_lodging
    _login(client, operator)
    client.post("/reports/check-in", data=_family(lodging.id))
    stay_id = db.session.scalars(sa.select(Stay.id)).first()
    receipt = db.session.scalars(sa.select(Receipt.number)).one()
    other = create_user("reporter")
    other_client = app.test_client()
    _login(other_client, other)
    html = other_client.post("/reports/check-in", data=_family(lodging.id)).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == 1
    assert 'data-testid="no-verified-lodging"' in html  # my lodging is not among theirs
    assert other_client.get(f"/reports/stays/{stay_id}").status_code == 404
    assert other_client.get(f"/reports/receipts/{receipt}").status_code == 404
    assert other_client.get(f"/reports/receipts/{receipt}.pdf").status_code == 404
    assert (
        other_client.post(f"/reports/stays/{stay_id}/cancel", data={"reason": "x"}).status_code
        == 404
    )
    assert (
        other_client.post("/reports/check-out", data={"stay_ids": str(stay_id)}).status_code == 404
    )
    assert "Müller" not in other_client.get("/reports/").get_data(as_text=True)


def test_viewing_a_stay_is_audited(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    client.post("/reports/check-in", data=_family(lodging.id))
    stay_id = db.session.scalars(sa.select(Stay.id)).first()
    client.get(f"/reports/stays/{stay_id}")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "stay.view"))
    assert event.object_id == str(stay_id)
    assert "C01X00T4" not in str(db.session.scalars(sa.select(AuditEvent.details)).all())

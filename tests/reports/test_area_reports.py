"""RT/RW officials and lurah report stays at addresses inside their own area; cadences."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from apoa.db import utcnow
from apoa.reports.models import NilReport, Receipt, Stay
from tests.factories import TEST_PASSWORD, guest_form, stay_form

pytestmark = pytest.mark.dates

LEGIAN, KUTA_OTHER = "5103011004", "5103011001"


def _login(client, user):
    assert (
        client.post(
            "/login", data={"username": user.username, "password": TEST_PASSWORD}
        ).status_code
        == 302
    )


def _address(**changes):
    data = {"street": "Gang Melati 3", "region_code": LEGIAN, "rw": "2", "rt": "3"}
    data.update(changes)
    return data


def test_rt_official_reports_a_guest_in_own_rt(db, client, create_user):
    official = create_user("reporter", reporter_kind="rt_rw", area_code=LEGIAN, rw=2, rt=3)
    _login(client, official)
    form = client.get("/reports/check-in").get_data(as_text=True)
    assert 'data-within="5103011004"' in form  # the picker is locked to the official's village
    data = {
        **_address(),
        **stay_form(submission_key=str(uuid.uuid4())),
        **guest_form(0),
        "submit": "1",
    }
    response = client.post("/reports/check-in", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stay = db.session.scalars(sa.select(Stay)).one()
    assert stay.lodging_id is None
    assert stay.location.region_code == LEGIAN
    assert (stay.location.rw, stay.location.rt) == (2, 3)
    assert stay.office_id is not None


def test_area_reporter_cannot_report_outside_the_area(db, client, create_user):
    official = create_user("reporter", reporter_kind="rt_rw", area_code=LEGIAN, rw=2, rt=3)
    _login(client, official)
    base = {**stay_form(submission_key=str(uuid.uuid4())), **guest_form(0), "submit": "1"}
    html = client.post(
        "/reports/check-in", data={**_address(region_code=KUTA_OTHER), **base}
    ).get_data(as_text=True)
    assert 'id="region_code-errors"' in html
    html = client.post("/reports/check-in", data={**_address(rw="5"), **base}).get_data(
        as_text=True
    )
    assert 'id="rw-errors"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == 0


def test_lurah_may_report_anywhere_in_the_village(db, client, create_user):
    lurah = create_user("reporter", reporter_kind="lurah", area_code=LEGIAN)
    _login(client, lurah)
    data = {
        **_address(rw="7", rt="1"),
        **stay_form(submission_key=str(uuid.uuid4())),
        **guest_form(0),
        "submit": "1",
    }
    assert client.post("/reports/check-in", data=data).status_code == 302


def test_area_nil_report_is_monthly_by_default(db, client, create_user):
    from apoa.regions.timezones import WITA
    from apoa.reports.periods import period_containing, previous_period

    lurah = create_user("reporter", reporter_kind="lurah", area_code=LEGIAN)
    _login(client, lurah)
    # Only an ended period can be declared nil: last month, in Bali's time.
    period = previous_period(
        period_containing(utcnow().astimezone(WITA).date(), "monthly"), "monthly"
    )
    page = client.get("/reports/nil").get_data(as_text=True)
    assert format_date(period.start, "medium", locale="id") in page
    data = {"period": period.start.isoformat(), "submission_key": str(uuid.uuid4())}
    response = client.post("/reports/nil", data=data)
    assert response.status_code == 302
    nil = db.session.scalars(sa.select(NilReport)).one()
    assert nil.scope_key == f"area:{lurah.id}"
    assert (nil.period_start, nil.period_end) == (period.start, period.end)


def test_admin_changes_the_cadence(db, client, login_as, create_user):
    from apoa.reports.services import cadence_for

    login_as("admin")
    assert cadence_for("lodging") == "weekly"
    response = client.post(
        "/admin/cadences", data={"lodging": "monthly", "rt_rw": "weekly", "lurah": "monthly"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert cadence_for("lodging") == "monthly"
    assert cadence_for("rt_rw") == "weekly"


def test_a_cadence_change_recounts_an_area_reporters_reports(db, app, client, create_user):
    from apoa.compliance.models import Ledger
    from apoa.regions.timezones import WITA
    from apoa.reports.periods import period_containing

    lurah = create_user("reporter", reporter_kind="lurah", area_code=LEGIAN)
    _login(client, lurah)
    for guest in range(2):
        data = {
            **_address(rw="7", rt="1"),
            **stay_form(submission_key=str(uuid.uuid4())),
            **guest_form(guest),
            "submit": "1",
        }
        assert client.post("/reports/check-in", data=data).status_code == 302
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.reporter_id == lurah.id))
    assert ledger.period_reports == 2
    db.session.execute(sa.update(Ledger).values(period_reports=0))  # spoil the running total
    db.session.commit()

    admin = app.test_client()
    admin_user = create_user("admin")
    _login(admin, admin_user)
    changed = {"lodging": "weekly", "rt_rw": "monthly", "lurah": "weekly"}
    assert admin.post("/admin/cadences", data=changed).status_code == 302
    db.session.refresh(ledger)
    this_week = period_containing(utcnow().astimezone(WITA).date(), "weekly")
    assert (ledger.period_start, ledger.period_reports) == (this_week.start, 2)

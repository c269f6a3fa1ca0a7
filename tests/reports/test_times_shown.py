"""Every time a reporter sees is in the place's own zone, with its label (issue 12, point 4)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import g

from apoa.reports.models import Stay
from apoa.templating import viewer_datetime
from tests.factories import TEST_PASSWORD, guest_form, stay_form

# A time as the pages show it, then the zone: "7 Des 2026 05.55 WITA" (Bali is WITA).
LABELLED = re.compile(r"\d{2}[.:]\d{2}(?:[.:]\d{2})? WITA")


def _one_guest_reported(db, client, operator, lodging) -> int:
    """Sign in, report one guest at the lodging (Bali, WITA); return the stay's id."""
    client.post("/login", data={"username": operator.username, "password": TEST_PASSWORD})
    data = {"lodging_id": str(lodging.id), **stay_form(submission_key=str(uuid.uuid4()))}
    data.update(guest_form(0))
    assert client.post("/reports/check-in", data=data).status_code == 302
    return int(db.session.scalar(sa.select(Stay.id)))


def test_history_search_and_lodging_show_bali_times_in_wita(db, client, verified_lodging):
    operator, lodging = verified_lodging
    stay_id = _one_guest_reported(db, client, operator, lodging)
    history = client.get(f"/reports/stays/{stay_id}").get_data(as_text=True)
    first_version = history.split("versi 1 ·", 1)[1].split("<a ", 1)[0]
    assert LABELLED.search(first_version)
    found = client.post("/reports/search", data={"q": "Müller"}).get_data(as_text=True)
    assert LABELLED.search(found)
    detail = client.get(f"/lodgings/{lodging.id}").get_data(as_text=True)
    registered = detail.split("Didaftarkan", 1)[1]
    assert LABELLED.search(registered.split("</dd>", 1)[0])


def test_times_without_a_place_are_in_the_viewers_zone_and_labelled(app, create_user):
    """An officer's lists use the office's zone; an admin's, WIB; never a bare time."""
    moment = datetime(2026, 12, 6, 21, 55, tzinfo=UTC)  # 05.55 WITA, 04.55 WIB
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    admin = create_user("admin")
    for user, shown in ((officer, "05.55"), (admin, "04.55")):
        with app.test_request_context("/"):
            g._login_user = user
            g.pop("apoa_viewer_zone", None)  # one request each (the test keeps one app context)
            text = viewer_datetime(moment, "short")
        assert shown in text
        assert text.endswith("WITA" if user is officer else "WIB")


def test_calendar_days_read_one_way_on_a_stay(db, client, verified_lodging):
    """One form per kind of date: "17 Mei 1980", never "1980-05-17" beside it."""
    stay_id = _one_guest_reported(db, client, *verified_lodging)
    page = client.get(f"/reports/stays/{stay_id}").get_data(as_text=True)
    shown = re.sub(r'value="[^"]*"', "", page)  # form inputs carry ISO dates, as they must
    assert "17 Mei 1980" in shown
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", shown)

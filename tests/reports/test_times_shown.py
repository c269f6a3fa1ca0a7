"""Every time a reporter sees is in the place's own zone, with its label (issue 12, point 4)."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from apoa.reports.models import Stay
from tests.factories import TEST_PASSWORD, guest_form, stay_form

# A time as the pages show it, then the zone: "7 Des 2026 05.55 WITA" (Bali is WITA).
LABELLED = re.compile(r"\d{2}[.:]\d{2}(?:[.:]\d{2})? WITA")


def test_history_search_and_lodging_show_bali_times_in_wita(db, client, verified_lodging):
    operator, lodging = verified_lodging
    client.post("/login", data={"username": operator.username, "password": TEST_PASSWORD})
    data = {"lodging_id": str(lodging.id), **stay_form(submission_key=str(uuid.uuid4()))}
    data.update(guest_form(0))
    assert client.post("/reports/check-in", data=data).status_code == 302
    stay_id = db.session.scalar(sa.select(Stay.id))
    history = client.get(f"/reports/stays/{stay_id}").get_data(as_text=True)
    first_version = history.split("versi 1 ·", 1)[1].split("<a ", 1)[0]
    assert LABELLED.search(first_version)
    found = client.post("/reports/search", data={"q": "Müller"}).get_data(as_text=True)
    assert LABELLED.search(found)
    detail = client.get(f"/lodgings/{lodging.id}").get_data(as_text=True)
    registered = detail.split("Didaftarkan", 1)[1]
    assert LABELLED.search(registered.split("</dd>", 1)[0])

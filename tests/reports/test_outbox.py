"""What a phone's outbox reads back from the report views (issue 12, apoa/reports/outbox.py),
and the app shell it needs offline: the service worker, the manifest, the offline page.

The outbox sends exactly what the form would post, with `X-Apoa-Outbox`; the same
views answer, in JSON. Every rule still runs on the server.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
import sqlalchemy as sa

from apoa.reports.models import Receipt, Stay
from tests.factories import TEST_PASSWORD, guest_form, stay_form
from tests.mrz_samples import SPECIMEN_MRZ


def _login(client, user):
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302


def _headers(user, **extra: str) -> dict[str, str]:
    return {
        "X-Apoa-Outbox": "1",
        "X-Apoa-User": str(user.id),
        "Accept": "application/json",
        **extra,
    }


def _report(lodging_id: int, guests: int = 2, **changes: str) -> dict[str, str]:
    data = {
        "lodging_id": str(lodging_id),
        "head": "0",
        **stay_form(submission_key=str(uuid.uuid4())),
    }
    for index in range(guests):
        data.update(guest_form(index))
    data.update(changes)
    return data


def _count(db, model) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_a_report_sent_by_the_outbox_gets_201_with_its_receipt(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    data = _report(lodging.id)
    response = client.post("/reports/check-in", data=data, headers=_headers(operator))
    assert response.status_code == 201
    body = response.get_json()
    number = db.session.scalar(sa.select(Receipt.number))
    assert body["receipt"] == number
    assert body["url"] == f"/reports/receipts/{number}"
    # Sent in the background: the page's messages come back in the answer, not later.
    assert any(m["category"] == "success" for m in body["messages"])
    # The same report again (a retry after a lost answer): the same receipt, nothing new.
    again = client.post("/reports/check-in", data=data, headers=_headers(operator))
    assert again.status_code == 201
    assert again.get_json()["receipt"] == number
    assert (_count(db, Receipt), _count(db, Stay)) == (1, 2)


def test_a_foreground_send_leaves_the_messages_for_the_receipt_page(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    headers = _headers(operator, **{"X-Apoa-Foreground": "1"})
    response = client.post("/reports/check-in", data=_report(lodging.id), headers=headers)
    assert response.status_code == 201
    assert response.get_json()["messages"] == []
    page = client.get(response.get_json()["url"]).get_data(as_text=True)
    assert "flash-success" in page


def test_every_error_of_the_report_comes_back_at_once_with_its_field(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    data = _report(lodging.id, expected_check_out="")
    data["guests-1-passport_number"] = ""
    data["guests-0-surname"] = ""
    response = client.post("/reports/check-in", data=data, headers=_headers(operator))
    assert response.status_code == 422
    body = response.get_json()
    fields = {e["field"] for e in body["errors"]}
    # A refused stay field does not hide the guests' errors (no rounds of errors).
    assert {"expected_check_out", "guests-0-surname", "guests-1-passport_number"} <= fields
    labels = {e["field"]: e["label"] for e in body["errors"]}
    assert labels["guests-1-passport_number"].startswith("Tamu 2: ")
    assert all(e["id"] and e["message"] for e in body["errors"])
    assert (_count(db, Receipt), _count(db, Stay)) == (0, 0)
    # The refusal rolled the key back: the corrected report goes under the same key.
    fixed = {**data, **_report(lodging.id), "submission_key": data["submission_key"]}
    assert (
        client.post("/reports/check-in", data=fixed, headers=_headers(operator)).status_code == 201
    )


def test_the_page_without_javascript_lists_every_error_in_a_summary(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    data = _report(lodging.id, expected_check_out="")
    data["guests-1-surname"] = ""
    html = client.post("/reports/check-in", data=data).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None
    assert 'href="#expected_check_out"' in summary.group(0)
    assert 'href="#guests-1-surname"' in summary.group(0)
    assert "Tamu 2: " in summary.group(0)


def test_no_session_answers_401_and_keeps_nothing(db, client, verified_lodging):
    operator, lodging = verified_lodging
    response = client.post(
        "/reports/check-in", data=_report(lodging.id), headers=_headers(operator)
    )
    assert response.status_code == 401
    assert response.get_json() == {"error": "signin"}
    assert _count(db, Receipt) == 0


def test_a_report_never_goes_out_under_another_users_session(
    db, client, verified_lodging, create_user
):
    operator, lodging = verified_lodging
    other = create_user("reporter", username="someone.else")
    _login(client, other)
    response = client.post(
        "/reports/check-in", data=_report(lodging.id), headers=_headers(operator)
    )
    assert response.status_code == 401
    assert response.get_json() == {"error": "signin"}
    assert _count(db, Receipt) == 0


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True, WTF_CSRF_SSL_STRICT=False).test_client()


def test_an_expired_csrf_token_asks_for_a_new_one(db, csrf_client, verified_lodging):
    operator, lodging = verified_lodging
    login_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    csrf_client.post(
        "/login",
        data={"username": operator.username, "password": TEST_PASSWORD, "csrf_token": token},
    )
    data = {**_report(lodging.id), "csrf_token": "stale"}
    response = csrf_client.post("/reports/check-in", data=data, headers=_headers(operator))
    assert response.status_code == 400
    assert response.get_json() == {"error": "csrf"}
    fresh = csrf_client.get("/session/csrf", headers=_headers(operator)).get_json()["csrf_token"]
    data["csrf_token"] = fresh
    response = csrf_client.post("/reports/check-in", data=data, headers=_headers(operator))
    assert response.status_code == 201


def test_a_nil_report_through_the_outbox(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    html = client.get("/reports/nil").get_data(as_text=True)
    period = re.search(r'<option value="([^"]+)"', html.split('name="period"', 1)[1]).group(1)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {"lodging_id": str(lodging.id), "period": period, "submission_key": key}
    response = client.post("/reports/nil", data=data, headers=_headers(operator))
    assert response.status_code == 201
    assert response.get_json()["receipt"] == db.session.scalar(sa.select(Receipt.number))


def test_the_mrz_is_read_in_the_page(db, client, verified_lodging):
    operator, _lodging = verified_lodging
    _login(client, operator)
    response = client.post("/reports/mrz", json={"mrz": SPECIMEN_MRZ})
    assert response.status_code == 200
    fields = response.get_json()["fields"]
    assert fields["surname"] == "ERIKSSON"
    assert fields["passport_number"] == "L898902C3"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["birth_date"])
    broken = client.post(
        "/reports/mrz", json={"mrz": SPECIMEN_MRZ.replace("L898902C36", "L898902C35")}
    )
    assert broken.status_code == 422
    assert broken.get_json()["errors"]
    assert client.post("/reports/mrz", json={"mrz": 5}).status_code == 422
    assert client.post("/reports/mrz", data="not json").status_code == 422


def test_the_service_worker_keeps_the_report_pages_and_no_guest_list(client):
    response = client.get("/sw.js")
    assert response.status_code == 200  # public: no personal data, needed before sign-in
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    script = response.get_data(as_text=True)
    assert "cdn" not in script.lower()
    precache = json.loads(re.search(r"precacheAndRoute\((\[.*?\])\)", script, re.S).group(1))
    urls = {entry["url"] for entry in precache}
    assert {"/static/js/outbox.js", "/static/js/report-form.js", "/static/css/app.css"} <= urls
    assert all(re.fullmatch(r"[0-9a-f]{16}", entry["revision"]) for entry in precache)
    pages = json.loads(re.search(r"var cachedPaths = (\[.*?\]);", script).group(1))
    assert "/reports/check-in" in pages
    assert "/reports/" not in pages  # the guest list holds personal data


def test_the_manifest_and_the_offline_page(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json()
    assert body["display"] == "standalone"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert client.get("/offline").status_code == 200


def test_signing_out_clears_the_site_data(client, verified_lodging):
    operator, _lodging = verified_lodging
    _login(client, operator)
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


# ---------------------------------------------------------------- the same passport twice


def test_the_same_passport_under_another_name_names_the_earlier_report(
    db, client, verified_lodging, create_lodging
):
    operator, first_place = verified_lodging
    second_place = create_lodging(operator, name="Wisma Dua", street="Jl. Melasti 2")
    _login(client, operator)
    first = _report(first_place.id, guests=1)
    assert client.post("/reports/check-in", data=first).status_code == 302
    earlier = db.session.scalar(sa.select(Receipt.number))
    again = _report(second_place.id, guests=1, **{"guests-0-surname": "Schmidt"})
    response = client.post("/reports/check-in", data=again, headers=_headers(operator))
    assert response.status_code == 201
    warning = next(m["text"] for m in response.get_json()["messages"] if m["category"] == "warning")
    assert "Müller" in warning  # the earlier name, not only the new one
    assert "Schmidt" in warning
    assert "Hotel Melati" in warning
    assert earlier in warning


def test_another_reporters_earlier_guest_is_not_named(
    db, client, verified_lodging, create_user, create_lodging
):
    operator, first_place = verified_lodging
    other = create_user("reporter", username="other.hotel")
    other_place = create_lodging(other, name="Wisma Lain", street="Jl. Melasti 3")
    _login(client, operator)
    assert (
        client.post("/reports/check-in", data=_report(first_place.id, guests=1)).status_code == 302
    )
    client.post("/logout")
    _login(client, other)
    again = _report(other_place.id, guests=1, **{"guests-0-surname": "Schmidt"})
    response = client.post("/reports/check-in", data=again, headers=_headers(other))
    warning = next(m["text"] for m in response.get_json()["messages"] if m["category"] == "warning")
    assert "tempat lain" in warning
    assert "Müller" not in warning
    assert "Hotel Melati" not in warning

"""Hostile and mistyped input gets a clear answer, never a server error (apoa/inputs.py)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from apoa.accounts.models import User
from apoa.inputs import (
    MAX_ID,
    MAX_PAGE,
    database_int,
    has_control_characters,
    page_number,
    parse_day,
    row_ids,
)
from apoa.maps.filters import MapFilters
from apoa.reports.limits import MAX_GUESTS_PER_REPORT
from apoa.reports.models import Receipt, Stay
from tests.factories import TEST_PASSWORD, guest_form, stay_form

CONTROL_MESSAGE = "karakter kontrol"  # in the default language, Indonesian


@pytest.mark.parametrize("text", ["a\x00b", "\x1b[2J", "x\x7f", "\x85", "ab\x0c"])
def test_control_characters_are_recognised(text):
    assert has_control_characters(text)


@pytest.mark.parametrize("text", ["Müller", "line\nbreak\r\n", "tab\there", "مرحبا", ""])
def test_ordinary_text_passes(text):
    assert not has_control_characters(text)


def test_page_numbers_stay_in_range():
    assert page_number(None) == 1
    assert page_number("abc") == 1
    assert page_number("-5") == 1
    assert page_number("7") == 7
    assert page_number("9223372036854775807") == MAX_PAGE


def test_ticked_ids_are_digits_and_fit_the_column():
    assert row_ids(["3", "x", "", "²", "-1", "3"]) == {3}
    with pytest.raises(NotFound):
        row_ids(["1", str(MAX_ID + 1)])


def test_query_numbers_fit_the_column():
    assert database_int("42") == 42
    for text in ("99999999999999999999", "-1", "٣", "1e3", ""):
        with pytest.raises(ValueError, match="not an integer"):
            database_int(text)


def test_a_huge_id_in_the_check_out_form_is_a_404(client, verified_lodging):
    operator, _ = verified_lodging
    _sign_in(client, operator)
    response = client.post("/reports/check-out", data={"stay_ids": "99999999999999999999"})
    assert response.status_code == 404


def test_a_huge_level_in_the_region_search_is_ignored(client, login_as):
    login_as("reporter")
    response = client.get("/api/regions/search?q=legian&level=99999999999999999999")
    assert response.status_code == 200
    assert response.json["regions"]


@pytest.mark.dates  # the calendar's edges and today's date
def test_days_outside_the_calendar_range_are_refused():
    assert parse_day(" 2026-12-07 ") == date(2026, 12, 7)
    for text in ("9999-12-31", "0001-01-01"):
        with pytest.raises(ValueError, match="outside"):
            parse_day(text)
    for text in ("2026-13-01", ""):
        with pytest.raises(ValueError, match=r"month|Invalid isoformat"):
            parse_day(text)


@pytest.mark.dates  # the calendar's edges and today's date
def test_the_map_ignores_days_at_the_calendar_edges():
    filters = MapFilters.from_args(MultiDict({"day": "9999-12-31", "from": "0001-01-01"}))
    assert filters == MapFilters.from_args(MultiDict())


def test_a_nul_in_the_sign_in_name_is_a_400_in_the_users_language(db, client, create_user):
    create_user("reporter", username="hotel.op")
    response = client.post("/login", data={"username": "hotel\x00op", "password": "x"})
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_in_a_repeated_query_field_is_a_400(client, login_as):
    login_as("reporter")
    response = client.get("/reports/search", query_string=[("q", "ok"), ("q", "a\x00")])
    assert response.status_code == 400


def test_a_nul_in_a_form_saves_nothing(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _sign_in(client, operator)
    data = _report(lodging.id, 1)
    data["guests-0-surname"] = "Mül\x00ler"
    response = client.post("/reports/check-in", data=data)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 0


@pytest.mark.parametrize("stay_id", [MAX_ID + 1, 99999999999999999999])
def test_ids_past_the_database_range_are_404(client, login_as, stay_id):
    login_as("reporter")
    assert client.get(f"/reports/stays/{stay_id}").status_code == 404


def test_a_huge_page_number_shows_a_page(client, login_as):
    login_as("admin")
    assert client.get("/admin/users?page=9223372036854775807").status_code == 200


@pytest.mark.dates  # the calendar's edges and today's date
@pytest.mark.parametrize("query", ["day=9999-12-31", "from=0001-01-01&to=9999-12-31"])
def test_the_guest_list_explains_dates_at_the_calendar_edges(client, login_as, query):
    login_as("reporter")
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


# ---------------------------------------------------------------- a tour group


def _report(lodging_id: int, guests: int) -> dict[str, str]:
    data = {"lodging_id": str(lodging_id), "head": "0", "submit": "1"}
    data.update(stay_form(submission_key=str(uuid.uuid4())))
    for index in range(guests):
        data.update(guest_form(index, passport_number=f"T{index:08d}"))
    return data


def _sign_in(client, user: User) -> None:
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302


@pytest.mark.dates  # the calendar's edges and today's date
def test_a_coach_of_forty_guests_is_one_report(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _sign_in(client, operator)
    response = client.post("/reports/check-in", data=_report(lodging.id, 40))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 40
    assert db.session.scalars(sa.select(Receipt)).one().guest_count == 40


def test_more_guests_than_a_report_holds_are_refused_not_dropped(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _sign_in(client, operator)
    response = client.post("/reports/check-in", data=_report(lodging.id, MAX_GUESTS_PER_REPORT + 1))
    assert response.status_code == 200
    assert f"paling banyak {MAX_GUESTS_PER_REPORT} tamu" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 0


def test_adding_a_guest_past_the_limit_says_so(client, verified_lodging):
    operator, lodging = verified_lodging
    _sign_in(client, operator)
    data = _report(lodging.id, MAX_GUESTS_PER_REPORT)
    del data["submit"]
    data["add_guest"] = "1"
    response = client.post("/reports/check-in", data=data)
    assert response.status_code == 200
    assert f"paling banyak {MAX_GUESTS_PER_REPORT} tamu" in response.get_data(as_text=True)


@pytest.mark.dates  # the calendar's edges and today's date
def test_a_departure_years_away_is_refused(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _sign_in(client, operator)
    data = _report(lodging.id, 1)
    data["expected_check_out"] = "2099-12-31"
    response = client.post("/reports/check-in", data=data)
    assert response.status_code == 200
    assert "lebih dari lima tahun" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 0


# ---------------------------------------------------------------- signing out


def test_signing_out_expires_the_remember_me_cookie(app, client, auth, create_user):
    reporter = create_user("reporter")
    auth.login(reporter.username, remember="y")
    name = app.config["REMEMBER_COOKIE_NAME"]
    cleared = [c for c in auth.logout().headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert cleared
    assert "Expires=Thu, 01 Jan 1970" in cleared[0]
    assert client.get_cookie(name) is None

"""A reporter's history for officers: account, places, receipts (late marked), nil reports."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from apoa.audit.models import AuditEvent
from apoa.db import utcnow
from tests.compliance.list_helpers import (
    LEGIAN,
    build_places,
    check_in,
    ledger_of,
    login,
    parse_table,
)

pytestmark = pytest.mark.dates


@pytest.fixture
def places(db, create_user, create_lodging):
    places = build_places(db, create_user, create_lodging, now=utcnow())
    places.officer.locale = "en"
    places.other_officer.locale = "en"
    db.session.commit()
    return places


def _history(client, user, **args):
    return client.get(f"/compliance/reporters/{user.id}", query_string=args)


def test_history_shows_account_places_and_reports(client, db, places):
    login(client, places.officer)
    user = places.users["compliant"]
    response = _history(client, user)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="reporter-name">Alpha Operator<' in html
    for text in ("op.alpha", "Lodging operator", "alpha@example.com", "+62811000001"):
        assert text in html
    place_rows = parse_table(html, "places-table").rows
    assert [row[1] for row in place_rows] == ["Bravo Inn"]
    assert place_rows[0][-2] == "Compliant"
    receipts = parse_table(html, "receipts-table")
    assert len(receipts.rows) == 1
    assert receipts.rows[0][0] == "Arrival (check-in)"
    assert receipts.rows[0][5] == "2"  # guests
    assert receipts.rows[0][6] == "Yes"  # on time
    assert "No nil reports." in html
    # Guests' names and passports are not part of a reporter's history.
    assert "Müller" not in html


def test_late_reports_are_highlighted(client, db, places):
    login(client, places.officer)
    html = _history(client, places.users["late"]).get_data(as_text=True)
    receipts = parse_table(html, "receipts-table")
    late = [attrs for attrs in receipts.row_attrs if attrs.get("class") == "row-late"]
    assert len(receipts.rows) == 2
    assert len(late) == 1
    assert [row[6] for row in receipts.rows] == ["Late", "Yes"]  # newest first
    assert 'data-late="1"' in html


def test_area_reporter_history_with_check_out_and_area(client, db, places):
    login(client, places.officer)
    html = _history(client, places.users["silent"]).get_data(as_text=True)
    assert "Canggu, Kuta Utara, Kabupaten Badung, Bali · RW 2" in html
    rows = parse_table(html, "receipts-table").rows
    assert [row[0] for row in rows] == ["Departure (check-out)", "Arrival (check-in)"]
    assert [row[6] for row in rows] == ["Yes", "Yes"]
    assert parse_table(html, "places-table").rows[0][-2] == "Silent"


def test_nil_reports_are_listed(client, db, places):
    login(client, places.officer)
    html = _history(client, places.users["nil"]).get_data(as_text=True)
    nil = parse_table(html, "nil-table").rows
    assert len(nil) == 1
    assert nil[0][1] == "Charlie Hotel"
    receipts = parse_table(html, "receipts-table").rows
    assert receipts[0][0] == "Nil report"
    assert receipts[0][6] == "–"  # a nil report is neither late nor on time


def test_history_view_is_audited(client, db, places):
    login(client, places.officer)
    ledger = places.ledgers["late"]
    assert _history(client, places.users["late"], ledger=ledger.id).status_code == 200
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "compliance.reporter_view")
    ).one()
    assert event.actor_id == places.officer.id
    assert (event.object_type, event.object_id) == ("user", str(places.users["late"].id))
    assert json.loads(event.details) == {"ledger": ledger.id, "page": 1}


def test_officer_of_another_office_gets_404(client, db, places):
    login(client, places.other_officer)
    for key in ("compliant", "late", "silent", "never", "nil"):
        assert _history(client, places.users[key]).status_code == 404, key
    assert _history(client, places.users["other"]).status_code == 200
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "compliance.reporter_view")
        )
        == 1
    )  # only the allowed view


def test_not_a_reporter_of_the_office_gets_404(client, db, places):
    login(client, places.officer)
    assert _history(client, places.users["other"]).status_code == 404  # another office's
    assert _history(client, places.other_officer).status_code == 404  # not a reporter
    assert client.get("/compliance/reporters/999999").status_code == 404


@pytest.mark.parametrize("ledger", ["other", "compliant", "abc", "-1"])
def test_a_ledger_that_is_not_this_reporters_gets_404(client, db, places, ledger):
    login(client, places.officer)
    value = places.ledgers[ledger].id if ledger in places.ledgers else ledger
    assert _history(client, places.users["late"], ledger=value).status_code == 404


def test_one_place_of_a_reporter_with_two(client, db, places, create_lodging):
    now = utcnow()
    operator = places.users["compliant"]
    second = create_lodging(operator, name="Bravo Annex", street="Jl. Annex 2", region_code=LEGIAN)
    for _ in range(3):
        check_in(db, operator, second, 1, arrived=now - timedelta(hours=1), now=now)
    login(client, places.officer)
    html = _history(client, operator).get_data(as_text=True)
    assert [r[1] for r in parse_table(html, "places-table").rows] == ["Bravo Inn", "Bravo Annex"]
    assert len(parse_table(html, "receipts-table").rows) == 4
    annex = ledger_of(db, lodging=second)
    html = _history(client, operator, ledger=annex.id).get_data(as_text=True)
    receipts = parse_table(html, "receipts-table").rows
    assert len(receipts) == 3
    assert {row[2] for row in receipts} == {"Bravo Annex"}
    assert "Recent reports at Bravo Annex" in html


def test_receipts_are_paginated(client, db, places):
    now = utcnow()
    operator, lodging = places.users["late"], places.lodgings["late"]
    for i in range(21):
        check_in(db, operator, lodging, 1, arrived=now - timedelta(hours=1, minutes=i), now=now)
    login(client, places.officer)
    html = _history(client, operator).get_data(as_text=True)
    assert len(parse_table(html, "receipts-table").rows) == 20
    assert "Page 1 of 2" in html
    html = _history(client, operator, page=2).get_data(as_text=True)
    assert len(parse_table(html, "receipts-table").rows) == 3
    html = _history(client, operator, page=99).get_data(as_text=True)
    assert "Page 2 of 2" in html
    assert len(parse_table(html, "receipts-table").rows) == 3


def test_a_place_no_longer_reporting_still_opens(client, db, places):
    from apoa.accounts.models import User
    from apoa.accounts.services import set_account_active

    admin = db.session.scalar(sa.select(User).where(User.username == "admin.list"))
    set_account_active(admin, places.users["late"], False, now=utcnow())
    db.session.commit()
    login(client, places.officer)
    html = _history(client, places.users["late"]).get_data(as_text=True)
    assert "no longer reporting" in html
    assert "Deactivated" in html


def test_history_with_an_absurd_page_number_is_not_an_error(client, db, places):
    login(client, places.officer)
    user = places.users["compliant"]
    for page in ("9" * 30, "9223372036854775807", "0"):
        response = client.get(f"/compliance/reporters/{user.id}?page={page}")
        assert response.status_code == 200

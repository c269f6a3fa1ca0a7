"""The officers' compliance list: what each row shows, filters, scoping (docs/compliance.md)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from apoa.compliance.models import Ledger
from apoa.compliance.queries import status_of_ledger
from apoa.db import utcnow
from tests.compliance.list_helpers import (
    CANGGU,
    JIMBARAN,
    KUTA,
    KUTA_SELATAN,
    LEGIAN,
    build_places,
    data_rows,
    ledger_ids,
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


def _table(client, **args):
    response = client.get("/compliance/", query_string=args)
    assert response.status_code == 200
    return parse_table(response.get_data(as_text=True)), response.get_data(as_text=True)


def _by_ledger(table):
    return dict(zip(ledger_ids(table), data_rows(table), strict=True))


def test_officer_sees_every_active_place_of_the_office_worst_first(client, db, places):
    login(client, places.officer)
    table, html = _table(client)
    assert table.headers == [
        "Reporter",
        "Kind",
        "Place",
        "District",
        "Village",
        "Last report",
        "Last nil report",
        "Reports this period",
        "Late reports",
        "Open stays",
        "Overdue check-outs",
        "Status",
    ]
    ids = ledger_ids(table)
    expected = {places.ledgers[k].id for k in ("compliant", "late", "silent", "never", "nil")}
    assert set(ids) == expected  # the other office's place is not listed
    statuses = [row[-1] for row in data_rows(table)]
    # Worst first; among the compliant, the oldest last report first (a nil report has none).
    assert statuses == ["Never reported", "Silent", "Late", "Compliant", "Compliant"]
    assert ids[-2:] == [places.ledgers["nil"].id, places.ledgers["compliant"].id]
    assert "Foxtrot" not in html
    assert 'class="status-badge status-late"' in html
    assert 'data-testid="list-total">5 places' in html


def test_each_status_agrees_with_the_pure_rules(client, db, places):
    login(client, places.officer)
    table, _ = _table(client)
    now = utcnow()
    labels = {"never_reported": "Never reported", "silent": "Silent", "late": "Late"}
    labels["compliant"] = "Compliant"
    for ledger_id, row in _by_ledger(table).items():
        ledger = db.session.get(Ledger, ledger_id)
        assert row[-1] == labels[status_of_ledger(ledger, now).value]
    assert status_of_ledger(places.ledgers["silent"], now).value == "silent"
    assert status_of_ledger(places.ledgers["never"], now).value == "never_reported"


def test_row_cells_show_the_places_facts(client, db, places):
    login(client, places.officer)
    rows = _by_ledger(_table(client)[0])
    compliant = rows[places.ledgers["compliant"].id]
    assert compliant[:5] == [
        "Alpha Operator (op.alpha)",
        "Lodging operator",
        "Bravo Inn",
        "Kuta",
        "Legian",
    ]
    assert compliant[5].endswith("WITA")  # last report in the place's local time
    assert compliant[6:] == ["–", "1", "0%", "2", "0", "Compliant"]
    late = rows[places.ledgers["late"].id]
    assert late[2:5] == ["Alpha Villa", "Kuta Selatan", "Jimbaran"]
    assert late[8:] == ["50%", "2", "1", "Late"]  # one of two reports late, one guest overdue
    silent = rows[places.ledgers["silent"].id]
    assert silent[:5] == [
        "Charlie Official (rt.charlie)",
        "RT/RW official",
        "Canggu RW 2",
        "Kuta Utara",
        "Canggu",
    ]
    assert silent[7:] == ["0", "0%", "0", "0", "Silent"]
    never = rows[places.ledgers["never"].id]
    assert never[1:3] == ["Lurah / village head", "Seminyak"]
    assert never[5:9] == ["–", "–", "0", "–"]  # nothing reported: no share of late reports
    nil = rows[places.ledgers["nil"].id]
    assert nil[6] != "–"  # the end of the declared period
    assert nil[5] == "–"


def test_reporter_cell_opens_the_history(client, db, places):
    login(client, places.officer)
    _, html = _table(client)
    ledger = places.ledgers["late"]
    assert f'href="/compliance/reporters/{ledger.reporter_id}?ledger={ledger.id}"' in html


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        ({"status": "never_reported"}, {"never"}),
        ({"status": "silent"}, {"silent"}),
        ({"status": "late"}, {"late"}),
        ({"status": "compliant"}, {"compliant", "nil"}),
        ({"kind": "lodging"}, {"compliant", "late", "nil"}),
        ({"kind": "rt_rw"}, {"silent"}),
        ({"kind": "lurah"}, {"never"}),
        ({"district": KUTA}, {"compliant", "never", "nil"}),
        ({"district": KUTA_SELATAN}, {"late"}),
        ({"village": LEGIAN}, {"compliant"}),
        ({"district": "510306", "village": CANGGU}, {"silent"}),
        ({"district": KUTA, "kind": "lodging", "status": "compliant"}, {"compliant", "nil"}),
        ({"district": KUTA_SELATAN, "status": "compliant"}, set()),
    ],
)
def test_filters(client, db, places, args, keys):
    login(client, places.officer)
    table, html = _table(client, **args)
    assert set(ledger_ids(table)) == {places.ledgers[k].id for k in keys}
    assert 'class="errors"' not in html
    if not keys:
        assert "No places match." in html


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"kind": "hotel"}, "kind"),
        ({"district": "5171010"}, "district"),
        ({"district": "517101"}, "district"),  # Denpasar: another office's district
        ({"village": "5171011001"}, "village"),  # a village of another office
        ({"district": KUTA, "village": JIMBARAN}, "village"),  # not in the chosen district
        ({"village": "x' OR 1=1 --"}, "village"),
    ],
)
def test_invalid_filter_values_are_ignored_and_shown(client, db, places, args, field):
    login(client, places.officer)
    table, html = _table(client, **args)
    assert f'id="{field}-errors"' in html
    # The invalid filter is dropped; valid ones still apply.
    expected = {places.ledgers[k].id for k in ("compliant", "late", "silent", "never", "nil")}
    if "district" in args and field != "district":
        expected = {places.ledgers[k].id for k in ("compliant", "never", "nil")}
    assert set(ledger_ids(table)) == expected


def test_district_choices_are_the_jurisdiction_and_villages_follow_the_district(client, db, places):
    login(client, places.officer)
    _, html = _table(client)
    for name in ("Kuta", "Kuta Selatan", "Kuta Utara"):
        assert f">{name}</option>" in html
    assert ">Denpasar Barat</option>" not in html
    assert ">Legian</option>" not in html  # no district chosen: no villages offered
    _, html = _table(client, district=KUTA)
    assert ">Legian</option>" in html
    assert ">Jimbaran</option>" not in html
    _, html = _table(client, village=LEGIAN)  # a village alone brings its district's villages
    assert re.search(r'<option selected value="5103011004">Legian</option>', html)


def test_filters_and_sort_live_in_the_url(client, db, places):
    login(client, places.officer)
    _, html = _table(client, kind="lodging", sort="place", dir="desc")
    # The filter form carries the sort, the sort links carry the filters.
    assert '<input type="hidden" name="sort" value="place">' in html
    assert '<input type="hidden" name="dir" value="desc">' in html
    assert 'href="/compliance/?kind=lodging&amp;sort=place&amp;dir=asc"' in html
    assert 'href="/compliance/export.csv?kind=lodging&amp;sort=place&amp;dir=desc"' in html


def test_other_office_sees_only_its_own_places(client, db, places):
    login(client, places.other_officer)
    table, html = _table(client)
    assert ledger_ids(table) == [places.ledgers["other"].id]
    for name in ("Alpha Operator", "Bravo Inn", "Charlie Official", "Delta Lurah", "Echo"):
        assert name not in html
    # Filtering by the first office's district gives nothing (and is flagged as invalid).
    table, html = _table(client, district=KUTA)
    assert ledger_ids(table) == [places.ledgers["other"].id]
    assert 'id="district-errors"' in html


def test_inactive_places_are_not_listed(client, db, places):
    from apoa.accounts.services import set_account_active

    admin = db.session.scalar(
        sa.select(type(places.officer)).where(type(places.officer).username == "admin.list")
    )
    set_account_active(admin, places.users["never"], False, now=utcnow())
    db.session.commit()
    login(client, places.officer)
    table, _ = _table(client)
    assert places.ledgers["never"].id not in ledger_ids(table)
    assert len(ledger_ids(table)) == 4


@pytest.mark.parametrize("role", ["reporter", "admin"])
def test_reporters_and_admins_are_refused(client, login_as, role):
    login_as(role)
    for url in (
        "/compliance/",
        "/compliance/export.csv",
        "/compliance/export.xlsx",
        "/compliance/coverage",
        "/compliance/reporters/1",
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in ("/compliance/", "/compliance/export.csv", "/compliance/coverage"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_status_counts_link_to_the_filtered_list(client, db, places):
    login(client, places.officer)
    _, html = _table(client, kind="lodging")
    assert 'href="/compliance/?kind=lodging&amp;status=late"' in html
    late = html.split('data-testid="count-late"')[1].split("</a>")[0]
    assert late.strip().endswith("1")
    compliant = html.split('data-testid="count-compliant"')[1].split("</a>")[0]
    assert compliant.strip().endswith("2")

"""Map filters: the on-the-fly counts agree with the pyramid and narrow as asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apoa.db import utcnow
from apoa.regions.timezones import WITA
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.dates

INDONESIA = "94,-11,142,6.5"


def _total(client, **args):
    response = client.get("/api/map/clusters", query_string={"bbox": INDONESIA, "z": 5, **args})
    assert response.status_code == 200
    return sum(c[2] for c in response.get_json()["clusters"])


def test_filters_narrow_the_counts(app, db, create_user, check_in_village):
    reporter = create_user("reporter")
    check_in_village(reporter, "5103011004", 2, nationality="AUS")
    check_in_village(reporter, "5103011004", 3, nationality="D")
    admin = create_user("admin")
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    assert _total(client) == 5
    assert _total(client, nationality="AUS") == 2
    assert _total(client, nationality="DEU") == 3  # DEU and D are one Germany
    assert _total(client, permit="voa") == 5
    assert _total(client, permit="itas") == 0
    assert _total(client, reporter_kind="lodging") == 5
    assert _total(client, region="51") == 5
    assert _total(client, region="31") == 0
    assert _total(client, precision="village") == 5
    assert _total(client, nationality="NOPE") == 5  # unknown values are ignored


def test_past_day_counts_who_was_there(app, db, create_user, check_in_village):
    reporter = create_user("reporter")
    check_in_village(reporter, "5103011004", 1, days_ago=10)
    check_in_village(reporter, "5103011004", 2, days_ago=0, nationality="AUS")
    admin = create_user("admin")
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    today = utcnow().astimezone(WITA).date()  # days are Bali's, where the guests stay
    five_days_ago = (today - timedelta(days=5)).isoformat()
    assert _total(client, day=five_days_ago) == 1
    assert _total(client, **{"from": five_days_ago, "to": today.isoformat()}) == 3


def test_filtered_counts_match_the_pyramid_and_stay_in_the_office(
    app, db, create_user, check_in_village
):
    reporter = create_user("reporter")
    check_in_village(reporter, "5103011004", 2)
    check_in_village(reporter, "3171011001", 4)
    officer = create_user("officer", office_code="kanim-jakarta-pusat")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    assert _total(client) == 4
    assert _total(client, permit="voa") == 4  # the on-the-fly path, same answer
    street = client.get(
        "/api/map/clusters",
        query_string={"bbox": "106.7,-6.3,106.9,-6.1", "z": 16, "permit": "voa"},
    )
    assert [p[2] for p in street.get_json()["points"]] == [4]


def test_counts_per_district_and_village(app, db, create_user, check_in_village):
    reporter = create_user("reporter")
    check_in_village(reporter, "5103011004", 2)  # Legian, Kuta
    check_in_village(reporter, "5103011001", 1)  # Tuban, Kuta
    admin = create_user("admin")
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    districts = client.get(
        "/api/map/areas", query_string={"bbox": INDONESIA, "level": 3}
    ).get_json()["areas"]
    assert [(a[3], a[2]) for a in districts] == [("510301", 3)]
    villages = client.get(
        "/api/map/areas", query_string={"bbox": INDONESIA, "level": 4}
    ).get_json()["areas"]
    assert sorted((a[3], a[2]) for a in villages) == [("5103011001", 1), ("5103011004", 2)]
    assert (
        client.get("/api/map/areas", query_string={"bbox": INDONESIA, "level": 2}).status_code
        == 400
    )


def test_lodgings_that_have_not_reported_lately(
    app, db, freeze, create_user, verified_lodging, create_lodging, create_stay
):
    operator, reporting = verified_lodging
    create_lodging(
        operator,
        name="Losmen Sepi",
        kind="guesthouse",
        street="Jl. Sepi 1",
        region_code="5103011001",
    )
    # Two weeks on, a whole period has ended since both were verified: the rules call the
    # lodging that never reported silent, the one with a guest staying compliant.
    now = freeze(utcnow() + timedelta(days=14))
    create_stay(operator, reporting, leaves=(now + timedelta(days=2)).date(), now=now)
    db.session.commit()
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    places = client.get("/api/map/silent", query_string={"bbox": INDONESIA, "z": 5}).get_json()[
        "places"
    ]
    assert [(p[2], p[3]) for p in places] == [("Losmen Sepi", None)]

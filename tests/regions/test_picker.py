"""The region pickers' JSON endpoints: children, one region, search; signed-in users only."""

from __future__ import annotations

import pytest

LEGIAN = "5103011004"


def test_anonymous_users_are_refused(client):
    for url in ("/api/regions/children", f"/api/regions/{LEGIAN}", "/api/regions/search?q=x"):
        assert client.get(url).status_code == 401, url  # an API answers, it does not redirect


def test_children_step_down_one_level(client, login_as):
    login_as("admin")
    provinces = client.get("/api/regions/children").get_json()["regions"]
    assert {"code": "51", "name": "Bali", "level": 1} in [
        {k: p[k] for k in ("code", "name", "level")} for p in provinces
    ]
    districts = client.get("/api/regions/children", query_string={"parent": "5103"}).get_json()
    assert {r["code"][:4] for r in districts["regions"]} == {"5103"}
    assert {r["level"] for r in districts["regions"]} == {3}


def test_one_region_with_its_point_and_label(client, login_as):
    login_as("reporter")
    legian = client.get(f"/api/regions/{LEGIAN}").get_json()
    assert (legian["name"], legian["level"], legian["postal_code"]) == ("Legian", 4, "80361")
    assert (round(legian["lat"], 2), round(legian["lon"], 2)) == (-8.7, 115.17)
    assert "Kuta" in legian["label"]
    assert "Badung" in legian["label"]
    assert client.get("/api/regions/9999999999").status_code == 404


@pytest.mark.parametrize(
    ("query", "within"), [("legian", None), ("Legian", "51"), ("legi", "5103")]
)
def test_search_finds_the_village_inside_the_area_asked(client, login_as, query, within):
    login_as("admin")
    args = {"q": query, "level": 4, **({"within": within} if within else {})}
    found = client.get("/api/regions/search", query_string=args).get_json()["regions"]
    assert LEGIAN in [r["code"] for r in found]
    assert all(r["level"] == 4 for r in found)
    if within:
        assert all(r["code"].startswith(within) for r in found)


def test_search_outside_the_area_finds_nothing_there(client, login_as):
    login_as("admin")
    args = {"q": "Legian", "level": 4, "within": "31"}  # DKI Jakarta
    found = client.get("/api/regions/search", query_string=args).get_json()["regions"]
    assert LEGIAN not in [r["code"] for r in found]

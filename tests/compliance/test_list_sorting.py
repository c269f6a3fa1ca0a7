"""Sorting the compliance list: every column, both directions, bad parameters fall back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apoa.accounts.labels import KIND_LABELS
from apoa.compliance.listing import COLUMNS, Columns, rows_for
from apoa.compliance.queries import STATUS_ORDER
from apoa.db import utcnow
from tests.compliance.list_helpers import (
    KUTA,
    build_places,
    check_in,
    ledger_ids,
    ledger_of,
    login,
    parse_table,
    registered_long_ago,
)

pytestmark = pytest.mark.dates

SORT_KEYS = [key for key, _ in COLUMNS]


@pytest.fixture
def places(db, create_user, create_lodging):
    now = utcnow()
    places = build_places(db, create_user, create_lodging, now=now)
    # Two more lodgings so that counts and shares differ and ties need breaking.
    op = create_user("reporter", username="op.golf", full_name="Golf Operator")
    for name, guests in (("Delta Homestay", 3), ("Echo Guesthouse", 1)):
        lodging = create_lodging(op, name=name, street=f"Jl. {name}", region_code="5103011002")
        check_in(db, op, lodging, guests, arrived=now - timedelta(hours=30), now=now)  # late
        ledger = ledger_of(db, lodging=lodging)
        registered_long_ago(db, ledger, now)
        places.ledgers[name] = ledger
    places.officer.locale = "en"
    db.session.commit()
    return places


def _nullable(value):
    return (0,) if value is None else (1, value)


def _kind_label(kind):
    from flask_babel import force_locale

    with force_locale("en"):  # the officer reads English
        return str(KIND_LABELS[kind]).lower()


def _primary(key):
    rank = {status.value: i for i, status in enumerate(STATUS_ORDER)}
    return {
        "reporter": lambda r: (r.full_name.lower(), r.username.lower()),
        "kind": lambda r: _kind_label(r.kind),
        "place": lambda r: (
            (r.lodging_name or r.village_name or "").lower(),
            _nullable(r.rw),
            _nullable(r.rt),
        ),
        "district": lambda r: _nullable((r.district_name or "").lower() or None),
        "village": lambda r: _nullable((r.village_name or "").lower() or None),
        "last_report": lambda r: _nullable(r.last_report_at),
        "last_nil": lambda r: _nullable(r.last_nil_period_end),
        "reports": lambda r: r.reports,
        "late_share": lambda r: _nullable(r.late_share),
        "open_stays": lambda r: r.open_stays,
        "overdue": lambda r: r.overdue,
        "status": lambda r: rank[r.status],
    }[key]


def _expected(rows, key, direction):
    """The order the list promises, by stable sorts in Python (least significant key first)."""
    rank = _primary("status")
    ordered = sorted(rows, key=lambda r: r.ledger_id)
    if key != "last_report":
        ordered.sort(key=lambda r: _nullable(r.last_report_at))
    if key != "status":
        ordered.sort(key=rank)
    ordered.sort(key=_primary(key), reverse=direction == "desc")
    return [r.ledger_id for r in ordered]


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("key", SORT_KEYS)
def test_every_column_sorts_both_ways(client, db, places, key, direction):
    login(client, places.officer)
    response = client.get("/compliance/", query_string={"sort": key, "dir": direction})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = parse_table(html)
    shown = ledger_ids(table)
    assert len(shown) == 7
    rows = rows_for(shown, Columns(utcnow()))
    assert shown == _expected(rows, key, direction)
    # The sorted column says so (for screen readers), and its link flips the direction.
    index = SORT_KEYS.index(key)
    attrs = table.header_attrs[index]
    assert attrs["aria-sort"] == ("ascending" if direction == "asc" else "descending")
    flipped = "desc" if direction == "asc" else "asc"
    assert f'href="/compliance/?sort={key}&amp;dir={flipped}"' in html


def test_sorts_are_real_orders_not_all_ties(client, db, places):
    """Guard against a vacuous test: most columns give more than one order over the rows."""
    login(client, places.officer)
    orders = set()
    for key in SORT_KEYS:
        table = parse_table(client.get("/compliance/", query_string={"sort": key}).get_data(True))
        orders.add(tuple(ledger_ids(table)))
    assert len(orders) >= 8


def test_default_sort_is_worst_status_then_oldest_last_report(client, db, places):
    login(client, places.officer)
    default = ledger_ids(parse_table(client.get("/compliance/").get_data(as_text=True)))
    rows = rows_for(default, Columns(utcnow()))
    assert default == _expected(rows, "status", "asc")
    assert default[0] == places.ledgers["never"].id


@pytest.mark.parametrize(
    "args",
    [
        {"sort": "password_hash"},
        {"sort": "id; DROP TABLE users"},
        {"sort": "", "dir": "desc"},
        {"sort": "place", "dir": "sideways"},
        {"dir": "desc"},
        {"sort": ["place", "status"]},
        {"page": "abc"},
    ],
)
def test_invalid_sort_parameters_fall_back(client, db, places, args):
    login(client, places.officer)
    default = ledger_ids(parse_table(client.get("/compliance/").get_data(as_text=True)))
    response = client.get("/compliance/", query_string=args)
    assert response.status_code == 200
    shown = ledger_ids(parse_table(response.get_data(as_text=True)))
    if args.get("sort") == "place":
        rows = rows_for(shown, Columns(utcnow()))
        assert shown == _expected(rows, "place", "asc")  # a bad direction means ascending
    elif isinstance(args.get("sort"), list):
        rows = rows_for(shown, Columns(utcnow()))
        assert shown == _expected(rows, "place", "asc")  # the first value counts
    else:
        assert shown == default


def test_sorting_keeps_the_filters(client, db, places):
    login(client, places.officer)
    response = client.get(
        "/compliance/", query_string={"district": KUTA, "sort": "open_stays", "dir": "desc"}
    )
    shown = ledger_ids(parse_table(response.get_data(as_text=True)))
    rows = rows_for(shown, Columns(utcnow()))
    assert {r.district_code for r in rows} == {KUTA}
    assert [r.open_stays for r in rows] == sorted((r.open_stays for r in rows), reverse=True)
    assert rows[0].open_stays == 3

"""CSV and XLSX exports hold exactly the list on screen; formulas are neutralised; audited."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from apoa.audit.models import AuditEvent
from apoa.compliance import exports, listing
from apoa.db import utcnow
from apoa.regions.timezones import WITA
from tests.compliance.list_helpers import (
    KUTA,
    LEGIAN,
    build_places,
    data_rows,
    login,
    parse_table,
    read_csv,
    read_xlsx,
)


@pytest.fixture
def places(db, create_user, create_lodging):
    places = build_places(db, create_user, create_lodging, now=utcnow())
    # Enough places for two pages.
    for i in range(50):
        create_user(
            "reporter",
            username=f"lurah{i:02d}",
            full_name=f"Lurah Number {i:02d}",
            reporter_kind="lurah",
            area_code=LEGIAN,
        )
    return places


def _screen(client, **args):
    response = client.get("/compliance/", query_string=args)
    assert response.status_code == 200
    table = parse_table(response.get_data(as_text=True))
    return [table.headers, *data_rows(table)]


def _export(client, fmt, **args):
    response = client.get(f"/compliance/export.{fmt}", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    rows = read_csv(response.data) if fmt == "csv" else read_xlsx(response.data)
    return response, rows


@pytest.mark.dates
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("locale", ["en", "id"])
@pytest.mark.parametrize(
    "args",
    [
        {},
        {"page": "2"},
        {"sort": "place", "dir": "desc"},
        {"district": KUTA, "sort": "last_report", "dir": "asc"},
        {"status": "compliant", "kind": "lurah", "sort": "reporter", "dir": "desc", "page": "2"},
    ],
)
def test_default_export_equals_the_screen_cell_by_cell(client, db, places, kind, locale, args):
    places.officer.locale = locale
    db.session.commit()
    login(client, places.officer)
    screen = _screen(client, **args)
    assert len(screen) > 1
    _, exported = _export(client, kind, **args)
    assert exported == screen


@pytest.mark.dates
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_all_pages_export_is_every_page_in_order(client, db, places, kind):
    login(client, places.officer)
    first, second = _screen(client), _screen(client, page="2")
    assert len(first) == 51
    response, exported = _export(client, kind, all="1")
    assert exported == first + second[1:]
    assert response.headers["X-Export-Rows"] == str(55)


def test_all_pages_export_stops_at_the_cap(client, db, places, monkeypatch):
    monkeypatch.setattr(listing, "EXPORT_MAX_ROWS", 7)
    login(client, places.officer)
    response, exported = _export(client, "csv", all="1")
    assert len(exported) == 1 + 7
    assert exported[1:] == _screen(client)[1:8]  # the first rows of the list's order
    assert response.headers["X-Export-Matching"] == "55"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "compliance.export")
    ).one()
    assert json.loads(event.details)["truncated"] is True


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_is_audited_with_its_filters_and_row_count(client, db, places, kind):
    login(client, places.officer)
    _export(client, kind, district=KUTA, status="compliant", sort="place", dir="desc")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "compliance.export")
    ).one()
    assert event.actor_id == places.officer.id
    assert event.object_type == "office"
    assert event.object_id == str(places.officer.office_id)
    details = json.loads(event.details)
    assert details["format"] == kind
    assert details["filters"] == {"district": KUTA, "status": "compliant"}
    assert (details["sort"], details["dir"], details["page"], details["all"]) == (
        "place",
        "desc",
        1,
        False,
    )
    assert details["matching"] == 52  # Bravo Inn, Charlie Hotel and 50 new lurah in Kuta
    assert details["rows"] == 50  # the page on screen
    assert details["truncated"] is False


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_download_headers(client, db, places, kind):
    login(client, places.officer)
    response, _ = _export(client, kind)
    today = utcnow().astimezone(WITA).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="compliance-kanim-ngurah-rai-{today}.{kind}"'
    )
    expected = exports.CSV_MIMETYPE if kind == "csv" else exports.XLSX_MIMETYPE
    assert response.headers["Content-Type"] == expected
    assert response.headers["Cache-Control"] == "no-store, private"
    if kind == "csv":
        assert response.data.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read UTF-8


def test_export_names_are_safe_file_names():
    from datetime import date

    day = date(2026, 5, 10)
    assert exports.export_filename("kanim-ngurah-rai", day, "csv") == (
        "compliance-kanim-ngurah-rai-2026-05-10.csv"
    )
    assert exports.export_filename('a"b/../c\r\nd', day, "xlsx") == (
        "compliance-a-b-..-c-d-2026-05-10.xlsx"
    )
    assert exports.export_filename("///", day, "csv") == "compliance-office-2026-05-10.csv"


HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+SUM(1,2)",
    "-2+3",
    "@cmd",
    "\tTabbed",
    "\rReturned",
]


@pytest.fixture
def hostile(db, create_user, create_lodging):
    officer = create_user("officer", office_code="kanim-ngurah-rai", locale="en")
    for i, text in enumerate(HOSTILE):
        operator = create_user("reporter", username=f"evil{i}", full_name=text)
        create_lodging(operator, name=text, street=f"Jl. Evil {i}")
    return officer


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_formula_injection_is_neutralised(client, db, hostile, kind):
    login(client, hostile)
    response, rows = _export(client, kind, sort="reporter")
    body = rows[1:]
    hostile = HOSTILE if kind == "csv" else [t.replace("\r", "\n") for t in HOSTILE]  # XML
    assert sorted(row[0] for row in body) == sorted(
        f"'{text} (evil{i})" for i, text in enumerate(hostile)
    )
    assert sorted(row[2] for row in body) == sorted(f"'{text}" for text in hostile)
    if kind == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
        kinds = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row}
        assert "f" not in kinds  # no formula cells at all


def test_neutralise_leaves_ordinary_values_alone():
    assert exports.neutralise("Bravo Inn") == "Bravo Inn"
    assert exports.neutralise("–") == "–"  # the list's dash for "none" is not a minus
    assert exports.neutralise(3) == 3
    assert exports.neutralise("-1") == "'-1"
    assert exports.neutralise("\0x") == "'\0x"


def test_export_needs_a_fresh_sign_in(client, db, places):
    login(client, places.officer)
    with client.session_transaction() as session:
        session["_fresh"] = False
    assert client.get("/compliance/export.csv").status_code == 403
    assert client.get("/compliance/").status_code == 200  # the list itself stays readable
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "compliance.export")
        )
        == 0
    )


def test_a_control_character_cannot_smuggle_a_formula_into_xlsx():
    from openpyxl import load_workbook

    data = exports.xlsx_bytes(["Place"], [['\x01=HYPERLINK("http://x","y")']], title="t")
    cell = load_workbook(io.BytesIO(data)).worksheets[0]["A2"]
    assert cell.data_type != "f"
    assert cell.value == '\'=HYPERLINK("http://x","y")'

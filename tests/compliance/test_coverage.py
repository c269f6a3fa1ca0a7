"""Area coverage per district and per village: registered, compliant, foreigners present."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from apoa.compliance.coverage import district_coverage, village_coverage
from apoa.compliance.models import PresenceCount
from apoa.db import utcnow
from tests.compliance.list_helpers import (
    JIMBARAN,
    KUTA,
    KUTA_SELATAN,
    KUTA_UTARA,
    LEGIAN,
    SEMINYAK,
    area_reporter,
    check_in,
    ledger_of,
    login,
    parse_table,
    registered_long_ago,
)

pytestmark = pytest.mark.dates


@pytest.fixture
def areas(db, create_user, create_lodging):
    """Kanim Ngurah Rai covers Kuta, Kuta Selatan and Kuta Utara.

    - Kuta: a compliant hotel in Legian with 2 guests, and a silent lurah in Seminyak;
    - Kuta Selatan: a villa in Jimbaran whose only report came late, 1 guest staying;
    - Kuta Utara: nobody registered.
    """
    now = utcnow()
    admin = create_user("admin")
    officer = create_user("officer", office_code="kanim-ngurah-rai", locale="en")
    op = create_user("reporter", username="op.hotel")
    hotel = create_lodging(op, name="Hotel Legian", region_code=LEGIAN)
    registered_long_ago(db, ledger_of(db, lodging=hotel), now)
    check_in(db, op, hotel, 2, arrived=now - timedelta(hours=1), now=now)
    lurah = area_reporter(
        db, admin, username="lurah.seminyak", full_name="Lurah Seminyak", kind="lurah",
        village=SEMINYAK, now=now - timedelta(days=100),
    )  # fmt: skip
    villa_op = create_user("reporter", username="op.villa")
    villa = create_lodging(
        villa_op, name="Villa Jimbaran", street="Jl. Uluwatu", region_code=JIMBARAN
    )
    registered_long_ago(db, ledger_of(db, lodging=villa), now)
    check_in(db, villa_op, villa, 1, arrived=now - timedelta(days=2), now=now)
    return {"now": now, "officer": officer, "lurah": lurah}


def _figures(coverage):
    return {a.code: (a.registered, a.compliant, a.present) for a in coverage.areas}


def test_district_figures(db, areas):
    office_id = areas["officer"].office_id
    coverage = district_coverage(office_id, now=areas["now"])
    assert _figures(coverage) == {
        KUTA: (2, 1, 2),
        KUTA_SELATAN: (1, 0, 1),
        KUTA_UTARA: (0, 0, 0),
    }
    first, second, third = coverage.areas
    # Problems first: foreigners with nobody compliant, then nobody registered at all.
    assert (first.code, first.uncovered, first.no_reporter) == (KUTA_SELATAN, True, False)
    assert (second.code, second.uncovered, second.no_reporter) == (KUTA_UTARA, False, True)
    assert (third.code, third.share, third.uncovered, third.no_reporter) == (
        KUTA,
        0.5,
        False,
        False,
    )
    assert coverage.problems == 2
    assert (coverage.total.registered, coverage.total.present) == (3, 3)


def test_district_presence_comes_from_the_presence_counts(db, areas):
    office_id = areas["officer"].office_id
    counts = dict(
        db.session.execute(
            sa.select(PresenceCount.key, PresenceCount.n).where(
                PresenceCount.office_id == office_id, PresenceCount.dimension == "district"
            )
        ).all()
    )
    coverage = district_coverage(office_id, now=areas["now"])
    assert {a.code: a.present for a in coverage.areas if a.present} == {
        k: n for k, n in counts.items() if n
    }


def test_village_figures_add_up_to_the_district(db, areas):
    office_id = areas["officer"].office_id
    villages = village_coverage(office_id, KUTA, now=areas["now"])
    figures = _figures(villages)
    assert set(figures) == {"5103011001", "5103011002", "5103011003", LEGIAN, SEMINYAK}
    assert figures[LEGIAN] == (1, 1, 2)
    assert figures[SEMINYAK] == (1, 0, 0)  # the silent lurah
    for code in ("5103011001", "5103011002", "5103011003"):
        assert figures[code] == (0, 0, 0)
    codes = [a.code for a in villages.areas]
    # Villages without anyone registered first (by name), then by share compliant.
    assert codes == ["5103011003", "5103011002", "5103011001", SEMINYAK, LEGIAN]
    district = {a.code: a for a in district_coverage(office_id, now=areas["now"]).areas}[KUTA]
    assert villages.total.present == district.present
    assert villages.total.registered == district.registered


def test_guests_of_a_deactivated_reporter_still_count_as_present(db, areas, create_user):
    from apoa.accounts.models import User
    from apoa.accounts.services import set_account_active

    admin = create_user("admin", username="admin2")
    operator = db.session.scalar(sa.select(User).where(User.username == "op.villa"))
    set_account_active(admin, operator, False, now=areas["now"])
    db.session.commit()
    office_id = areas["officer"].office_id
    figures = _figures(village_coverage(office_id, KUTA_SELATAN, now=areas["now"]))
    assert figures[JIMBARAN] == (0, 0, 1)  # no active place, one guest still there
    district = {a.code: a for a in district_coverage(office_id, now=areas["now"]).areas}
    assert district[KUTA_SELATAN].present == 1
    assert district[KUTA_SELATAN].uncovered
    assert district[KUTA_SELATAN].no_reporter


def test_coverage_page_lists_districts_with_flags_and_links(client, db, areas):
    login(client, areas["officer"])
    response = client.get("/compliance/coverage")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = parse_table(html, "coverage-table")
    assert table.headers[:5] == [
        "District",
        "Registered places",
        "Compliant",
        "Share compliant",
        "Foreign guests present",
    ]
    assert [r[0] for r in table.rows] == ["Kuta Selatan", "Kuta Utara", "Kuta"]
    assert table.rows[0][1:5] == ["1", "0", "0%", "1"]
    assert table.rows[2][1:5] == ["2", "1", "50%", "2"]
    assert "Foreigners present, nobody compliant" in table.rows[0][5]
    assert "No registered reporter" in table.rows[1][5]
    assert table.rows[2][5] == ""
    assert 'href="/compliance/coverage?district=510301"' in html
    assert 'href="/compliance/?district=510301"' in html  # the list, filtered to the district


def test_coverage_page_per_village(client, db, areas):
    login(client, areas["officer"])
    html = client.get("/compliance/coverage", query_string={"district": KUTA}).get_data(True)
    table = parse_table(html, "coverage-table")
    assert table.headers[0] == "Village"
    assert [r[0] for r in table.rows] == ["Kedonganan", "Kuta", "Tuban", "Seminyak", "Legian"]
    assert f'href="/compliance/?district={KUTA}&amp;village={LEGIAN}"' in html
    # The list link works: the village filter is valid there.
    listed = client.get("/compliance/", query_string={"district": KUTA, "village": LEGIAN})
    rows = parse_table(listed.get_data(as_text=True)).rows
    assert [r[2] for r in rows] == ["Hotel Legian"]


def test_a_district_outside_the_jurisdiction_shows_the_districts(client, db, areas):
    login(client, areas["officer"])
    html = client.get("/compliance/coverage", query_string={"district": "517101"}).get_data(True)
    assert "That district is not in your jurisdiction." in html
    table = parse_table(html, "coverage-table")
    assert table.headers[0] == "District"
    assert len(table.rows) == 3


def test_another_office_sees_its_own_districts_only(client, db, areas, create_user):
    officer = create_user("officer", office_code="kanim-denpasar", locale="en")
    login(client, officer)
    html = client.get("/compliance/coverage").get_data(as_text=True)
    names = [r[0] for r in parse_table(html, "coverage-table").rows]
    assert "Kuta" not in names
    assert "Denpasar Barat" in names
    assert "Mengwi" in names  # a district of a regency (Badung) split between two offices
    assert "Kuta Selatan" not in names
    coverage = district_coverage(officer.office_id, now=areas["now"])
    assert coverage.total.registered == coverage.total.present == 0
    html = client.get("/compliance/coverage", query_string={"district": KUTA}).get_data(True)
    assert "That district is not in your jurisdiction." in html

"""Paging the compliance list: 50 rows a page, the page number clamped, filters kept."""

from __future__ import annotations

import pytest

from apoa.compliance.listing import PAGE_SIZE
from tests.compliance.list_helpers import LEGIAN, SEMINYAK, ledger_ids, login, parse_table

VILLAGES = [LEGIAN, SEMINYAK, "5103011001", "5103011002"]


@pytest.fixture
def many(db, create_user):
    """56 lurah places in Kuta (new, so compliant) and an officer of Kanim Ngurah Rai."""
    for i in range(56):
        create_user(
            "reporter",
            username=f"lurah{i:02d}",
            full_name=f"Lurah {i:02d}",
            reporter_kind="lurah",
            area_code=VILLAGES[i % 4],
        )
    return create_user("officer", office_code="kanim-ngurah-rai", locale="en")


def _page(client, **args):
    response = client.get("/compliance/", query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return ledger_ids(parse_table(html)), html


def test_fifty_rows_a_page_and_every_row_once(client, many):
    login(client, many)
    first, html = _page(client)
    assert len(first) == PAGE_SIZE == 50
    assert "Page 1 of 2" in html
    assert "showing 1–50" in html
    assert 'href="/compliance/?page=2"' in html
    second, html = _page(client, page=2)
    assert len(second) == 6
    assert "showing 51–56" in html
    assert 'href="/compliance/?page=1"' in html
    assert len(set(first) | set(second)) == 56


@pytest.mark.parametrize(
    ("asked", "shown"), [("0", 1), ("-3", 1), ("abc", 1), ("3", 2), ("999999", 2)]
)
def test_page_number_is_clamped(client, many, asked, shown):
    login(client, many)
    ids, html = _page(client, page=asked)
    assert f"Page {shown} of 2" in html
    assert len(ids) == (50 if shown == 1 else 6)


def test_pages_keep_filters_and_sort(client, many):
    login(client, many)
    ids, html = _page(client, village=LEGIAN, district="510301", sort="reporter", dir="desc")
    assert len(ids) == 14  # one in four
    assert "Page" not in html  # a single page needs no pager
    ids, html = _page(client, kind="lurah", sort="reporter", dir="desc")
    assert 'href="/compliance/?kind=lurah&amp;sort=reporter&amp;dir=desc&amp;page=2"' in html
    names = [row[0] for row in parse_table(html).rows]
    assert names[0].startswith("Lurah 55")
    _, html = _page(client, kind="lurah", sort="reporter", dir="desc", page=2)
    assert [row[0] for row in parse_table(html).rows][-1].startswith("Lurah 00")


def test_an_empty_list_has_one_empty_page(client, create_user):
    officer = create_user("officer", office_code="kanim-singaraja", locale="en")
    login(client, officer)
    ids, html = _page(client, page=5)
    assert ids == []
    assert "No places match." in html
    assert "0 places" in html

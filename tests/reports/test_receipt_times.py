"""A receipt's time in the place's own zone: a hotel in Bali sees WITA, not Jakarta's time."""

from __future__ import annotations

import pytest

from tests.factories import AuthActions

# 13:03 UTC is 21:03 in Bali (WITA) and 20:03 in Jakarta (WIB).
INSTANT = "2026-12-07T13:03:00+00:00"


@pytest.fixture
def bali_receipt(db, client, freeze, verified_lodging, create_stay):
    now = freeze(INSTANT)
    operator, lodging = verified_lodging
    receipt = create_stay(operator, lodging, now=now).receipt
    db.session.commit()
    assert AuthActions(client).login(operator.username).status_code == 302
    return receipt


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_receipt_page_shows_the_time_in_the_place_zone(client, bali_receipt):
    page = _page(client, f"/reports/receipts/{bali_receipt.number}")
    assert "21.03" in page
    assert "WITA" in page
    assert "20.03" not in page


def test_the_reporters_list_and_the_public_check_use_the_place_zone(client, bali_receipt):
    listed = _page(client, "/reports/")
    assert "21.03 WITA" in listed
    checked = _page(client, f"/verify/{bali_receipt.number}")
    assert "21.03" in checked
    assert "WITA" in checked

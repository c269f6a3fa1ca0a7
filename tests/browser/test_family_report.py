"""The whole reporting job on a 360 px phone (docs/reports.md).

Register a lodging, have an officer verify it, report a family of three by
pasting their passports' MRZ, see and verify the receipt, check the family
out, and correct one guest.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from apoa.reports.models import Stay
from tests.mrz_samples import td3

EXPIRY = date.today() + timedelta(days=1500)
FAMILY = [
    td3("JANSEN", "PIETER", "NX4711234", "NLD", date(1979, 3, 14), "M", EXPIRY),
    td3("JANSEN", "SANNE", "NX4711235", "NLD", date(1981, 9, 2), "F", EXPIRY),
    td3("JANSEN", "LOTTE", "NX4711236", "NLD", date(2016, 1, 20), "F", EXPIRY),
]


def _fill_guest(page, index: int, mrz: str) -> None:
    guest = page.locator(f"#guest-{index}")
    guest.locator("summary").click()
    guest.locator(f"#guests-{index}-mrz").fill(mrz)
    guest.locator("button[name=fill_mrz]").click()
    expect(page.locator(f"#guests-{index}-surname")).to_have_value("JANSEN")
    page.fill(f"#guests-{index}-birth_place", "Utrecht")
    page.select_option(f"#guests-{index}-permit_type", "voa")
    page.select_option(f"#guests-{index}-purpose", "tourism")


def test_family_report_on_a_phone(db, app, live_server, sign_in, phone, create_user):
    operator = create_user("reporter", username="wisma.ayu")
    officer = create_user("officer", office_code="kanim-ngurah-rai")

    # 1. Register a lodging (type-ahead picks the village).
    page = phone()
    sign_in(page, operator.username)
    page.goto(f"{live_server}/lodgings/new")
    page.fill("#name", "Wisma Ayu")
    page.select_option("#kind", "guesthouse")
    page.fill("#street", "Jl. Legian No. 88")
    page.fill("[data-region-picker] input[type=search]", "Legian")
    page.locator("[data-region-picker] button", has_text="Kuta").first.click()
    expect(page.locator("#region_code")).to_have_value("5103011004")
    page.click("form[data-once] button[type=submit]")
    expect(page.locator("[data-testid=lodging-status]")).to_be_visible()

    # 2. The officer of the routed office verifies it.
    desk = phone()
    sign_in(desk, officer.username)
    desk.goto(f"{live_server}/lodgings/?status=pending")
    desk.click("text=Wisma Ayu")
    desk.click("button[formaction$='/verify']")
    expect(desk.locator(".flash-success")).to_be_visible()

    # 3. Report the family of three by pasting their MRZs.
    page.goto(f"{live_server}/reports/check-in")
    page.fill("#expected_check_out", (date.today() + timedelta(days=6)).isoformat())
    page.fill("#room", "7")
    for index, mrz in enumerate(FAMILY):
        if index:
            page.click("button[name=add_guest]")
        _fill_guest(page, index, mrz)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("button[name=submit]")
    number = page.locator("[data-testid=receipt-number]").inner_text().strip()
    assert number.startswith("STTPOA-")

    # 4. Anyone can check that the receipt is genuine, without seeing who stays.
    checker = phone()
    checker.goto(f"{live_server}/verify/")
    checker.fill("#number", number.lower().replace("-", " "))
    checker.click("main form button")
    result = checker.locator("[data-testid=verify-result]")
    expect(result).to_contain_text("Wisma Ayu")
    expect(result).not_to_contain_text("JANSEN")

    # 5. Check the whole family out.
    page.goto(f"{live_server}/reports/")
    for box in page.locator("input[name=stay_ids]").all():
        box.check()
    page.click("[data-testid=check-out-chosen]")
    expect(page.locator("[data-testid=leaving] li")).to_have_count(3)  # named before it counts
    page.click("[data-testid=confirm-check-out]")
    expect(page.locator("[data-testid=receipt-number]")).to_be_visible()
    db.session.rollback()
    assert set(db.session.scalars(sa.select(Stay.status))) == {"checked_out"}

    # 6. Correct one guest: a new version with a reason.
    stay_id = db.session.scalars(sa.select(Stay.id).order_by(Stay.id)).first()
    page.goto(f"{live_server}/reports/stays/{stay_id}/amend")
    page.fill("#guest-birth_place", "Amsterdam")
    page.fill("#reason", "Tempat lahir salah")
    page.click("form[data-once] button[type=submit]")
    expect(page.locator("[data-testid=receipt-number]")).to_be_visible()
    page.goto(f"{live_server}/reports/stays/{stay_id}")
    expect(page.locator("[data-testid=history] li")).to_have_count(3)  # check-in, check-out, amend
    db.session.rollback()
    stay = db.session.get(Stay, stay_id)
    assert stay.version == 3
    from apoa.reports.services import reported_guest

    assert reported_guest(stay)["birth_place"] == "Amsterdam"  # this stay's own details

"""The compliance list in a real browser on a laptop: filter, sort, open a history.

See docs/compliance.md.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from apoa.db import utcnow
from tests.compliance.list_helpers import build_places

LAPTOP = {"width": 1366, "height": 768}


def _places(db, create_user, create_lodging):
    places = build_places(db, create_user, create_lodging, now=utcnow())
    places.officer.locale = "en"
    db.session.commit()
    return places


def test_officer_filters_sorts_and_opens_a_history(
    db, live_server, sign_in, browser, create_user, create_lodging
):
    _places(db, create_user, create_lodging)
    context = browser.new_context(viewport=LAPTOP, locale="en-US")
    page = context.new_page()
    problems: list[str] = []
    # Script errors and CSP refusals (the favicon's 404 is not ours to judge).
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, "officer.ngr")
    page.goto(f"{live_server}/compliance/")
    rows = page.locator("#compliance-table tbody tr")
    expect(rows).to_have_count(5)
    # Worst first, with a visible, styled badge.
    first_badge = rows.first.locator(".status-badge")
    expect(first_badge).to_have_text("Never reported")
    colours = page.evaluate(
        "() => [...document.querySelectorAll('#compliance-table .status-badge')]"
        ".map(b => getComputedStyle(b).backgroundColor)"
    )
    assert len(set(colours)) == 4  # one colour per status
    assert "rgba(0, 0, 0, 0)" not in colours  # the stylesheet applies
    # On a laptop the page itself does not scroll sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    # Filter by status.
    page.select_option("#status", "late")
    page.get_by_test_id("apply-filters").click()
    expect(page).to_have_url(re.compile(r"/compliance/\?status=late$"))  # no empty fields
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Alpha Villa")

    # Choosing a district fills the villages (script, no reload).
    page.select_option("#district", "510301")
    expect(page.locator("#village option")).to_have_count(6)  # "All" and five villages

    # Sort by place, then flip the direction.
    page.goto(f"{live_server}/compliance/")
    page.locator("th[data-sort-key=place] a").click()
    header = page.locator("th[data-sort-key=place]")
    expect(header).to_have_attribute("aria-sort", "ascending")
    places = rows.locator("td:nth-child(3)").all_inner_texts()
    assert places == sorted(places, key=str.lower)
    assert len(places) == 5
    header.locator("a").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert rows.locator("td:nth-child(3)").all_inner_texts() == list(reversed(places))

    # A row opens the reporter's history; the late report is highlighted.
    page.get_by_role("link", name="Bravo Operator (op.bravo)").click()
    expect(page.get_by_test_id("reporter-name")).to_have_text("Bravo Operator")
    expect(page.locator("#receipts-table tr.row-late")).to_have_count(1)
    expect(page.locator("#places-table tr.is-current")).to_have_count(1)
    assert problems == []
    context.close()


def test_list_stays_readable_on_a_phone(
    db, live_server, sign_in, phone, create_user, create_lodging
):
    _places(db, create_user, create_lodging)
    page = phone()
    sign_in(page, "officer.ngr")
    page.goto(f"{live_server}/compliance/")
    expect(page.locator("#compliance-table tbody tr")).to_have_count(5)
    # The table keeps its columns and scrolls inside its box; the page does not.
    widths = page.evaluate(
        "() => { const box = document.querySelector('.table-scroll');"
        " return [box.scrollWidth, box.clientWidth, document.documentElement.scrollWidth,"
        " window.innerWidth]; }"
    )
    box_scroll, box_client, page_scroll, viewport = widths
    assert box_scroll > box_client
    assert page_scroll <= viewport
    assert page.locator("#compliance-table thead").is_visible()

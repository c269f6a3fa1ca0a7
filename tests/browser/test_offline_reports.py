"""Reports on a phone whose connection comes and goes (issue 12, security.md R15).

A report is kept in the phone's outbox (IndexedDB) with its one-time submission key
before it is sent; whatever happens to the connection or the server, the server ends
with exactly one report and the phone with its receipt.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from apoa.extensions import db as _db
from apoa.reports.models import Receipt, Stay
from tests.factories import guest_form, stay_form
from tests.mrz_samples import td3

FAMILY = ("PIETER", "SANNE", "LOTTE")


def _counts() -> tuple[int, int]:
    _db.session.rollback()  # see what the server's thread committed
    receipts = _db.session.scalar(sa.select(sa.func.count()).select_from(Receipt))
    stays = _db.session.scalar(sa.select(sa.func.count()).select_from(Stay))
    return int(receipts or 0), int(stays or 0)


def _fill_guest(page: Any, index: int, given_names: str) -> None:
    values = guest_form(index, surname="Jansen", given_names=given_names)
    for name, value in values.items():
        if not value:
            continue
        target = page.locator(f"[name='{name}']")
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)


def _fill_family(page: Any) -> None:
    page.fill("#room", "12")
    page.fill("#expected_check_out", stay_form()["expected_check_out"])
    for index, given in enumerate(FAMILY):
        if index:
            page.click("button[name=add_guest]")
        _fill_guest(page, index, given)


def _open_form_with_worker(page: Any, live_server: str) -> None:
    """Open the check-in form under the service worker, so the phone keeps a copy."""
    page.goto(f"{live_server}/reports/check-in")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "caches.open('apoa-pages').then(c => c.keys())"
        ".then(keys => keys.some(k => k.url.endsWith('/reports/check-in')))"
    )


def _outbox(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("apoaOutbox.list()")


@pytest.fixture
def reporter(verified_lodging, sign_in, phone):
    operator, _lodging = verified_lodging
    page = phone()
    sign_in(page, operator.username)
    expect(page.locator("[data-testid=home-title]")).to_be_visible()
    return page


def test_a_family_made_offline_is_sent_once_when_the_connection_returns(reporter, live_server, db):
    page = reporter
    _open_form_with_worker(page, live_server)
    page.context.set_offline(True)
    page.reload()  # the kept copy, from the service worker
    expect(page.locator("h1")).to_have_text("Laporkan kedatangan tamu")
    _fill_family(page)
    page.click("button[name=submit]")
    expect(page.locator("#report-notice")).to_contain_text("disimpan di ponsel ini")
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Menunggu dikirim (1)")
    assert _counts() == (0, 0)
    # The next report starts fresh, with a new key.
    assert page.locator("fieldset.guest").count() == 1
    assert page.input_value("[name=submission_key]") != _outbox(page)[0]["key"]

    page.context.set_offline(False)  # the `online` event sends it
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Terkirim (1)")
    assert _counts() == (1, 3)
    # Sending again (the next page load, "Kirim sekarang") sends nothing new.
    page.reload()
    page.evaluate("apoaOutbox.sendAll({force: true})")
    assert _counts() == (1, 3)
    entry = _outbox(page)[0]
    assert entry["status"] == "sent"
    number = _db.session.scalar(sa.select(Receipt.number))
    assert entry["receipt"] == number
    page.click(f"[data-outbox-entry] a[href$='{number}']")
    expect(page.locator("[data-testid=receipt-number]")).to_have_text(number)


def test_a_server_error_then_success_makes_one_report(reporter, live_server, db):
    page = reporter
    answers = []

    def first_fails(route: Any) -> None:
        if route.request.method == "POST" and not answers:
            answers.append(500)
            route.fulfill(status=500, body="Internal Server Error")
        else:
            route.continue_()

    page.context.route("**/reports/check-in", first_fails)
    page.goto(f"{live_server}/reports/check-in")
    _fill_family(page)
    page.click("button[name=submit]")
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Menunggu dikirim (1)")
    assert _counts() == (0, 0)
    page.click("[data-send-now]")
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Terkirim (1)")
    assert answers == [500]
    assert _counts() == (1, 3)


def test_an_answer_lost_after_the_commit_gets_the_same_receipt_on_retry(reporter, live_server, db):
    page = reporter
    lost = []

    def answer_lost(route: Any) -> None:
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch().status)  # the server commits and answers ...
            route.abort("connectionreset")  # ... and the phone never hears it
        else:
            route.continue_()

    page.context.route("**/reports/check-in", answer_lost)
    page.goto(f"{live_server}/reports/check-in")
    _fill_family(page)
    page.click("button[name=submit]")
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Menunggu dikirim (1)")
    assert lost == [201]
    assert _counts() == (1, 3)  # committed, though the phone does not know it
    page.click("[data-send-now]")
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Terkirim (1)")
    assert _counts() == (1, 3)
    assert _outbox(page)[0]["receipt"] == _db.session.scalar(sa.select(Receipt.number))


def test_a_report_waiting_through_an_expired_session_is_sent_after_signing_in(
    verified_lodging, sign_in, phone, live_server, db, freeze
):
    operator, _lodging = verified_lodging
    started = freeze("2026-12-07T03:00:00+00:00", tick=True)
    page = phone()
    sign_in(page, operator.username)
    page.goto(f"{live_server}/reports/check-in")
    page.context.set_offline(True)
    _fill_family(page)
    page.click("button[name=submit]")
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Menunggu dikirim (1)")

    freeze(started.replace(hour=5), tick=True)  # two hours on: the session is over
    page.context.set_offline(False)
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Masuk lagi untuk mengirimnya")
    assert _counts() == (0, 0)

    sign_in(page, operator.username)  # the home page sends what waits
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Terkirim (1)")
    assert _counts() == (1, 3)


def test_signing_out_leaves_nothing_on_the_phone(reporter, live_server):
    page = reporter
    _open_form_with_worker(page, live_server)
    page.context.set_offline(True)
    _fill_family(page)
    page.click("button[name=submit]")
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Menunggu dikirim (1)")
    page.fill("#room", "a draft")
    page.wait_for_timeout(600)  # the draft is saved after a pause in typing
    page.context.set_offline(False)
    page.context.route("**/reports/check-in", lambda route: route.abort())  # it stays unsent
    page.click("[data-testid=logout]")
    expect(page.locator("#username")).to_be_visible()
    # Nothing left in IndexedDB: the database is gone, or (while the service worker still
    # held it open) deleted as soon as it closes, with every store already empty.
    left = page.evaluate(
        """() => indexedDB.databases().then(list => {
            if (!list.some(d => d.name === 'apoa')) return 0;
            return new Promise(done => {
                const open = indexedDB.open('apoa');
                open.onsuccess = () => {
                    const db = open.result;
                    const names = Array.from(db.objectStoreNames);
                    if (!names.length) { db.close(); done(0); return; }
                    const tx = db.transaction(names);
                    let total = 0;
                    names.forEach(n => {
                        tx.objectStore(n).count().onsuccess = e => { total += e.target.result; };
                    });
                    tx.oncomplete = () => { db.close(); done(total); };
                };
            });
        })"""
    )
    assert left == 0
    assert page.evaluate("caches.keys()") == []


def test_a_refused_report_shows_every_error_at_once_with_a_summary_that_takes_the_focus(
    reporter, live_server, db
):
    page = reporter
    page.goto(f"{live_server}/reports/check-in")
    page.click("button[name=add_guest]")
    page.fill("#guests-0-surname", "Jansen")
    page.click("button[name=submit]")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.locator("a")
    # Both guests' missing fields, in one round.
    assert links.count() >= 6
    texts = links.all_inner_texts()
    assert any(t.startswith("Tamu 1:") for t in texts)
    assert any(t.startswith("Tamu 2:") for t in texts)
    first = links.first
    target = first.get_attribute("href")
    assert target is not None
    first.click()
    expect(page.locator(target)).to_be_focused()
    expect(page.locator(f"{target}-errors")).to_be_visible()
    assert _counts() == (0, 0)
    # Kept as "needs fixing" until corrected; the corrected report goes under the same key.
    entry = _outbox(page)[0]
    assert entry["status"] == "needs_fix"
    page.fill("#expected_check_out", stay_form()["expected_check_out"])
    for index, given in enumerate(FAMILY[:2]):
        _fill_guest(page, index, given)
    page.click("button[name=submit]")
    expect(page.locator("[data-testid=receipt-number]")).to_be_visible()
    assert _counts() == (1, 2)
    page.goto(f"{live_server}/")
    assert [(e["key"], e["status"]) for e in _outbox(page)] == [(entry["key"], "sent")]


def test_a_needs_fixing_report_opens_with_its_errors_on_the_fields(reporter, live_server, db):
    page = reporter
    page.goto(f"{live_server}/reports/check-in")
    page.context.set_offline(True)
    _fill_guest(page, 0, "SANNE")
    page.fill("#guests-0-passport_number", "")
    page.click("button[name=submit]")
    page.context.set_offline(False)
    page.goto(f"{live_server}/")
    panel = page.locator("[data-outbox-panel]")
    expect(panel).to_contain_text("Perlu diperbaiki (1)")
    panel.locator("a", has_text="Buka").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#guests-0-passport_number-errors")).to_be_visible()
    expect(page.locator("#guests-0-given_names")).to_have_value("SANNE")


def test_the_form_stays_where_the_reporter_is(reporter, live_server):
    page = reporter
    page.goto(f"{live_server}/reports/check-in")
    page.evaluate("window.sameDocument = true")
    page.click("button[name=add_guest]")
    page.click("button[name=add_guest]")
    assert page.evaluate("window.sameDocument") is True  # no reload, no jump to the top
    assert page.locator("fieldset.guest").count() == 3
    assert page.evaluate("document.activeElement.closest('fieldset').id") == "guest-2"
    assert page.get_attribute("#guest-2 input[name=head]", "value") == "2"
    assert page.locator("label[for='guests-2-surname']").count() == 1
    page.click("button[name=remove_guest]")
    assert page.locator("fieldset.guest").count() == 2
    assert page.evaluate("window.sameDocument") is True
    # The MRZ is read by the server, in the page.
    mrz = td3("JANSEN", "LOTTE", "NX4711236", "NLD", date(2016, 1, 20), "F", date(2031, 1, 1))
    page.locator("#guest-1 summary").click()
    page.fill("#guests-1-mrz", mrz)
    page.click("#guest-1 button[name=fill_mrz]")
    expect(page.locator("#guests-1-surname")).to_have_value("JANSEN")
    assert page.evaluate("window.sameDocument") is True
    # Paired fields stack on a 360 px phone: a select keeps its width.
    assert page.locator("#guests-0-sex").bounding_box()["width"] > 250
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_draft_survives_a_reload(reporter, live_server):
    page = reporter
    page.goto(f"{live_server}/reports/check-in")
    page.click("button[name=add_guest]")
    page.fill("#guests-1-surname", "Jansen")
    page.wait_for_timeout(600)
    page.reload()
    expect(page.locator("#guests-1-surname")).to_have_value("Jansen")


def test_going_back_after_the_receipt_shows_no_resubmission_page(reporter, live_server, db):
    page = reporter
    page.goto(f"{live_server}/reports/check-in")
    _fill_family(page)
    page.click("button[name=submit]")
    expect(page.locator("[data-testid=receipt-number]")).to_be_visible()
    page.go_back()
    expect(page.locator("h1")).to_have_text("Laporkan kedatangan tamu")
    assert page.locator("fieldset.guest").count() == 1  # a new report, not the old one
    assert _counts() == (1, 3)


def test_old_reports_warn_before_they_expire_and_expired_ones_wait_for_the_reporter(
    reporter, live_server, db
):
    page = reporter
    page.goto(f"{live_server}/reports/check-in")
    user = page.get_attribute("body", "data-user")
    page.context.route("**/reports/check-in", lambda route: route.abort()
                       if route.request.method == "POST" else route.continue_())  # fmt: skip
    hour = 3600 * 1000
    for key, hours in (("00000000-0000-4000-8000-000000000049", 49),
                       ("00000000-0000-4000-8000-000000000073", 73)):  # fmt: skip
        page.evaluate(
            "([key, user, age]) => apoaOutbox.add({key, user, action: '/reports/check-in',"
            " fields: [['submission_key', key]], label: 'test', created: Date.now() - age})",
            [key, user, hours * hour],
        )
    page.goto(f"{live_server}/")
    panel = page.locator("[data-outbox-panel]")
    expect(panel).to_contain_text("lebih dari 48 jam")
    expect(panel).to_contain_text("Tidak terkirim dalam 72 jam")
    statuses = {e["key"][-2:]: e["status"] for e in _outbox(page)}
    assert statuses == {"49": "waiting", "73": "expired"}
    assert _counts() == (0, 0)


def test_an_rt_head_reports_offline_with_the_area_and_its_villages_kept(
    create_user, sign_in, phone, live_server, db
):
    head = create_user("reporter", reporter_kind="rt_rw", username="pak.rt")
    page = phone()
    sign_in(page, head.username)
    _open_form_with_worker(page, live_server)
    page.wait_for_function(
        "caches.open('apoa-regions').then(c => c.keys()).then(keys => keys.length > 0)"
    )
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#region_code")).to_have_value("5103011004")
    # The picker's lists came from the kept answers: no "could not be loaded".
    assert page.locator("[data-region-picker] .region-status.is-error").count() == 0
    assert page.locator("[data-region-picker] select").first.input_value() != ""
    page.fill("#street", "Jl. Padma Utara 7")
    page.fill("#expected_check_out", stay_form()["expected_check_out"])
    _fill_guest(page, 0, "PIETER")
    page.click("button[name=submit]")
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Menunggu dikirim (1)")
    page.context.set_offline(False)
    expect(page.locator("[data-outbox-panel]")).to_contain_text("Terkirim (1)")
    assert _counts() == (1, 1)


def test_a_guests_own_check_out_button_ignores_a_ticked_box(reporter, live_server, db):
    """The regression a new user hit: one guest's button also checked out a ticked guest."""
    page = reporter
    page.goto(f"{live_server}/reports/check-in")
    _fill_family(page)
    page.click("button[name=submit]")
    expect(page.locator("[data-testid=receipt-number]")).to_be_visible()
    _db.session.rollback()
    first, second, third = _db.session.scalars(sa.select(Stay.id).order_by(Stay.id)).all()
    page.goto(f"{live_server}/reports/")
    page.check(f"#stay-{first}")
    page.click(f"[data-testid=check-out-{second}]")
    expect(page.locator("[data-testid=receipt-number]")).to_be_visible()
    _db.session.rollback()
    statuses = {row.id: row.status for row in _db.session.execute(sa.select(Stay.id, Stay.status))}
    assert statuses == {first: "open", second: "checked_out", third: "open"}
    # The family's own button names who will leave and asks first.
    page.goto(f"{live_server}/reports/")
    group = _db.session.get(Stay, first).group_id
    page.click(f"[data-testid=check-out-family-{group}]")
    expect(page.locator("[data-testid=leaving] li")).to_have_count(2)
    _db.session.rollback()
    assert _db.session.get(Stay, first).status == "open"  # nothing recorded before the confirm

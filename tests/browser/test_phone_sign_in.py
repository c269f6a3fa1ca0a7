"""On a 360 px phone: each role signs in and lands on its home page.

An account an admin created must choose its own password at first sign-in.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from apoa.accounts.models import User


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        ("reporter", "lodging", "Operator penginapan"),
        ("reporter", "rt_rw", "Pengurus RT/RW"),
        ("reporter", "lurah", "Lurah"),
        ("officer", None, "Kantor Imigrasi Kelas I Khusus TPI Ngurah Rai"),
        ("admin", None, "Admin"),
    ],
)
def test_each_role_signs_in_on_a_phone(
    live_server, sign_in, phone, create_user, role, kind, expected
):
    user = create_user(role, reporter_kind=kind) if kind else create_user(role)
    page = phone()
    sign_in(page, user.username)
    page.wait_for_selector("[data-testid=home-title]")
    page.wait_for_load_state("load")  # measure with the stylesheet applied
    assert expected in page.inner_text("[data-testid=role]")
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Tap targets are at least 44 px high.
    heights = page.eval_on_selector_all(
        "button, .button", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights
    assert min(heights) >= 44
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{live_server}/login")


def test_wrong_password_shows_an_indonesian_message(live_server, sign_in, phone, create_user):
    user = create_user("reporter")
    page = phone()
    sign_in(page, user.username, "bukan kata sandinya")
    assert "Nama pengguna atau kata sandi salah" in page.inner_text(".form-errors")


def test_admin_creates_a_reporter_who_must_change_password(
    app, db, live_server, sign_in, phone, create_user
):
    admin = create_user("admin")
    admin_page = phone()
    sign_in(admin_page, admin.username)
    admin_page.goto(f"{live_server}/admin/users/new")
    admin_page.fill("#username", "hotel.bintang")
    admin_page.fill("#full_name", "Hotel Bintang Lima")
    admin_page.select_option("#role", "reporter")
    admin_page.select_option("#reporter_kind", "lodging")
    admin_page.click("form[data-account-form] button[type=submit]")
    password = admin_page.inner_text("[data-testid=temp-password]").strip()
    assert len(password) >= 16

    reporter_page = phone()
    sign_in(reporter_page, "hotel.bintang", password)
    reporter_page.wait_for_url(f"{live_server}/account/password")
    reporter_page.fill("#current_password", password)
    reporter_page.fill("#new_password", "pendek")
    reporter_page.fill("#confirm_password", "pendek")
    reporter_page.click("button[type=submit]")
    assert "12" in reporter_page.inner_text(
        "#new_password-errors"
    )  # at least 12 characters, in Indonesian
    reporter_page.fill("#current_password", password)
    reporter_page.fill("#new_password", "pelangi sesudah hujan")
    reporter_page.fill("#confirm_password", "pelangi sesudah hujan")
    reporter_page.click("button[type=submit]")
    reporter_page.wait_for_selector("[data-testid=home-title]")
    db.session.rollback()  # end the test's read snapshot: the server wrote in another thread
    assert (
        db.session.scalar(
            sa.select(User.must_change_password).where(User.username == "hotel.bintang")
        )
        is False
    )


def test_admin_region_search_fills_the_village_code(live_server, sign_in, phone, create_user):
    admin = create_user("admin")
    page = phone()
    sign_in(page, admin.username)
    page.goto(f"{live_server}/admin/users/new")
    page.select_option("#role", "reporter")
    page.select_option("#reporter_kind", "rt_rw")
    page.fill("[data-region-query]", "Legian")
    page.click("[data-region-results] button >> text=Kuta")
    assert page.input_value("#area_code") == "5103011004"

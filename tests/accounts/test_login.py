"""Sign-in, sign-out and the session (docs/security.md R3-R6, R9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD


def test_login_page_is_indonesian_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Masuk" in response.get_data(as_text=True)  # Indonesian unless asked otherwise


def test_each_role_lands_on_its_home_page(client, auth, create_user):
    for role, marker in (
        ("admin", 'href="/admin/users"'),
        ("officer", "Kantor Imigrasi"),
        ("reporter", "Operator penginapan"),
    ):
        user = create_user(role)
        response = auth.login(user.username)
        assert response.headers["Location"] == "/"
        page = client.get("/").get_data(as_text=True)
        assert marker in page, role
        auth.logout()


def test_unknown_user_and_wrong_password_get_the_same_answer(client, create_user):
    user = create_user("reporter")
    wrong = client.post(
        "/login", data={"username": user.username, "password": "not-the-password-at-all"}
    )
    unknown = client.post(
        "/login", data={"username": "nobody-here", "password": "not-the-password-at-all"}
    )
    assert wrong.status_code == unknown.status_code == 200

    def strip(response):
        return (
            response.get_data(as_text=True).replace("nobody-here", "X").replace(user.username, "X")
        )

    assert strip(wrong) == strip(unknown)
    assert sorted(h for h in wrong.headers.getlist("Set-Cookie")) == sorted(
        h for h in unknown.headers.getlist("Set-Cookie")
    )


def test_failed_and_successful_logins_are_audited(app, db, auth, create_user):
    user = create_user("reporter")
    auth.login(user.username, "wrong-password-here")
    auth.login(user.username)
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["login.failure", "login.success"]
    assert TEST_PASSWORD not in str([e.details for e in db.session.scalars(sa.select(AuditEvent))])


def test_logout_is_post_only_and_revokes_the_cookie_on_the_server(app, client, auth, create_user):
    user = create_user("reporter")
    auth.login(user.username)
    assert client.get("/logout").status_code == 405
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert auth.logout().status_code == 302
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_deactivation_ends_a_live_session(app, db, client, auth, create_user):
    user = create_user("reporter")
    admin = create_user("admin")
    auth.login(user.username)
    assert client.get("/").status_code == 200
    admin_client = app.test_client()
    admin_client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    assert admin_client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    # and the deactivated user cannot sign in again
    assert auth.login(user.username).status_code == 200


def test_idle_timeout_and_absolute_timeout(app, client, auth, create_user):
    user = create_user("officer")
    auth.login(user.username)

    def age_session(login_ago: timedelta, seen_ago: timedelta) -> None:
        from apoa.db import utcnow

        with client.session_transaction() as session:
            session["login_at"] = (utcnow() - login_ago).isoformat()
            session["seen_at"] = (utcnow() - seen_ago).isoformat()

    age_session(timedelta(minutes=29), timedelta(minutes=29))
    assert client.get("/").status_code == 200
    age_session(timedelta(hours=11, minutes=59), timedelta(minutes=1))
    assert client.get("/").status_code == 200
    age_session(timedelta(hours=12, minutes=1), timedelta(minutes=1))
    assert client.get("/").status_code == 302
    auth.login(user.username)
    age_session(timedelta(minutes=31), timedelta(minutes=31))
    assert client.get("/").status_code == 302


def test_remember_me_only_for_reporters(app, client, auth, create_user):
    officer = create_user("officer")
    response = auth.login(officer.username, remember="y")
    assert not any(
        app.config["REMEMBER_COOKIE_NAME"] in c for c in response.headers.getlist("Set-Cookie")
    )
    auth.logout()
    reporter = create_user("reporter")
    response = auth.login(reporter.username, remember="y")
    assert any(
        app.config["REMEMBER_COOKIE_NAME"] in c for c in response.headers.getlist("Set-Cookie")
    )


def test_remembered_reporter_survives_idle_timeout(app, client, auth, create_user):
    reporter = create_user("reporter")
    auth.login(reporter.username, remember="y")
    from apoa.db import utcnow

    with client.session_transaction() as session:
        session["seen_at"] = (utcnow() - timedelta(hours=2)).isoformat()
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "////evil.com",
        "/\\evil.com",
        "\\\\\\evil.com",
        "/%5Cevil.com",
        "%2F%2Fevil.com",
        "https://evil.com",
        "http:evil.com",
        "javascript:alert(1)",
        "/\tevil.com",
        "/\nevil.com",
        "https://localhost.evil.com",
        "https://localhost@evil.com",
        "/no/such/page",
    ],
)
def test_next_never_leaves_the_site(client, create_user, target):
    user = create_user("reporter")
    response = client.post(
        "/login", data={"username": user.username, "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_keeps_an_internal_page(client, create_user):
    user = create_user("admin")
    response = client.post(
        "/login",
        data={"username": user.username, "password": TEST_PASSWORD, "next": "/admin/users?q=x"},
    )
    assert response.headers["Location"] == "/admin/users?q=x"


def test_anonymous_visit_goes_to_login_with_next(client):
    response = client.get("/admin/users?q=budi")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/admin/users?q=budi"' in page


def test_language_choice_is_kept_per_user(app, db, client, auth, create_user):
    user = create_user("reporter")
    auth.login(user.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    assert "Sign out" in client.get("/").get_data(as_text=True)
    other = app.test_client()
    other.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert "Sign out" in other.get("/").get_data(as_text=True)


def test_a_one_time_password_is_explained_once(client, auth, create_user):
    user = create_user("reporter", must_change_password=True)
    page = auth.login(user.username)
    assert page.headers["Location"] == "/account/password"
    text = client.get("/account/password").get_data(as_text=True)
    assert text.count("kata sandi sekali pakai") == 1
    assert "sebelum melanjutkan" not in text  # the flash that said it a second time


def test_the_forced_change_page_says_why_once_whichever_page_was_asked(client, auth, create_user):
    """Issue 12, point 4: any page sends a one-time password holder here, with one notice."""
    user = create_user("officer", office_code="kanim-ngurah-rai", must_change_password=True)
    auth.login(user.username)
    text = client.get("/dashboard/", follow_redirects=True).get_data(as_text=True)
    assert text.count("kata sandi sekali pakai") == 1
    assert 'class="flash' not in text
    client.post("/language", data={"lang": "en", "next": "/account/password"})
    text = client.get("/map", follow_redirects=True).get_data(as_text=True)
    assert text.count("one-time password") == 1

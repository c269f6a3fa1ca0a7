"""Security baseline (docs/security.md R2-R10, R20): generated from the URL map where possible."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter
from werkzeug.security import generate_password_hash

from apoa.accounts.models import User
from apoa.audit.models import AuditEvent
from apoa.security import PUBLIC_ENDPOINTS
from tests.factories import TEST_PASSWORD


def _example_url(app, rule) -> str:
    values = {}
    for arg in rule.arguments:
        integer = isinstance(rule._converters[arg], IntegerConverter)
        values[arg] = 1 if integer else "x"
    with app.test_request_context():
        return rule.build(values)[1]


def _rules(app, prefix=None):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        if prefix and not rule.endpoint.startswith(prefix):
            continue
        yield rule


def test_every_non_public_endpoint_refuses_anonymous_users(app, client):
    checked = 0
    for rule in _rules(app):
        url = _example_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (method, url, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login"), url
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("role", ["reporter", "officer"])
def test_every_admin_endpoint_refuses_reporters_and_officers(app, client, login_as, role):
    login_as(role)
    checked = 0
    for rule in _rules(app, "admin."):
        url = _example_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 403, (method, url, response.status_code)
            checked += 1
    assert checked > 15


def test_admin_refusals_are_audited(app, db, client, login_as):
    user = login_as("reporter")
    client.get("/admin/users")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "authz.denied")
    ).one()
    assert event.actor_id == user.id
    assert event.outcome == "denied"


@pytest.mark.parametrize("role", [None, "reporter", "officer", "admin"])
def test_security_headers_on_every_page(app, client, login_as, role):
    if role:
        login_as(role)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        response = client.get(_example_url(app, rule))
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ):
            assert directive in csp, (rule, directive)
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "Cookie" in headers.get("Vary", "")
        if role:
            assert headers.get("Cache-Control") == "no-store, private", rule


def test_hsts_in_production(make_app):
    app = make_app(HSTS=True)
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_inline_scripts_carry_the_request_nonce(app, client, login_as):
    login_as("admin")
    response = client.get("/admin/users/new")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag


def test_production_cookie_flags(make_app, create_user):
    from apoa.config import Config

    app = make_app(
        SESSION_COOKIE_NAME=Config.SESSION_COOKIE_NAME,
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_NAME=Config.REMEMBER_COOKIE_NAME,
        REMEMBER_COOKIE_SECURE=True,
    )
    client = app.test_client()
    reporter = create_user("reporter")
    officer = create_user("officer")
    cookies = {}
    for user in (reporter, officer):
        response = client.post(
            "/login",
            data={"username": user.username, "password": TEST_PASSWORD, "remember": "y"},
            base_url="https://localhost",
        )
        for header in response.headers.getlist("Set-Cookie"):
            parsed = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                cookies[(user.role, name)] = (morsel, header)
        client.post("/logout", base_url="https://localhost")
    session, header = cookies[("reporter", "__Host-session")]
    assert session["secure"]
    assert session["httponly"]
    assert session["path"] == "/"
    assert not session["domain"]
    assert "SameSite=Lax" in header
    _, officer_header = cookies[("officer", "__Host-session")]
    assert "SameSite=Strict" in officer_header
    remember, _ = cookies[("reporter", "__Host-remember")]
    assert remember["secure"]
    assert remember["httponly"]
    assert ("officer", "__Host-remember") not in cookies


def test_argon2id_with_production_parameters(make_app):
    from argon2 import PasswordHasher

    from apoa.accounts.passwords import hash_password
    from apoa.config import Config

    app = make_app(ARGON2_PARAMETERS=Config.ARGON2_PARAMETERS)
    with app.app_context():
        hashed = hash_password("sebuah kalimat yang panjang")
    defaults = PasswordHasher()
    assert hashed.startswith("$argon2id$")
    assert f"m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}" in hashed
    assert defaults.memory_cost >= 19456
    assert defaults.time_cost >= 2


def test_legacy_hash_is_upgraded_at_login(app, db, auth, create_user):
    user = create_user("reporter")
    user.password_hash = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256")
    db.session.commit()
    assert auth.login(user.username).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash.startswith("$argon2id$")


def test_account_lockout_and_hourly_cap(make_app, create_user, db):
    app = make_app(
        LOGIN_MAX_FAILURES_PER_HOUR=8,
        LOGIN_DELAY_AFTER_FAILURES=100,
        LOGIN_LOCKOUT_AFTER_FAILURES=100,
    )
    client = app.test_client()
    victim = create_user("reporter")
    bystander = create_user("reporter")
    for i in range(8):
        client.post(
            "/login",
            data={"username": victim.username, "password": f"wrong password {i}"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        )
    # The ninth attempt fails even with the right password, from another address.
    response = client.post(
        "/login",
        data={"username": victim.username, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 200
    assert "_user_id" not in (client.get_cookie(app.config["SESSION_COOKIE_NAME"]) or "")
    assert client.get("/").status_code == 302
    # Other accounts are not affected.
    ok = client.post("/login", data={"username": bystander.username, "password": TEST_PASSWORD})
    assert ok.status_code == 302
    refused = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "login.refused")
    ).all()
    assert len(refused) == 1


def test_spoofed_forwarded_for_does_not_reset_the_count(make_app, create_user):
    app = make_app(LOGIN_MAX_FAILURES_PER_HOUR=3, LOGIN_DELAY_AFTER_FAILURES=100)
    client = app.test_client()
    user = create_user("reporter")
    for i in range(3):
        client.post(
            "/login",
            data={"username": user.username, "password": "wrong wrong wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )
    response = client.post(
        "/login",
        data={"username": user.username, "password": TEST_PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert response.status_code == 200


def test_admin_unlock_lifts_the_lockout(make_app, create_user):
    app = make_app(LOGIN_LOCKOUT_AFTER_FAILURES=3, LOGIN_DELAY_AFTER_FAILURES=100)
    client = app.test_client()
    user = create_user("reporter")
    admin = create_user("admin")
    for _ in range(3):
        client.post("/login", data={"username": user.username, "password": "wrong wrong wrong"})
    assert (
        client.post(
            "/login", data={"username": user.username, "password": TEST_PASSWORD}
        ).status_code
        == 200
    )
    admin_client = app.test_client()
    admin_client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f"/admin/users/{user.id}/unlock" in page
    assert admin_client.post(f"/admin/users/{user.id}/unlock").status_code == 302
    assert (
        client.post(
            "/login", data={"username": user.username, "password": TEST_PASSWORD}
        ).status_code
        == 302
    )


def test_password_change_revokes_other_sessions(app, client, create_user):
    user = create_user("reporter")
    other = app.test_client()
    for c in (client, other):
        c.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "angin laut sore hari",
            "confirm_password": "angin laut sore hari",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other.get("/").status_code == 302  # the other one has ended


def test_request_body_limit(client, login_as):
    login_as("admin")
    response = client.post("/admin/users/import", data={"csv_text": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413


def test_officers_of_a_closed_office_lose_access(app, db, client, create_user, login_as):
    from apoa.regions.models import Office

    officer = create_user("officer", office_code="kanim-denpasar")
    officer_client = app.test_client()
    officer_client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    assert officer_client.get("/").status_code == 200
    office = db.session.get(Office, officer.office_id)
    office.is_active = False  # closed directly, without ending sessions
    db.session.commit()
    assert officer_client.get("/").status_code == 302
    again = app.test_client().post(
        "/login", data={"username": officer.username, "password": TEST_PASSWORD}
    )
    assert again.status_code == 200  # refused like a wrong password


@pytest.mark.parametrize(
    ("number", "masked"),
    [("C01X00T40", "C01****40"), ("AB12345", "AB***45"), ("X12345", "X****5"), (None, "")],
)
def test_passport_masking_hides_at_least_half(number, masked):
    from apoa.templating import mask_passport

    assert mask_passport(number) == masked


def test_wrong_current_passwords_count_as_failed_sign_ins(make_app, create_user):
    app = make_app(LOGIN_LOCKOUT_AFTER_FAILURES=3, LOGIN_DELAY_AFTER_FAILURES=100)
    client = app.test_client()
    user = create_user("reporter")
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    for _ in range(3):
        client.post(
            "/account/password",
            data={
                "current_password": "bukan ini",
                "new_password": "langit biru cerah",
                "confirm_password": "langit biru cerah",
            },
        )
    refused = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "langit biru cerah",
            "confirm_password": "langit biru cerah",
        },
    )
    assert refused.status_code == 200  # locked: even the right password is refused for now
    assert 'id="current_password-errors"' in refused.get_data(as_text=True)


def test_refusals_outside_admin_are_audited(db, client, login_as):
    user = login_as("reporter")
    assert client.get("/map").status_code == 403
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "authz.denied")
    ).one()
    assert event.actor_id == user.id

"""CSRF on every state change, sign-out included (docs/security.md R8): CSRF is on here."""

from __future__ import annotations

import re

import pytest

from tests.factories import TEST_PASSWORD


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True, WTF_CSRF_SSL_STRICT=True)


def _token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_login_without_token_is_refused(csrf_app, create_user):
    user = create_user("reporter")
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400


def test_login_with_token_works(csrf_app, create_user):
    user = create_user("reporter")
    client = csrf_app.test_client()
    token = _token(client)
    response = client.post(
        "/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_https_post_needs_our_referrer(csrf_app, create_user):
    user = create_user("reporter")
    client = csrf_app.test_client()
    token = _token(client)
    data = {"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data, base_url="https://localhost").status_code == 400
    foreign = client.post(
        "/login",
        data=data,
        base_url="https://localhost",
        headers={"Referer": "https://evil.example/"},
    )
    assert foreign.status_code == 400
    ours = client.post(
        "/login",
        data=data,
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert ours.status_code == 302


def test_logout_needs_a_token_and_get_does_nothing(csrf_app, create_user):
    user = create_user("reporter")
    client = csrf_app.test_client()
    client.post(
        "/login",
        data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": _token(client)},
    )
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    response = client.post("/logout", headers={"X-CSRFToken": _token(client, "/")})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_admin_action_needs_a_token(csrf_app, create_user):
    admin = create_user("admin")
    target = create_user("reporter")
    client = csrf_app.test_client()
    client.post(
        "/login",
        data={"username": admin.username, "password": TEST_PASSWORD, "csrf_token": _token(client)},
    )
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 400
    token = _token(client, f"/admin/users/{target.id}")
    assert (
        client.post(f"/admin/users/{target.id}/deactivate", data={"csrf_token": token}).status_code
        == 302
    )

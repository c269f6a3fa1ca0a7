"""With the database gone, every request answers 503 with Retry-After and the security headers.

The app here points at a SQLite file in a folder that does not exist: every connection
fails, as when the database server is down. The error page must not ask the database
anything, not even who is signed in (docs/security.md R22).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from apoa import create_app
from apoa.config import TestConfig as Settings
from apoa.extensions import db
from tests.databases import ENGINE
from tests.factories import TEST_PASSWORD

LOCAL_REDIS = "redis://127.0.0.1:6379/0"
BUSY = "Sistem sedang sibuk"  # "The system is busy", in the default language


@pytest.fixture
def app_without_database(tmp_path) -> Flask:
    config = Settings()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'gone' / 'apoa.sqlite3'}"
    return create_app(config)


def _assert_busy(response, *, page: bool = True) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    if page:
        assert BUSY in response.get_data(as_text=True)


def test_signing_in_answers_503_to_an_anonymous_user(app_without_database):
    client = app_without_database.test_client()
    _assert_busy(client.post("/login", data={"username": "hotel.op", "password": "x"}))


def test_a_signed_in_user_gets_the_503_page_not_a_bare_500(app_without_database):
    client = app_without_database.test_client()
    now = datetime.now(UTC).isoformat()
    with client.session_transaction() as session:
        session.update({"_user_id": "some-session-token", "_fresh": True})
        session.update({"login_at": now, "seen_at": now})
    _assert_busy(client.get("/reports/"))


def test_the_api_answers_503_in_json(app_without_database):
    client = app_without_database.test_client()
    now = datetime.now(UTC).isoformat()
    with client.session_transaction() as session:
        session.update({"_user_id": "some-session-token", "login_at": now, "seen_at": now})
    response = client.get("/api/map/clusters?z=5&bbox=94,-11,141,6")
    _assert_busy(response, page=False)
    assert response.get_json() == {"error": "Service Unavailable"}


# ---------------------------------------------------------------- health checks for a load balancer


def test_live_answers_while_the_database_is_down(app_without_database):
    client = app_without_database.test_client()
    assert client.get("/health/live").get_json() == {"status": "ok"}
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["database"] == "unreachable"


def test_ready_when_the_database_answers(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "redis": "not configured"}


def test_not_ready_when_the_configured_redis_is_gone(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "unreachable"
    assert response.get_json()["database"] == "ok"


def test_ready_with_a_live_redis(make_app):
    redis = Redis.from_url(LOCAL_REDIS, socket_connect_timeout=1)
    try:
        redis.ping()
    except RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        redis.close()
    response = make_app(REDIS_URL=LOCAL_REDIS).test_client().get("/health/ready")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "ok"


@pytest.mark.skipif(ENGINE != "postgresql", reason="PostgreSQL ends a backend; SQLite has none")
def test_a_connection_the_database_drops_mid_request_is_answered_and_forgotten(
    make_app, create_user, database_url
):
    """The teardown's ROLLBACK on a dead connection raised past the answer (a bare 500)."""
    app = make_app()

    @app.get("/test/connection-dropped")
    def connection_dropped():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        killer = sa.create_engine(database_url)
        with killer.connect() as conn:  # as a restart does to every connection
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        return "answered"

    user = create_user("officer")
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    response = client.get("/test/connection-dropped")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "answered"
    assert client.get("/health/ready").status_code == 200  # the next one gets a live connection

"""Fixtures: a migrated database per run, an app per test, factories, network guard.

The suite runs on SQLite by default and on PostgreSQL with
APOA_TEST_ENGINE=postgresql (TEST_DATABASE_URL names the server; a database
of our own is created and dropped). APOA_REQUIRE_POSTGRES=1 turns a missing
server into a failure instead of a skip.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from apoa import create_app
from apoa.config import TestConfig

ENGINE = os.environ.get("APOA_TEST_ENGINE", "sqlite")
# Tables whose content is reference data, loaded once per run and kept between tests.
REFERENCE_TABLES = {"regions", "region_search_terms", "alembic_version"}
TEST_PASSWORD = "kuda-lumping-menari-di-pasar"


# ---------------------------------------------------------------- network guard


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:
        return True  # Unix sockets
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection off this machine."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(sock: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(sock, address)

    def guarded_ex(sock: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


# ---------------------------------------------------------------- database per run


def _postgres_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres")):
        return ""
    from apoa.config import normalise_database_url

    return normalise_database_url(url)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("APOA_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _migrate_and_load(url: str) -> None:
    from flask_migrate import upgrade

    from apoa.regions.loading import load_regions

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        load_regions()
        from apoa.extensions import db

        db.session.commit()
        db.engine.dispose()


def _config(url: str, **overrides: Any) -> TestConfig:
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Create a database for this run: migrated to head, with the region gazetteer loaded."""
    if ENGINE == "sqlite":
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        url = f"sqlite:///{path}"
        _migrate_and_load(url)  # closing the last connection checkpoints the WAL into the file
        yield url
        return

    server = _postgres_server_url()
    if not server:
        _skip_or_fail("TEST_DATABASE_URL does not name a PostgreSQL server")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"apoa_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        admin.dispose()
        _skip_or_fail(f"PostgreSQL server not reachable: {error.__class__.__name__}")
    url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate_and_load(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    """Give each test a clean database: a copy of the template (SQLite) or truncated tables."""
    if ENGINE == "sqlite":
        source = Path(sa.make_url(template_database).database or "")
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    yield template_database
    engine = sa.create_engine(template_database)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
            if r[0] not in REFERENCE_TABLES
        ]
        if tables:
            # TRUNCATE does not fire the append-only DELETE trigger on audit_events.
            conn.exec_driver_sql(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
    engine.dispose()


# ---------------------------------------------------------------- app and clients


class IsolatedClient(FlaskClient):
    """Run every request in an app context of its own, as a server would.

    Otherwise a request would reuse the test's app context, sharing `g` (and
    Flask-Login's cached user) and the database session with the test.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        from flask import has_app_context

        from apoa.extensions import db

        if has_app_context():
            # End the test's own transaction: the request sees what the test
            # wrote, and the test's next read sees what the request wrote.
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build extra apps on the test's database, e.g. with CSRF on or production cookies."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(_config(database_url, **overrides))
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            from apoa.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        from apoa.extensions import db
        from apoa.regions.loading import load_offices

        load_offices()
        db.session.commit()
        yield app


@pytest.fixture
def db(app: Flask) -> Any:
    from apoa.extensions import db

    return db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# ---------------------------------------------------------------- factories


@pytest.fixture
def create_user(app: Flask) -> Callable[..., Any]:
    """Create a user directly (not through the admin service); returns the flushed User."""
    from apoa.accounts.models import User
    from apoa.accounts.passwords import hash_password
    from apoa.compliance import summaries
    from apoa.db import utcnow
    from apoa.extensions import db
    from apoa.regions.models import Office

    counter = {"n": 0}

    def create(
        role: str = "reporter",
        *,
        username: str | None = None,
        password: str = TEST_PASSWORD,
        reporter_kind: str | None = None,
        office_code: str | None = None,
        area_code: str | None = None,
        rw: int | None = None,
        rt: int | None = None,
        **extra: Any,
    ) -> User:
        counter["n"] += 1
        if role == "reporter" and reporter_kind is None:
            reporter_kind = "lodging"
        if reporter_kind in ("rt_rw", "lurah") and area_code is None:
            area_code = "5103011004"  # Legian, Kuta, Badung, Bali
        if reporter_kind == "rt_rw" and rw is None:
            rw = 2
        office_id = None
        if role == "officer":
            code = office_code or "kanim-ngurah-rai"
            office_id = db.session.scalar(sa.select(Office.id).where(Office.code == code))
        user = User(
            username=username or f"{role}{counter['n']}",
            full_name=extra.pop("full_name", f"Test {role.title()} {counter['n']}"),
            role=role,
            reporter_kind=reporter_kind if role == "reporter" else None,
            office_id=office_id,
            area_code=area_code,
            rw=rw,
            rt=rt,
            password_hash=hash_password(password),
            **extra,
        )
        db.session.add(user)
        db.session.flush()
        # As the admin services do: area reporters get their compliance ledger row.
        summaries.account_changed(user, now=utcnow())
        db.session.commit()
        return user

    return create


@pytest.fixture
def create_lodging(app: Flask) -> Callable[..., Any]:
    """Create a lodging (verified by default) at a geocoded address; returns it committed."""
    from apoa.compliance import summaries
    from apoa.db import utcnow
    from apoa.extensions import db
    from apoa.geocoding.services import get_geocoder, locate
    from apoa.lodgings.models import Lodging

    def create(
        operator: Any,
        *,
        name: str = "Hotel Melati",
        kind: str = "hotel",
        street: str = "Jl. Legian No. 10",
        region_code: str = "5103011004",  # Legian, Kuta: Kanim Ngurah Rai
        status: str = "verified",
    ) -> Lodging:
        location = locate(
            street=street, rt=None, rw=None, region_code=region_code, now=utcnow(),
            geocoder=get_geocoder(),
        )  # fmt: skip
        lodging = Lodging(
            operator_id=operator.id, name=name, kind=kind, location=location, status=status
        )
        db.session.add(lodging)
        db.session.flush()
        if status == "verified":  # as decide_lodging does: a verified lodging must report
            summaries.lodging_verified(lodging, now=utcnow())
        db.session.commit()
        return lodging

    return create


class AuthActions:
    """Sign in and out through the real forms (flaskr's AuthActions)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = TEST_PASSWORD, **extra: Any) -> Any:
        return self._client.post(
            "/login", data={"username": username, "password": password, **extra}
        )

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(client: FlaskClient, create_user: Callable[..., Any]) -> Callable[..., Any]:
    """Create a user of a role and sign the test client in as it."""

    def login(role: str = "reporter", **kwargs: Any) -> Any:
        user = create_user(role, **kwargs)
        response = AuthActions(client).login(user.username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return login

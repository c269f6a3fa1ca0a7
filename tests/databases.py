"""Databases for the tests: one migrated template per run, a clean copy per test.

A pytest plugin (registered in tests/conftest.py). The suite runs on SQLite by
default and on PostgreSQL with APOA_TEST_ENGINE=postgresql (TEST_DATABASE_URL
names the server; databases of our own are created and dropped).
APOA_REQUIRE_POSTGRES=1 turns a missing server into a failure instead of a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from apoa import create_app
from apoa.config import TestConfig, normalise_database_url
from apoa.extensions import db
from apoa.regions.loading import load_regions

ENGINE = os.environ.get("APOA_TEST_ENGINE", "sqlite")
# Tables whose content is reference data, loaded once per run and kept between tests.
REFERENCE_TABLES = {"regions", "region_search_terms", "alembic_version"}


def config_for(url: str, **overrides: Any) -> TestConfig:
    """Return the test configuration on a database, with settings changed as asked."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@pytest.fixture
def app_config() -> Callable[..., TestConfig]:
    """Return `config_for`: the test configuration on a database, with settings changed."""
    return config_for


def _postgres_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres")):
        return ""
    return normalise_database_url(url)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("APOA_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _migrate_and_load(url: str) -> None:
    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        load_regions()
        db.session.commit()
        db.engine.dispose()


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


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """Give a test an empty database of its own, not migrated (for the migration tests)."""
    if ENGINE == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = _postgres_server_url()
    if not server:
        _skip_or_fail("no PostgreSQL server")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"apoa_migr_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()

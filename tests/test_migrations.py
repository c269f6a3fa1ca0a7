"""Migrations: empty database to head, no drift from the models, and back down (both engines)."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from apoa import create_app
from apoa.extensions import db
from tests.conftest import ENGINE, _config, _postgres_server_url, _skip_or_fail


@pytest.fixture
def empty_database_url(tmp_path):
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


def _render_item(type_, obj, autogen_context):
    return False


def test_upgrade_matches_models_and_downgrades(empty_database_url):
    app = create_app(_config(empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()

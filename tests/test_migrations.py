"""Migrations: empty database to head, no drift from the models, and back down (both engines)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from apoa import create_app
from apoa.extensions import db


def _render_item(type_, obj, autogen_context):
    return False


def test_upgrade_matches_models_and_downgrades(empty_database_url, app_config):
    app = create_app(app_config(empty_database_url))
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

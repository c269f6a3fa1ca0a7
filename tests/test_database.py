"""Connection settings the application relies on, on the engine under test."""

from __future__ import annotations

import sqlalchemy as sa

from apoa.db import engine_options
from apoa.extensions import db


def test_postgresql_connections_get_jit_off_and_keep_given_options():
    given = {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000"}}
    options = engine_options("postgresql+psycopg://db/apoa", given)
    assert options["connect_args"]["options"] == "-c statement_timeout=5000 -c jit=off"
    assert options["pool_pre_ping"] is True
    assert given["connect_args"]["options"] == "-c statement_timeout=5000"  # not changed in place
    assert engine_options("sqlite:///apoa.sqlite3", given) is given


def test_the_app_engine_is_configured_for_its_dialect(app):
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            assert conn.execute(sa.text("SHOW jit")).scalar_one() == "off"
        else:
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar_one() == 10000

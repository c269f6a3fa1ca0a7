"""`flask apoa` commands: reference and demo data load idempotently."""

from __future__ import annotations

import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.compliance.models import Ledger
from apoa.regions.models import Office, Region
from apoa.reports.models import Stay


def test_load_reference_is_idempotent(app, db, runner):
    first = runner.invoke(args=["apoa", "load-reference"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["apoa", "load-reference"])
    assert "regions: 0 added; offices: 0 added" in second.output
    counts = dict(
        db.session.execute(sa.select(Region.level, sa.func.count()).group_by(Region.level)).all()
    )
    assert counts[1] == 38
    assert counts[2] == 514
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Office)) >= 14


def test_seed_demo_is_idempotent_and_keeps_user_changes(app, db, runner, tmp_path):
    app.instance_path = str(tmp_path)
    first = runner.invoke(args=["apoa", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output
    db.session.execute(
        sa.update(User).where(User.username == "admin").values(full_name="Changed By User")
    )
    db.session.commit()
    second = runner.invoke(args=["apoa", "seed-demo"])
    assert second.exit_code == 0
    # Same logins printed, nothing regenerated; the demo guests are reported once only.
    assert "Demo lodgings and guests" in first.output
    assert second.output == first.output.replace(
        "Demo lodgings and guests reported for hotel.legian.\n", ""
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 5
    ledgers = db.session.scalars(sa.select(Ledger).order_by(Ledger.id)).all()
    assert [ledger.kind for ledger in ledgers] == ["rt_rw", "lurah", "lodging", "lodging"]
    assert (
        db.session.scalar(sa.select(User.full_name).where(User.username == "admin"))
        == "Changed By User"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 6


def test_seed_demo_refuses_production(make_app):
    app = make_app(ENV_NAME="production")
    result = app.test_cli_runner().invoke(args=["apoa", "seed-demo"])
    assert result.exit_code != 0


def test_create_admin_prints_a_one_time_password(app, db, runner):
    result = runner.invoke(args=["apoa", "create-admin", "Kepala.Admin"])
    assert result.exit_code == 0, result.output
    password = result.output.rsplit(" ", 1)[1].strip()
    user = db.session.scalar(sa.select(User).where(User.username == "kepala.admin"))
    assert user.role == "admin"
    assert user.must_change_password
    client = app.test_client()
    response = client.post("/login", data={"username": "kepala.admin", "password": password})
    assert response.headers["Location"] == "/account/password"
    again = runner.invoke(args=["apoa", "create-admin", "kepala.admin"])
    assert again.exit_code != 0

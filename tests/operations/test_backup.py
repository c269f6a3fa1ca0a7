"""The restore drill: back up a live database, restore it into an empty one, upgrade, compare.

On the engine under test: SQLite's online-backup API, or pg_dump / pg_restore.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from apoa.accounts.models import User
from apoa.audit.services import first_broken_event
from apoa.extensions import db
from apoa.lodgings.models import Lodging
from apoa.reports.models import Stay


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: conn.scalar(sa.select(sa.func.count()).select_from(table))
                for name, table in sorted(db.metadata.tables.items())
            } | {"alembic_version": conn.scalar(sa.text("SELECT count(*) FROM alembic_version"))}
    finally:
        engine.dispose()


@pytest.fixture
def a_day_of_reports(app, create_user, verified_lodging, create_stay, login_as, client):
    operator, lodging = verified_lodging
    create_stay(operator, lodging, 3)
    create_stay(create_user("reporter", reporter_kind="rt_rw"), "5103011004", 2)
    db.session.commit()
    login_as("officer")
    client.get("/compliance/")  # audited reads: the trail is part of what is restored
    return operator, lodging


def test_a_backup_restores_into_an_empty_database_with_the_same_rows(
    app, runner, a_day_of_reports, database_url, empty_database_url, make_app, tmp_path
):
    backup_file = tmp_path / "backups" / "apoa.dump"
    result = runner.invoke(args=["apoa", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 10_000
    assert not list(backup_file.parent.glob("*.partial"))

    restored = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with restored.app_context():  # the fixture's app context would otherwise be current
        result = restored.test_cli_runner().invoke(args=["apoa", "restore", str(backup_file)])
        assert result.exit_code == 0, result.output
        upgrade()  # as the drill says: restore, then `flask db upgrade`
        assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 5
        assert first_broken_event() is None  # the audit trail's hash chain is whole

    before, after = _counts(database_url), _counts(empty_database_url)
    assert after == before
    assert before["stays"] == 5
    assert before["audit_events"] > 0


def test_a_restore_refuses_a_database_that_has_tables(app, runner, a_day_of_reports, tmp_path):
    backup_file = tmp_path / "apoa.dump"
    assert runner.invoke(args=["apoa", "backup", str(backup_file)]).exit_code == 0
    result = runner.invoke(args=["apoa", "restore", str(backup_file)])
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 5


def test_a_missing_backup_is_refused_with_a_message(app, runner, tmp_path):
    result = runner.invoke(args=["apoa", "restore", str(tmp_path / "nothing.dump")])
    assert result.exit_code == 1
    assert "no backup at" in result.output


def test_the_backup_is_consistent_while_reports_go_on(
    app, runner, a_day_of_reports, create_stay, empty_database_url, make_app, tmp_path
):
    """Check-ins committed during the backup are either wholly in it or wholly not."""
    operator_id, lodging_id = (row.id for row in a_day_of_reports)
    stop = threading.Event()
    writer_app = make_app()
    written = []

    def keep_reporting() -> None:
        with writer_app.app_context():
            operator, lodging = (
                db.session.get(User, operator_id),
                db.session.get(Lodging, lodging_id),
            )
            while not stop.is_set():
                create_stay(operator, lodging, 2)
                db.session.commit()
                written.append(2)

    writer = threading.Thread(target=keep_reporting)
    writer.start()
    try:
        backup_file = tmp_path / "during.dump"
        assert runner.invoke(args=["apoa", "backup", str(backup_file)]).exit_code == 0
    finally:
        stop.set()
        writer.join(timeout=60)
    restored = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["apoa", "restore", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert written, "the writer reported nothing during the backup"
    counts = _counts(empty_database_url)
    assert counts["stays"] % 2 == 1  # 3 + 2 before, then whole families of two
    assert counts["stays"] == counts["persons"]

"""The check-in's write transaction: SQLite's lock taken at the first write, the warnings kept.

A check-in only adds rows (the guest's person is read first, the one-time key and the
receipt number collide in the database if a twin wins), so on SQLite its request reads
without the write lock and takes it with the first INSERT (`writes_late`). A check-out
reads a stay and then changes it: its request keeps the lock from the first statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from apoa.audit.models import AuditEvent
from apoa.audit.services import record_event
from apoa.reports.models import Receipt, Stay
from tests.factories import TEST_PASSWORD, guest_form, stay_form

pytestmark = pytest.mark.dates


def _sqlite_only(db) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, not the database")


@contextmanager
def _statements(db) -> Iterator[list[tuple[str, bool]]]:
    """Record (first word, inside a transaction) for each statement the engine runs."""
    seen: list[tuple[str, bool]] = []

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0].upper(), conn.connection.dbapi_connection.in_transaction))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(db.engine, "after_cursor_execute", after)


def _sign_in(client, user) -> None:
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302


def _check_in(lodging_id: int, key: str, **guest: str) -> dict[str, str]:
    return {
        "lodging_id": str(lodging_id),
        "head": "0",
        **stay_form(submission_key=key),
        **guest_form(0, **guest),
        "submit": "1",
    }


def test_a_check_in_reads_outside_the_lock_and_writes_inside_it(db, client, verified_lodging):
    _sqlite_only(db)
    operator, lodging = verified_lodging
    _sign_in(client, operator)
    form = _check_in(lodging.id, str(uuid.uuid4()))
    db.session.commit()  # the test's own session: nothing of it left open
    with _statements(db) as seen:
        response = client.post("/reports/check-in", data=form)
    assert response.status_code == 302
    first_write = next(i for i, (word, _) in enumerate(seen) if word != "SELECT")
    assert first_write > 0, seen  # the user and the lodgings are read first
    assert not any(inside for _, inside in seen[:first_write]), seen
    assert all(inside for _, inside in seen[first_write:]), seen
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 1


def test_a_check_out_holds_the_lock_from_its_first_read(db, client, verified_lodging, create_stay):
    _sqlite_only(db)
    operator, lodging = verified_lodging
    stay = create_stay(operator, lodging).stay
    db.session.commit()
    _sign_in(client, operator)
    departure = stay_form()
    form = {
        "stay_ids": str(stay.id),
        "checked_out_date": departure["check_in_date"],
        "checked_out_time": departure["check_in_time"],
        "submission_key": str(uuid.uuid4()),
    }
    with _statements(db) as seen:
        response = client.post("/reports/check-out", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert seen
    assert all(inside for _, inside in seen), seen
    db.session.expire_all()
    assert db.session.get(Stay, stay.id).status == "checked_out"


def test_the_audit_chain_is_read_under_the_lock_in_a_late_writing_request(app, db):
    _sqlite_only(db)
    record_event("test.first", actor=None)
    db.session.commit()
    with app.test_request_context("/reports/check-in", method="POST"), _statements(db) as seen:
        db.session.execute(sa.select(sa.literal(1)))  # a read: no lock yet
        record_event("test.second", actor=None)  # reads the last hash, then appends
        db.session.commit()
    assert seen[0] == ("SELECT", False)
    assert len(seen) > 1
    assert all(inside for _, inside in seen[1:]), seen
    first, second = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[-2:]
    assert second.prev_hash == first.hash


def test_the_warnings_come_with_the_receipt_and_with_its_repeat(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _sign_in(client, operator)
    key = str(uuid.uuid4())
    data = _check_in(lodging.id, key, passport_expiry="2020-01-01")
    for attempt in ("first", "repeat"):
        response = client.post("/reports/check-in", data=data, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert "the passport has expired" in page or "paspor sudah" in page.lower(), attempt
    assert db.session.scalar(sa.select(sa.func.count(Receipt.id))) == 1

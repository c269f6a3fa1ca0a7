"""The audit trail: append-only, hash-chained, in UTC (docs/security.md R16)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from apoa.audit.models import AuditEvent
from apoa.audit.services import first_broken_event, record_event


def test_audit_events_are_append_only_and_chained(app, db, create_user):
    user = create_user("admin")
    for i in range(3):
        record_event("test.event", actor=user, details={"i": i, "name": "line\nbreak"})
    db.session.commit()
    assert first_broken_event() is None
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.update(AuditEvent).values(outcome="tampered"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.delete(AuditEvent))
    db.session.rollback()
    details = db.session.scalars(sa.select(AuditEvent.details)).all()
    assert all("\n" not in d for d in details)


def test_hash_chain_detects_a_changed_row(app, db, create_user):
    user = create_user("admin")
    for i in range(3):
        record_event("test.event", actor=user, details={"i": i})
    db.session.commit()
    middle = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[1]
    # Bypass the trigger the way an attacker with file access could.
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
    else:
        db.session.execute(
            sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
        )
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == middle.id).values(outcome="tampered")
    )
    db.session.commit()
    assert first_broken_event() == middle.id
    if db.engine.dialect.name != "sqlite":
        db.session.execute(
            sa.text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")
        )
        db.session.commit()


def test_audit_timestamps_are_utc(app, db, create_user):
    user = create_user("admin")
    event = record_event("test.event", actor=user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).at.utcoffset() == timedelta(0)

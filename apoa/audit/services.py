"""Write and check the audit trail. Events join the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from flask import has_request_context, request

from apoa import clock
from apoa.audit.models import AuditEvent
from apoa.db import start_writing
from apoa.extensions import db

# A fixed key for PostgreSQL's advisory lock: one writer extends the chain at a time.
_CHAIN_LOCK_KEY = 0x41504F41


class Actor(Protocol):
    """Who acted: a user (the audit trail sits below accounts and reads only these)."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...


def _digest(event: AuditEvent) -> str:
    payload = json.dumps(
        [
            event.prev_hash,
            event.at.isoformat(timespec="microseconds"),
            event.actor_id,
            event.actor_name,
            event.actor_role,
            event.ip,
            event.action,
            event.object_type,
            event.object_id,
            event.outcome,
            event.details,
        ],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def client_ip() -> str | None:
    """Return the client address of the current request (after ProxyFix), if any."""
    return request.remote_addr if has_request_context() else None


def record_event(
    action: str,
    *,
    actor: Actor | None,
    object_type: str | None = None,
    object_id: object = None,
    outcome: str = "success",
    details: Mapping[str, Any] | None = None,
    actor_name: str | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append an audit event to the current transaction.

    `details` must never hold passwords or passport numbers; it is stored as
    JSON, so a newline in a user name cannot forge a second line.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK_KEY)))
    else:
        start_writing(session)  # SQLite: the last hash is read under the write lock
    prev_hash = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    at = now or clock.now()
    event = AuditEvent(
        at=at,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else actor_name,
        actor_role=actor.role if actor is not None else None,
        ip=ip if ip is not None else client_ip(),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        outcome=outcome,
        details=json.dumps(dict(details), ensure_ascii=False, sort_keys=True, default=str)
        if details
        else None,
        prev_hash=prev_hash,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


def first_broken_event() -> int | None:
    """Return the id of the first event whose hash or link does not verify, or None."""
    prev = None
    for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        if event.prev_hash != prev or event.hash != _digest(event):
            return event.id
        prev = event.hash
    return None


def list_events(
    *,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> sa.Select[AuditEvent]:
    """Return a query for audit events, newest first, with optional filters."""
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor_name == actor)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    return query

"""One-time submission keys: a double tap, a re-post or a retry gets the first receipt.

Every report form carries a UUID. The key is claimed (inserted) before the report
is made, so a concurrent twin collides on the primary key; the key is bound to a
hash of what the submission says, so one key cannot carry two reports (security.md R14).
`submit_once` runs a report use case under a key and commits the request once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest, Conflict, UnprocessableEntity

from apoa.accounts.models import User
from apoa.extensions import db
from apoa.reports.models import Receipt, SubmissionKey

# Buttons and tokens are not part of what a submission says.
NOT_CONTENT = frozenset(
    {"csrf_token", "submission_key", "submit", "add_guest", "remove_guest", "fill_mrz"}
)


def content_hash(items: Iterable[tuple[str, str]]) -> str:
    """Hash what a submission says (its name/value pairs, buttons and tokens left out)."""
    content = sorted((name, value) for name, value in items if name not in NOT_CONTENT)
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def _valid_key(key: str | None) -> str:
    try:
        return str(uuid.UUID(key or ""))
    except ValueError:
        raise BadRequest("a one-time submission key is required") from None


def _earlier(actor: User, key: str, body_hash: str) -> Receipt | None:
    """Return the receipt an earlier use of the key produced (None: none yet)."""
    row = db.session.get(SubmissionKey, (actor.id, key))
    if row is None:
        return None
    if row.body_hash != body_hash:
        raise UnprocessableEntity("this key was used for another submission")
    return db.session.get(Receipt, row.receipt_id) if row.receipt_id else None


def _earlier_or_conflict(actor: User, key: str, body_hash: str) -> Receipt:
    """After a collision: the twin's receipt, or 409 while the twin is still running."""
    earlier = _earlier(actor, key, body_hash)
    if earlier is None:
        raise Conflict("the same submission is being processed")
    return earlier


def _commit_keeping_state() -> None:
    """Commit without expiring what the request holds: it wrote those rows itself.

    The view then only shows the receipt's number and the reporter's name; reading
    them back would open a second transaction (on SQLite, a second write lock).
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def submit_once(
    actor: User,
    key: str | None,
    body_hash: str,
    make_report: Callable[[], Receipt],
    *,
    now: datetime,
) -> Receipt:
    """Run `make_report` once per key and commit; a repeat returns the first receipt.

    Domain errors from `make_report` roll everything back (the key included) and
    propagate, so the reporter can correct the form and send it again.
    """
    key = _valid_key(key)
    earlier = _earlier(actor, key, body_hash)
    if earlier is not None:
        return earlier
    claimed = SubmissionKey(reporter_id=actor.id, key=key, body_hash=body_hash, created_at=now)
    db.session.add(claimed)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # a twin request committed this key a moment ago
        return _earlier_or_conflict(actor, key, body_hash)
    try:
        receipt = make_report()
    except Exception:
        db.session.rollback()
        raise
    claimed.receipt_id = receipt.id
    try:
        _commit_keeping_state()
    except IntegrityError:
        # Another request committed the same key, or the same nil report, first.
        db.session.rollback()
        return _earlier_or_conflict(actor, key, body_hash)
    return receipt

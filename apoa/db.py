"""Shared database pieces: naming convention, UTC timestamps, SQLite pragmas, PostgreSQL options."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from apoa import clock

# Named constraints keep migrations deterministic on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current instant (the column default): the request's, through apoa.clock."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC; SQLite would otherwise drop the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        # SQLite stores text; keep it naive UTC so comparisons sort correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# How long a SQLite writer waits for the lock before the request answers 503.
SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000"))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Put SQLite in WAL mode with a busy timeout so concurrent writers wait."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (the recipe in
    # SQLAlchemy's pysqlite notes), so writes can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Connection) -> None:
    """Open the SQLite transactions of POST (and other writing) requests with BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes fails at once with
    "database is locked" when another writer committed in between; taking the
    write lock first makes it wait for busy_timeout instead. GET requests,
    commands and tests keep a deferred BEGIN, so readers never queue behind writers.
    """
    if conn.dialect.name != "sqlite":
        return
    writing = _is_writing_request()
    if writing and _view_marked("writes_late"):
        conn.info[_WRITE_PENDING] = True  # BEGIN IMMEDIATE comes with the first write
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


_WRITE_PENDING = "apoa.sqlite_write_pending"
_READS = ("SELECT", "PRAGMA")


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_begin_at_first_write(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
    """In a `writes_late` request, take SQLite's write lock just before the first write.

    The reads before it (the user, the lodgings, the code lists) then run outside the
    lock, each on its own snapshot, so other workers can write meanwhile.
    """
    if not conn.info.get(_WRITE_PENDING):
        return
    if statement.lstrip()[:6].upper().startswith(_READS):
        return
    del conn.info[_WRITE_PENDING]
    if not statement.lstrip()[:5].upper().startswith("BEGIN"):
        cursor.execute("BEGIN IMMEDIATE")


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_transaction_ended(conn: Connection) -> None:
    # Not on a connection the server dropped: reading its `info` would try to reconnect
    # and raise inside the rollback, hiding the OperationalError that answers 503.
    if conn.dialect.name != "sqlite" or conn.invalidated:
        return
    conn.info.pop(_WRITE_PENDING, None)


def start_writing(session: Any) -> None:
    """Take the write lock now: a read that must see the last committed write comes next.

    The audit chain reads the last hash before appending to it; in a `writes_late`
    request on SQLite that read must already hold the lock. Elsewhere this does nothing
    (PostgreSQL serialises the chain with its own lock).
    """
    conn = session.connection()
    if conn.info.get(_WRITE_PENDING):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _is_writing_request() -> bool:
    if not has_request_context():
        return False
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    return _view_marked("writes_on_get")


def _view_marked(mark: str) -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, mark, False))


def writes_on_get(view: Any) -> Any:
    """Mark a GET view that writes (an audit event on reading personal data).

    On SQLite its transaction then starts with BEGIN IMMEDIATE too: a deferred
    read that later writes fails at once if another writer committed meanwhile.
    """
    view.writes_on_get = True
    return view


def writes_late(view: Any) -> Any:
    """Mark a writing view whose reads need no write lock: new rows only, conflicts caught.

    On SQLite its transaction takes the write lock at the first write rather than at
    the first read, so the lock is held for the writes alone (docs/architecture.md).
    A view that reads a row and then changes it (a check-out) must not be marked:
    on SQLite only the lock taken up front keeps two such requests apart.
    """
    view.writes_late = True
    return view


# PostgreSQL's JIT compiles the long status CASE expressions of the compliance
# queries whenever their estimated cost passes jit_above_cost: up to 450 ms of
# compiling for a 40 ms query (docs/benchmarks.md). Our queries are short; no JIT.
POSTGRESQL_OPTIONS = "-c jit=off"


def engine_options(url: str | None, options: dict[str, Any]) -> dict[str, Any]:
    """Return the engine options for `url`: PostgreSQL connections get POSTGRESQL_OPTIONS."""
    if not url or not url.startswith("postgresql"):
        return options
    connect_args = dict(options.get("connect_args", {}))
    given = connect_args.get("options", "")
    connect_args["options"] = f"{given} {POSTGRESQL_OPTIONS}".strip()
    return {**options, "connect_args": connect_args}


# ---------------------------------------------------------------- after the commit

_AFTER_COMMIT = "apoa_after_commit"


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once this app context's transaction has committed; drop it on rollback.

    For what must not happen before the rows are visible (a queue job that reads them)
    or at all if they never are (a metric of committed reports). Outside an app
    context there is nothing to wait for, and the action is dropped.
    """
    if has_app_context():
        g.setdefault(_AFTER_COMMIT, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if has_app_context():
        for action in g.pop(_AFTER_COMMIT, []):
            action()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if has_app_context():
        g.pop(_AFTER_COMMIT, None)

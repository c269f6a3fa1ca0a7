"""Backups while the service runs, and a restore into an empty database (docs/operations.md).

- SQLite: the online-backup API (`sqlite3.Connection.backup`) copies the database in one
  read transaction while other connections go on reading and writing; the copy is one
  consistent state, WAL included.
- PostgreSQL: `pg_dump --format=custom` (a consistent snapshot, not blocking writers),
  restored with `pg_restore --single-transaction`: all or nothing.

A backup is written to a temporary name beside the target and renamed when complete,
so a half-written file never looks like a backup. A restore refuses a database that
already has tables: it never mixes two states.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa


class RestoreRefused(Exception):
    """Nothing was done: the target is not empty, the backup or a client program is missing."""


def _is_sqlite(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump/pg_restore (no SQLAlchemy driver, no password: PGPASSWORD)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _program(name: str) -> str:
    """The PostgreSQL client program's full path (PG_BIN first, then PATH)."""
    found = shutil.which(name, path=os.environ.get("PG_BIN")) or shutil.which(name)
    if not found:
        raise RestoreRefused(f"{name} not found: install postgresql-client (or set PG_BIN)")
    return found


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise RestoreRefused("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def backup(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the database to `target`; return it."""
    url = sa.make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    if _is_sqlite(url):
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(partial)
        try:
            # In one step: a single read transaction, which in WAL mode holds no writer
            # back; copying in steps would start again after every write of another process.
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        address, env = _libpq(url)
        subprocess.run(  # noqa: S603 - fixed program, our own arguments
            [_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             "--file", str(partial), address],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
    partial.replace(target)
    return target


def restore(source: Path, database_url: str) -> None:
    """Load a backup into an empty database (run `flask db upgrade` after it)."""
    if not source.is_file():
        raise RestoreRefused(f"no backup at {source}")
    url = sa.make_url(database_url)
    engine = sa.create_engine(url)
    try:
        if sa.inspect(engine).get_table_names():
            raise RestoreRefused("the database is not empty: restore only into an empty one")
    finally:
        engine.dispose()
    if _is_sqlite(url):
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            backup_file.backup(target)
        finally:
            target.close()
            backup_file.close()
        return
    address, env = _libpq(url)
    subprocess.run(  # noqa: S603 - fixed program, our own arguments
        [_program("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", "--dbname", address, str(source)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip

"""Counters kept in summary tables: add to a row, creating it when missing, on either engine.

The map's cluster cells and the compliance summaries are sums; both keep them
with one dialect-specific `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`;
the alerts insert through the same `dialect_insert` and skip what exists.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from apoa.extensions import db


def dialect_insert(model: type[Any]) -> Any:
    """Return an INSERT with the engine's ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def add_counts(model: type[Any], keys: tuple[str, ...], rows: Iterable[Mapping[str, Any]]) -> None:
    """Add each row's numbers to the row with the same key, creating it when missing.

    Rows with the same key are merged first, so each key is written once; rows
    naming the same columns go to the driver together, as one executemany of a
    statement built and compiled once per shape (a report writes ~20 rows of 3 shapes).
    """
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        acc = merged.setdefault(key, {k: row[k] for k in keys})
        for name, value in row.items():
            if name not in keys:
                acc[name] = acc.get(name, 0) + value
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for key in sorted(merged, key=repr):  # a stable order: concurrent writers lock alike
        row = merged[key]
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    dialect = db.session.get_bind().dialect.name
    for columns, group in by_columns.items():
        db.session.execute(_upsert(dialect, model.__table__, keys, columns), group)


@functools.cache
def _upsert(dialect: str, table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """`INSERT … ON CONFLICT (keys) DO UPDATE SET n = n + excluded.n` for these columns.

    Built once per shape: SQLAlchemy's compiled cache then serves every later report.
    """
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={
            name: table.c[name] + statement.excluded[name] for name in columns if name not in keys
        },
    )

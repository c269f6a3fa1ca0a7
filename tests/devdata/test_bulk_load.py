"""The bulk load itself: the same rows on either engine, and the schema left as migrated."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from apoa.devdata.generate import generate
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging
from apoa.reports.models import NilReport, Person, Receipt, Stay, StayGroup

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)

# Seed 11, 2,000 stays, 40 reporters, at NOW, on a fresh test database. The digest
# covers every column of the rows below as the ORM reads them back, so a change to
# the generator's output shows here on both engines (the suite runs on both).
COUNTS = {
    "users": 40,
    "locations": 76,
    "lodgings": 48,
    "persons": 2000,
    "groups": 1109,
    "stays": 2000,
    "open_stays": 414,
    "nil_reports": 41,
}
DIGEST = "e4faa9f79ecd9bdf6aa1143b77732e1c1a31c585138f509b3e055d9a42410907"
DIGESTED = (Location, Lodging, StayGroup, Person, Stay, Receipt, NilReport)


def _plain(value: Any) -> str:
    """One text form per value on both engines (aware datetimes in UTC, floats rounded)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.9f}"
    return repr(value)


def _digest(db) -> str:
    digest = hashlib.sha256()
    for model in DIGESTED:
        columns = [c for c in model.__table__.columns]
        rows = db.session.execute(sa.select(*columns).order_by(model.__table__.c.id))
        for row in rows:
            digest.update("|".join(_plain(v) for v in row).encode())
            digest.update(b"\n")
    return digest.hexdigest()


def test_the_same_seed_writes_the_same_rows_on_either_engine(db):
    result = generate(stays=2000, reporters=40, seed=11, now=NOW)
    db.session.commit()
    assert {key: result[key] for key in COUNTS} == COUNTS
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == COUNTS["stays"]
    assert _digest(db) == DIGEST

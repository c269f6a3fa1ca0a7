"""Row-level access and every office or area filter, in one place (security.md R10).

Every query for scoped data starts here: `visible(Model, actor)` returns a
SELECT already limited to what the actor may see, and `get_visible_or_404`
answers 404 for anything outside it, so a changed id in a URL reveals nothing.
Each domain registers how its models are scoped with `@scope_for(Model)`, in
its own `scopes.py` (imported with the models by apoa.models).

Queries that count or list by office (ledgers, alerts, map cells, the
dashboard's figures) build their condition from the typed primitives below
(`office_clause`, `of_office`, `in_jurisdiction`), never from a hand-written
`office_id ==`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort

from apoa.accounts.models import Role, User
from apoa.extensions import db
from apoa.regions.models import OfficeJurisdiction

M = TypeVar("M")
AnySelect = sa.Select[*tuple[Any, ...]]
ScopeFn = Callable[[AnySelect, User], AnySelect]
Column = sa.SQLColumnExpression[Any]
_SCOPES: dict[type, ScopeFn] = {}

# The office key of places no office covers, where a key column cannot be NULL
# (map cells, ledgers, office days, presence counts); alerts, whose office is a
# foreign key, store NULL instead.
NO_OFFICE = 0


def scope_for(model: type) -> Callable[[ScopeFn], ScopeFn]:
    """Register the function that limits queries of `model` to an actor's rows."""

    def register(fn: ScopeFn) -> ScopeFn:
        _SCOPES[model] = fn
        return fn

    return register


def visible(model: type[M], actor: User) -> sa.Select[M]:
    """Return a SELECT of the rows of `model` that `actor` may see."""
    if model not in _SCOPES:
        raise LookupError(f"no scope registered for {model.__name__}")
    return _SCOPES[model](sa.select(model), actor)


def get_visible_or_404(model: type[M], ident: Any, actor: User, *, for_update: bool = False) -> M:
    """Load one row the actor may see, or answer 404 (also when it exists but is out of scope).

    `for_update` locks the row on PostgreSQL, so two changes to one stay queue
    instead of both writing the same version.
    """
    pk = sa.inspect(model).primary_key[0]
    query = visible(model, actor).where(pk == ident)
    if for_update:
        query = query.with_for_update(of=model)
    row = db.session.scalar(query)
    if row is None:
        abort(404)
    return row


# ---------------------------------------------------------------- offices


def office_clause(
    actor: User, office_column: Column, *, personal: bool = False
) -> sa.ColumnElement[bool]:
    """Return the condition for the rows of `office_column` the actor's office may see.

    Admins see every office (national figures) unless the rows are `personal`
    (they name guests: admins see none, security.md R10); officers their own
    office; everyone else none.
    """
    if actor.role == Role.ADMIN:
        return sa.false() if personal else sa.true()
    if actor.role == Role.OFFICER and actor.office_id is not None:
        return office_column == actor.office_id
    return sa.false()


def of_office(
    office_column: Column, office_id: int | None, *, no_office_is_null: bool = False
) -> sa.ColumnElement[bool]:
    """Return the condition for one chosen office's rows (None: every office, the country).

    `no_office_is_null` is for a foreign-key column (alerts), where the places no
    office covers (NO_OFFICE) are stored as NULL.
    """
    if office_id is None:
        return sa.true()
    if no_office_is_null and office_id == NO_OFFICE:
        return office_column.is_(None)
    return office_column == office_id


def own_office(actor: User) -> int:
    """Return the office of an officer's pages; refuse (403) anyone without one.

    The schema gives every officer an office; refusing here keeps a page that
    lists one office from ever widening to the country.
    """
    if actor.role != Role.OFFICER or actor.office_id is None:
        abort(403)
    return actor.office_id


def office_shown(actor: User, requested: int | None = None) -> int | None:
    """Return the office whose figures a page shows the actor (None: the country).

    An officer always sees their own office, whatever the URL asks (R10); an
    admin sees the office asked for (NO_OFFICE: places no office covers), or the
    country. Anyone else is refused (403).
    """
    if actor.role == Role.ADMIN:
        return requested
    return own_office(actor)


def office_key(office_id: int | None) -> int:
    """Return the office key a summary row stores: NO_OFFICE when no office covers the place."""
    return office_id or NO_OFFICE


# ---------------------------------------------------------------- areas


def jurisdiction_codes(office_id: int) -> list[str]:
    """Return the regency and district codes an office covers."""
    return list(
        db.session.scalars(
            sa.select(OfficeJurisdiction.region_code).where(
                OfficeJurisdiction.office_id == office_id
            )
        )
    )


def in_jurisdiction(code_column: Column, office_id: int | None) -> sa.ColumnElement[bool]:
    """Return a condition: the region code in `code_column` lies inside the office's area.

    Region codes nest by prefix (regency 4 digits, district 6), so a regency
    covers every code that starts with it.
    """
    if office_id is None:
        return sa.false()
    covered = sa.select(OfficeJurisdiction.region_code).where(
        OfficeJurisdiction.office_id == office_id
    )
    return sa.or_(
        sa.func.substr(code_column, 1, 4).in_(covered),
        sa.func.substr(code_column, 1, 6).in_(covered),
    )


@scope_for(User)
def _users(query: AnySelect, actor: User) -> AnySelect:
    if actor.role == Role.ADMIN:
        return query
    if actor.role == Role.OFFICER:
        # Officers see their colleagues and the area reporters inside their jurisdiction;
        # lodging operators join in through their lodgings (reporting issue).
        return query.where(
            sa.or_(
                office_clause(actor, User.office_id),
                sa.and_(
                    User.role == Role.REPORTER, in_jurisdiction(User.area_code, actor.office_id)
                ),
            )
        )
    return query.where(User.id == actor.id)

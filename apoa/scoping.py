"""Row-level access in one place (security.md R10).

Every query for scoped data starts here: `visible(Model, actor)` returns a
SELECT already limited to what the actor may see, and `get_visible_or_404`
answers 404 for anything outside it, so a changed id in a URL reveals nothing.
Each domain registers how its model is scoped with `@scope_for(Model)`.
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
ScopeFn = Callable[[sa.Select[Any], User], sa.Select[Any]]
_SCOPES: dict[type, ScopeFn] = {}


def scope_for(model: type) -> Callable[[ScopeFn], ScopeFn]:
    """Register the function that limits queries of `model` to an actor's rows."""

    def register(fn: ScopeFn) -> ScopeFn:
        _SCOPES[model] = fn
        return fn

    return register


def visible(model: type[M], actor: User) -> sa.Select[tuple[M]]:
    """Return a SELECT of the rows of `model` that `actor` may see."""
    if model not in _SCOPES:
        raise LookupError(f"no scope registered for {model.__name__}")
    return _SCOPES[model](sa.select(model), actor)


def get_visible_or_404(model: type[M], ident: Any, actor: User) -> M:
    """Load one row the actor may see, or answer 404 (also when it exists but is out of scope)."""
    pk = sa.inspect(model).primary_key[0]  # type: ignore[union-attr]
    row = db.session.scalar(visible(model, actor).where(pk == ident))
    if row is None:
        abort(404)
    return row


def jurisdiction_codes(office_id: int) -> list[str]:
    """Return the regency and district codes an office covers."""
    return list(
        db.session.scalars(
            sa.select(OfficeJurisdiction.region_code).where(
                OfficeJurisdiction.office_id == office_id
            )
        )
    )


def in_jurisdiction(code_column: Any, office_id: int | None) -> sa.ColumnElement[bool]:
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
def _users(query: sa.Select[Any], actor: User) -> sa.Select[Any]:
    if actor.role == Role.ADMIN:
        return query
    if actor.role == Role.OFFICER:
        # Officers see their colleagues and the area reporters inside their jurisdiction;
        # lodging operators join in through their lodgings (reporting issue).
        return query.where(
            sa.or_(
                User.office_id == actor.office_id,
                sa.and_(
                    User.role == Role.REPORTER, in_jurisdiction(User.area_code, actor.office_id)
                ),
            )
        )
    return query.where(User.id == actor.id)


def _register_location_scopes() -> None:
    # Imported late: the models import the accounts package, which imports nothing from here.
    from apoa.geocoding.models import Location
    from apoa.lodgings.models import Lodging

    @scope_for(Lodging)
    def _lodgings(query: sa.Select[Any], actor: User) -> sa.Select[Any]:
        if actor.role == Role.ADMIN:
            return query
        if actor.role == Role.OFFICER:
            # Routed to the office, whatever the region code says (routing decides).
            return query.join(Location, Lodging.location_id == Location.id).where(
                Location.office_id == actor.office_id
            )
        return query.where(Lodging.operator_id == actor.id)

    @scope_for(Location)
    def _locations(query: sa.Select[Any], actor: User) -> sa.Select[Any]:
        if actor.role == Role.ADMIN:
            return query
        if actor.role == Role.OFFICER:
            return query.where(Location.office_id == actor.office_id)
        owned = sa.select(Lodging.location_id).where(Lodging.operator_id == actor.id)
        return query.where(Location.id.in_(owned))


_register_location_scopes()

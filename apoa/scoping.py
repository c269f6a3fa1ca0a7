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


def get_visible_or_404(model: type[M], ident: Any, actor: User, *, for_update: bool = False) -> M:
    """Load one row the actor may see, or answer 404 (also when it exists but is out of scope).

    `for_update` locks the row on PostgreSQL, so two changes to one stay queue
    instead of both writing the same version.
    """
    pk = sa.inspect(model).primary_key[0]  # type: ignore[union-attr]
    query = visible(model, actor).where(pk == ident)
    if for_update:
        query = query.with_for_update(of=model)
    row = db.session.scalar(query)
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


def _register_report_scopes() -> None:
    from apoa.geocoding.models import Location
    from apoa.reports.models import NilReport, Receipt, Stay, StayGroup

    @scope_for(Stay)
    def _stays(query: sa.Select[Any], actor: User) -> sa.Select[Any]:
        # Personal data: reporters see what they reported, officers their office's;
        # admins manage accounts and see no stays (security.md R10).
        if actor.role == Role.OFFICER:
            return query.where(Stay.office_id == actor.office_id)
        if actor.role == Role.REPORTER:
            return query.where(Stay.reporter_id == actor.id)
        return query.where(sa.false())

    @scope_for(StayGroup)
    def _groups(query: sa.Select[Any], actor: User) -> sa.Select[Any]:
        if actor.role == Role.REPORTER:
            return query.where(StayGroup.reporter_id == actor.id)
        if actor.role == Role.OFFICER:
            groups = visible(Stay, actor).with_only_columns(Stay.group_id)
            return query.where(StayGroup.id.in_(groups))
        return query.where(sa.false())

    @scope_for(Receipt)
    def _receipts(query: sa.Select[Any], actor: User) -> sa.Select[Any]:
        if actor.role == Role.REPORTER:
            return query.where(Receipt.reporter_id == actor.id)
        if actor.role == Role.OFFICER:
            return query.join(Location, Receipt.location_id == Location.id).where(
                Location.office_id == actor.office_id
            )
        return query.where(sa.false())

    @scope_for(NilReport)
    def _nil_reports(query: sa.Select[Any], actor: User) -> sa.Select[Any]:
        if actor.role == Role.REPORTER:
            return query.where(NilReport.reporter_id == actor.id)
        if actor.role == Role.OFFICER:
            receipts = visible(Receipt, actor).with_only_columns(Receipt.id)
            return query.where(NilReport.receipt_id.in_(receipts))
        return query.where(sa.false())


def stays_visible_to(actor: User) -> sa.Select[Any]:
    """Return the stays an actor may see: every stay query starts here (house-style.md 3.3)."""
    from apoa.reports.models import Stay

    return visible(Stay, actor)


_register_location_scopes()
_register_report_scopes()

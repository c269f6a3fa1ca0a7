"""Who sees which stays, groups, receipts and nil reports (security.md R10).

Personal data: reporters see what they reported, officers their office's;
admins manage accounts and see no stays. Registered with apoa.scoping; every
stay query starts from `stays_visible_to` (house-style.md 3.3).
"""

from __future__ import annotations

import sqlalchemy as sa

from apoa.accounts.models import Role, User
from apoa.geocoding.models import Location
from apoa.reports.models import NilReport, Receipt, Stay, StayGroup
from apoa.scoping import AnySelect, office_clause, scope_for, visible


def stays_visible_to(actor: User) -> sa.Select[Stay]:
    """Return the stays an actor may see: every stay query starts here."""
    return visible(Stay, actor)


@scope_for(Stay)
def _stays(query: AnySelect, actor: User) -> AnySelect:
    if actor.role == Role.REPORTER:
        return query.where(Stay.reporter_id == actor.id)
    return query.where(office_clause(actor, Stay.office_id, personal=True))


@scope_for(StayGroup)
def _groups(query: AnySelect, actor: User) -> AnySelect:
    if actor.role == Role.REPORTER:
        return query.where(StayGroup.reporter_id == actor.id)
    if actor.role == Role.OFFICER:
        groups = stays_visible_to(actor).with_only_columns(Stay.group_id)
        return query.where(StayGroup.id.in_(groups))
    return query.where(sa.false())


@scope_for(Receipt)
def _receipts(query: AnySelect, actor: User) -> AnySelect:
    if actor.role == Role.REPORTER:
        return query.where(Receipt.reporter_id == actor.id)
    return query.join(Location, Receipt.location_id == Location.id).where(
        office_clause(actor, Location.office_id, personal=True)
    )


@scope_for(NilReport)
def _nil_reports(query: AnySelect, actor: User) -> AnySelect:
    if actor.role == Role.REPORTER:
        return query.where(NilReport.reporter_id == actor.id)
    if actor.role == Role.OFFICER:
        receipts = visible(Receipt, actor).with_only_columns(Receipt.id)
        return query.where(NilReport.receipt_id.in_(receipts))
    return query.where(sa.false())

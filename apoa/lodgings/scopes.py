"""Who sees which lodgings and locations (security.md R10), registered with apoa.scoping.

The scope of a location lives here rather than in geocoding: a lodging
operator sees a place through the lodgings they run, and geocoding sits
below lodgings.
"""

from __future__ import annotations

import sqlalchemy as sa

from apoa.accounts.models import Role, User
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging
from apoa.scoping import AnySelect, office_clause, scope_for


@scope_for(Lodging)
def _lodgings(query: AnySelect, actor: User) -> AnySelect:
    if actor.role == Role.ADMIN:
        return query
    if actor.role == Role.OFFICER:
        # Routed to the office, whatever the region code says (routing decides).
        return query.join(Location, Lodging.location_id == Location.id).where(
            office_clause(actor, Location.office_id)
        )
    return query.where(Lodging.operator_id == actor.id)


@scope_for(Location)
def _locations(query: AnySelect, actor: User) -> AnySelect:
    if actor.role in (Role.ADMIN, Role.OFFICER):
        return query.where(office_clause(actor, Location.office_id))
    owned = sa.select(Lodging.location_id).where(Lodging.operator_id == actor.id)
    return query.where(Location.id.in_(owned))

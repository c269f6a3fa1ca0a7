"""Who sees which compliance summaries, registered with apoa.scoping.

Ledgers, office days and presence counts are kept per office (NO_OFFICE for
places no office covers): officers see their office's rows, admins every
office's (the national figures). A reporter sees the ledgers of their own
places and no office figures.
"""

from __future__ import annotations

from apoa.accounts.models import Role, User
from apoa.compliance.models import Ledger, OfficeDay, PresenceCount
from apoa.scoping import AnySelect, office_clause, scope_for


@scope_for(Ledger)
def _ledgers(query: AnySelect, actor: User) -> AnySelect:
    if actor.role == Role.REPORTER:
        return query.where(Ledger.reporter_id == actor.id)
    return query.where(office_clause(actor, Ledger.office_id))


@scope_for(OfficeDay)
def _office_days(query: AnySelect, actor: User) -> AnySelect:
    return query.where(office_clause(actor, OfficeDay.office_id))


@scope_for(PresenceCount)
def _presence_counts(query: AnySelect, actor: User) -> AnySelect:
    return query.where(office_clause(actor, PresenceCount.office_id))

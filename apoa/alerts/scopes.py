"""Who sees which alerts, registered with apoa.scoping.

Alerts name guests: only the officers of the alert's office see them
(security.md R10); admins see national counts, never the alerts themselves.
"""

from __future__ import annotations

from apoa.accounts.models import User
from apoa.alerts.models import Alert
from apoa.scoping import AnySelect, office_clause, scope_for


@scope_for(Alert)
def _alerts(query: AnySelect, actor: User) -> AnySelect:
    return query.where(office_clause(actor, Alert.office_id, personal=True))

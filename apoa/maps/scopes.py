"""Who sees which map cells, registered with apoa.scoping.

Cells hold counts only, no personal data: officers see their office's,
admins the whole country's, reporters none (the map is not theirs).
"""

from __future__ import annotations

from apoa.accounts.models import User
from apoa.maps.models import MapCell
from apoa.scoping import AnySelect, office_clause, scope_for


@scope_for(MapCell)
def _cells(query: AnySelect, actor: User) -> AnySelect:
    return query.where(office_clause(actor, MapCell.office_id))

"""The home page at "/": one per role; a reporter's shows the status of each of their places."""

from __future__ import annotations

from typing import Any

from flask import render_template

from apoa import clock
from apoa.accounts.models import Role
from apoa.compliance.labels import STATUS_LABELS
from apoa.compliance.places import reporter_places
from apoa.compliance.settings import deadline_hours
from apoa.home import bp
from apoa.security import current_actor

TEMPLATES: dict[str, str] = {Role.ADMIN: "home/admin.html", Role.OFFICER: "home/officer.html"}


@bp.get("/")
def index() -> Any:
    actor = current_actor()
    if actor.role != Role.REPORTER:
        return render_template(TEMPLATES[actor.role], due=[])
    now = clock.now()
    return render_template(
        "home/reporter.html",
        # The signed-in reporter's own places only (security.md R10).
        places=reporter_places(actor, now),
        place_status_labels=STATUS_LABELS,
        deadline_hours=deadline_hours(),
    )

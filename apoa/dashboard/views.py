"""The dashboard: an office's figures for its officers, the country's (or one office's) for admins.

Issue 6, point 5. Aggregates only: no guest, passport, reporter or lodging is
named (districts and offices are), so viewing it reads no personal data and is
not audited (security.md R16 audits views of personal data). Officers always
see their own office (`?office=` is ignored for them); admins see the whole
country, or one office, or the places no office covers, chosen with `?office=`.
`/dashboard/data.json` gives the same figures as JSON, scoped the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _

from apoa import clock
from apoa.accounts.models import Role
from apoa.dashboard import bp
from apoa.dashboard.figures import figures
from apoa.dashboard.present import present
from apoa.extensions import db
from apoa.regions.models import Office
from apoa.scoping import NO_OFFICE, office_shown
from apoa.security import current_actor, role_required

# ---------------------------------------------------------------- scope


def _requested_office() -> int | None:
    """The office an admin asks for with ?office= (None: the country); 404 for anything else."""
    raw = request.args.get("office", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        abort(404)
    office_id = int(raw)
    if office_id != NO_OFFICE and db.session.get(Office, office_id) is None:
        abort(404)
    return office_id


def _scope() -> tuple[int | None, str]:
    """The office whose figures to show (None: the country) and the scope's name."""
    actor = current_actor()
    # An officer's dashboard is their office's, whatever ?office= says (R10).
    requested = _requested_office() if actor.role == Role.ADMIN else None
    office_id = office_shown(actor, requested)
    if office_id is None:
        return None, _("All offices (national)")
    if office_id == NO_OFFICE:
        return NO_OFFICE, _("Places no office covers")
    office = db.session.get(Office, office_id)
    if office is None:  # an officer's office: the schema keeps it
        abort(404)
    return office.id, office.name


def _data() -> tuple[dict[str, Any], int | None]:
    office_id, name = _scope()
    officer = current_actor().role == Role.OFFICER
    return present(figures(office_id, now=clock.now()), name, officer=officer), office_id


# ---------------------------------------------------------------- views


@bp.get("/")
@role_required(Role.OFFICER, Role.ADMIN)
def index() -> Any:
    data, office_id = _data()
    offices = (
        db.session.execute(sa.select(Office.id, Office.name).order_by(Office.name)).all()
        if current_actor().role == Role.ADMIN
        else []
    )
    return render_template(
        "dashboard/index.html",
        data=data,
        office_id=office_id,
        offices=offices,
        no_office=NO_OFFICE,
        number=format_decimal,
        day=lambda iso: format_date(date.fromisoformat(iso), "medium"),
        percent=lambda value: format_percent(value / 100, "#,##0.#%"),
    )


@bp.get("/data.json")
@role_required(Role.OFFICER, Role.ADMIN)
def data_json() -> Any:
    data, _office_id = _data()
    return data

"""Officers' compliance pages: the list of reporting places, its exports, area coverage, history.

Issue 6, points 2 and 3. Officers only: each sees the places of their own
office (the ledger's office_id, set by the same routing as the stays').
Admins are refused (403): the national figures are on the dashboard, which
shows no names. Every view state (filters, sort, page) lives in the URL.
Exports and a reporter's history show names and contacts, so they are
audited (security.md R16); the list itself shows what the admin account list
shows and is not.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent
from flask_login import login_fresh

from apoa import clock
from apoa.accounts.labels import KIND_LABELS
from apoa.accounts.models import Role, User
from apoa.audit.services import record_event
from apoa.compliance import bp, history, listing, services
from apoa.compliance import coverage as area_coverage
from apoa.compliance.forms import ComplianceFilterForm
from apoa.compliance.labels import STATUS_LABELS
from apoa.compliance.listing import (
    COLUMNS,
    DEFAULT_SORT,
    ListQuery,
    ListRow,
    clean_sort,
    is_village_code,
    jurisdiction_districts,
    rows_cells,
    villages_of,
)
from apoa.compliance.settings import deadline_hours
from apoa.db import writes_on_get
from apoa.extensions import db
from apoa.inputs import page_number
from apoa.regions.queries import region_label
from apoa.scoping import own_office
from apoa.security import current_actor, role_required


def _office_id() -> int:
    return own_office(current_actor())


def _list_query() -> tuple[ComplianceFilterForm, ListQuery]:
    """Read the list's state from the URL; values outside the choices are ignored (and shown)."""
    office_id = _office_id()
    args = request.args
    form = ComplianceFilterForm(args)
    districts = jurisdiction_districts(office_id)
    known = {r.code for r in districts}
    wanted_district, wanted_village = args.get("district", ""), args.get("village", "")
    parent = (
        wanted_district
        if wanted_district in known
        else wanted_village[:6]
        if is_village_code(wanted_village) and wanted_village[:6] in known
        else None
    )
    form.set_region_choices(districts, villages_of(parent) if parent else [])
    form.validate()
    sort, direction = clean_sort(args.get("sort"), args.get("dir"))
    query = ListQuery(
        office_id=office_id,
        status=form.value("status"),
        kind=form.value("kind"),
        district=form.value("district"),
        village=form.value("village"),
        sort=sort,
        direction=direction,
        page=page_number(args.get("page")),
    )
    return form, query


def _sort_links(query: ListQuery) -> dict[str, dict[str, str]]:
    """For each column: the URL that sorts by it (flipping the direction if it is the sort)."""
    links = {}
    filters: dict[str, Any] = query.filter_args()
    for key, _label in COLUMNS:
        current = query.sort == key
        direction = ("desc" if query.direction == "asc" else "asc") if current else "asc"
        links[key] = {
            "url": url_for(".index", **filters, sort=key, dir=direction),
            "state": (
                ("ascending" if query.direction == "asc" else "descending") if current else ""
            ),
        }
    return links


@bp.get("/")
@role_required(Role.OFFICER)
def index() -> Any:
    form, query = _list_query()
    page = listing.list_page(query, now=clock.now())
    page_args = {**query.args(), "page": str(page.page)} if page.page > 1 else query.args()
    return render_template(
        "compliance/list.html",
        form=form,
        query=query,
        page=page,
        rows=list(zip(page.rows, rows_cells(page.rows), strict=True)),
        columns=COLUMNS,
        sort_links=_sort_links(query),
        status_labels=STATUS_LABELS,
        page_args=page_args,
        default_sort=DEFAULT_SORT,
        export_max=format_decimal(listing.EXPORT_MAX_ROWS),
    )


def _export(kind: str) -> Response:
    if not login_fresh():
        # Exports need a fresh sign-in (security.md R25). Officers never get a remembered
        # session (R6), so this only refuses a session restored some other way.
        abort(403)
    _form, query = _list_query()
    export = services.export_list(
        current_actor(),
        query,
        kind=kind,
        everything=request.args.get("all") == "1",
        now=clock.now(),
    )
    db.session.commit()
    return Response(
        export.body,
        content_type=export.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "X-Export-Rows": str(export.rows),
            "X-Export-Matching": str(export.matching),
        },
    )


@bp.get("/export.csv")
@role_required(Role.OFFICER)
@writes_on_get
def export_csv() -> Any:
    return _export("csv")


@bp.get("/export.xlsx")
@role_required(Role.OFFICER)
@writes_on_get
def export_xlsx() -> Any:
    return _export("xlsx")


def _percent(value: float | None) -> str:
    return format_percent(value) if value is not None else "–"


@bp.get("/coverage")
@role_required(Role.OFFICER)
def coverage() -> Any:
    office_id = _office_id()
    now = clock.now()
    districts = jurisdiction_districts(office_id)
    wanted = request.args.get("district", "")
    chosen = next((r for r in districts if r.code == wanted), None) if wanted else None
    if chosen is not None:
        figures = area_coverage.village_coverage(office_id, chosen.code, now=now)
    else:
        figures = area_coverage.district_coverage(office_id, now=now)
    return render_template(
        "compliance/coverage.html",
        figures=figures,
        district=chosen,
        unknown_district=bool(wanted) and chosen is None,
        districts=districts,
        percent=_percent,
    )


@bp.get("/reporters/<int:user_id>")
@role_required(Role.OFFICER)
@writes_on_get
def reporter(user_id: int) -> Any:
    officer = current_actor()
    found = history.reporter_for_officer(user_id, officer)
    if found is None:
        abort(404)  # not a reporter with a place in this office: reveal nothing
    now = clock.now()
    places = history.places(found, now=now)
    raw = request.args.get("ledger", "")
    place = next((row for row, _active in places if str(row.ledger_id) == raw), None)
    if raw and place is None:
        abort(404)
    page = history.receipts_page(officer, user_id, place, page_number(request.args.get("page")))
    lines = history.receipt_lines(officer, list(page.items))
    record_event(
        "compliance.reporter_view",
        actor=officer,
        object_type="user",
        object_id=user_id,
        details={"ledger": place.ledger_id if place else None, "page": page.page},
        now=now,
    )
    db.session.commit()
    return render_template(
        "compliance/history.html",
        **_history_context(found.user, places, place),
        page=page,
        lines=lines,
        nil_reports=history.nil_reports(officer, user_id, place),
    )


def _history_context(
    user: User, places: list[tuple[ListRow, bool]], place: ListRow | None
) -> dict[str, Any]:
    """What the history page shows besides the receipts: the reporter, places, labels."""
    cells = rows_cells(row for row, _active in places)
    return {
        "user": user,
        "area": region_label(user.area_code) if user.area_code else None,
        "places": [(row, active, c) for (row, active), c in zip(places, cells, strict=True)],
        "place": place,
        "region_of_lodging": {row.lodging_id: row.village_code for row, _active in places},
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "columns": COLUMNS,
        "local_time": listing.local_time,
        "format_day": lambda day: format_date(day, "medium"),
        "deadline_hours": deadline_hours(),
    }

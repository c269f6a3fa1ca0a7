"""Lodging registration (operators) and verification (officers of the routed office)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from apoa import clock
from apoa.accounts.models import ReporterKind, Role
from apoa.errors import FieldError, FieldErrors, copy_errors_to_form
from apoa.extensions import db
from apoa.geocoding.services import get_geocoder
from apoa.inputs import page_number
from apoa.lodgings import bp, services
from apoa.lodgings.forms import DecisionForm, LodgingForm
from apoa.lodgings.models import Lodging, LodgingStatus
from apoa.regions.queries import region_label
from apoa.scoping import get_visible_or_404, visible
from apoa.security import current_actor, role_required


@bp.get("/")
@role_required(Role.REPORTER, Role.OFFICER, Role.ADMIN)
def index() -> Any:
    query = visible(Lodging, current_actor()).order_by(
        Lodging.status.desc(), Lodging.created_at.desc()
    )
    status = request.args.get("status", "")
    if status in {s.value for s in LodgingStatus}:
        query = query.where(Lodging.status == status)
    page = db.paginate(
        query,
        page=page_number(request.args.get("page")),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
        error_out=False,
    )
    return render_template("lodgings/index.html", page=page, status=status)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.REPORTER)
def new() -> Any:
    if current_actor().reporter_kind != ReporterKind.LODGING:
        abort(403)
    form = LodgingForm()
    if form.validate_on_submit():
        data = {
            name: form[name].data
            for name in ("name", "kind", "nib", "street", "region_code", "rt", "rw", "postal_code")
        }
        try:
            lodging = services.register_lodging(
                current_actor(), data, gps=form.gps(), now=clock.now(), geocoder=get_geocoder()
            )
        except (FieldError, FieldErrors) as error:
            db.session.rollback()
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            flash(_("The lodging is registered. The immigration office will verify it."), "success")
            return redirect(url_for("lodgings.detail", lodging_id=lodging.id))
    return render_template("lodgings/form.html", form=form)


@bp.get("/<int:lodging_id>")
def detail(lodging_id: int) -> Any:
    lodging = get_visible_or_404(Lodging, lodging_id, current_actor())
    return render_template(
        "lodgings/detail.html",
        lodging=lodging,
        area=region_label(lodging.location.region_code),
        form=DecisionForm(),
    )


@bp.post("/<int:lodging_id>/verify")
@role_required(Role.OFFICER)
def verify(lodging_id: int) -> Any:
    return _decide(lodging_id, verified=True)


@bp.post("/<int:lodging_id>/reject")
@role_required(Role.OFFICER)
def reject(lodging_id: int) -> Any:
    return _decide(lodging_id, verified=False)


def _decide(lodging_id: int, *, verified: bool) -> Any:
    lodging = get_visible_or_404(Lodging, lodging_id, current_actor())
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.decide_lodging(
            current_actor(), lodging, verified=verified, reason=form.reason.data, now=clock.now()
        )
    except FieldError as error:
        db.session.rollback()
        lodging = get_visible_or_404(Lodging, lodging_id, current_actor())
        copy_errors_to_form(form, error)
        return render_template(
            "lodgings/detail.html",
            lodging=lodging,
            area=region_label(lodging.location.region_code),
            form=form,
        ), 400
    db.session.commit()
    flash(_("The lodging is verified.") if verified else _("The lodging is rejected."), "success")
    return redirect(url_for("lodgings.detail", lodging_id=lodging_id))

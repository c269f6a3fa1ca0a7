"""The officers' review queue: locations too coarse or with a disputed pin."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from apoa.accounts.models import Role, User
from apoa.db import utcnow
from apoa.errors import FieldError, copy_errors_to_form
from apoa.extensions import db
from apoa.geocoding import services
from apoa.geocoding.models import Location
from apoa.lodgings.forms import PinForm
from apoa.lodgings.models import Lodging
from apoa.regions.queries import region_label
from apoa.scoping import get_visible_or_404
from apoa.security import role_required

bp = Blueprint("geocoding", __name__, url_prefix="/review")


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/locations")
@role_required(Role.OFFICER)
def queue() -> Any:
    page = db.paginate(
        services.review_queue(_actor().office_id),
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
        error_out=False,
    )
    labels = {loc.id: region_label(loc.region_code) for loc in page.items}
    return render_template("geocoding/queue.html", page=page, labels=labels)


@bp.route("/locations/<int:location_id>", methods=["GET", "POST"])
@role_required(Role.OFFICER)
def fix(location_id: int) -> Any:
    location = get_visible_or_404(Location, location_id, _actor())
    form = PinForm(obj=None if request.method == "POST" else location)
    if form.validate_on_submit():
        try:
            services.place_pin(_actor(), location, form.lat.data, form.lon.data, now=utcnow())
        except FieldError as error:
            db.session.rollback()
            location = get_visible_or_404(Location, location_id, _actor())
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            flash(_("The location is fixed."), "success")
            return redirect(url_for("geocoding.queue"))
    lodging = db.session.scalar(db.select(Lodging).where(Lodging.location_id == location.id))
    return render_template(
        "geocoding/fix.html",
        location=location,
        lodging=lodging,
        form=form,
        area=region_label(location.region_code),
    )

"""The officers' review queue: locations too coarse or with a disputed pin."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from apoa import clock
from apoa.accounts.models import Role
from apoa.errors import FieldError, copy_errors_to_form
from apoa.extensions import db
from apoa.geocoding import bp, services
from apoa.geocoding.forms import PinForm
from apoa.geocoding.models import Location
from apoa.inputs import page_number
from apoa.regions.queries import region_label
from apoa.scoping import get_visible_or_404, own_office
from apoa.security import current_actor, role_required


@bp.get("/locations")
@role_required(Role.OFFICER)
def queue() -> Any:
    page = db.paginate(
        services.review_queue(own_office(current_actor())),
        page=page_number(request.args.get("page")),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
        error_out=False,
    )
    labels = {loc.id: region_label(loc.region_code) for loc in page.items}
    return render_template("geocoding/queue.html", page=page, labels=labels)


@bp.route("/locations/<int:location_id>", methods=["GET", "POST"])
@role_required(Role.OFFICER)
def fix(location_id: int) -> Any:
    actor = current_actor()
    location = get_visible_or_404(Location, location_id, actor)
    form = PinForm(obj=None if request.method == "POST" else location)
    if form.validate_on_submit():
        try:
            services.place_pin(actor, location, form.lat.data, form.lon.data, now=clock.now())
        except FieldError as error:
            db.session.rollback()
            location = get_visible_or_404(Location, location_id, actor)
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            flash(_("The location is fixed."), "success")
            return redirect(url_for("geocoding.queue"))
    return render_template(
        "geocoding/fix.html",
        location=location,
        lodging=getattr(location, "lodging", None),  # set by the lodgings' backref
        form=form,
        area=region_label(location.region_code),
    )

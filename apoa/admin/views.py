"""Admin console views: thin, one commit each (house-style.md, section 3)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from apoa import clock
from apoa.accounts import services as accounts
from apoa.accounts.models import Role, User
from apoa.admin import bp, imports
from apoa.admin import services as offices_service
from apoa.admin.cadences import current_cadences, set_cadence
from apoa.admin.forms import AccountForm, AuditFilterForm, ImportForm, OfficeForm
from apoa.audit.labels import action_choices
from apoa.audit.services import list_events, record_event
from apoa.errors import FieldError, FieldErrors, copy_errors_to_form
from apoa.extensions import db
from apoa.forms import EmptyForm
from apoa.inputs import database_int, page_number
from apoa.regions.models import Office
from apoa.regions.queries import region_label
from apoa.scoping import get_visible_or_404, of_office, visible
from apoa.security import current_actor


@bp.before_request
def admins_only() -> None:
    # The login gate has already run; every admin page also needs the admin role.
    if not current_user.is_authenticated or current_user.role != Role.ADMIN:
        abort(403)  # audited by the 403 handler


def _page() -> int:
    return page_number(request.args.get("page"))


def _offices() -> list[Office]:
    return list(db.session.scalars(sa.select(Office).order_by(Office.name)))


def _post_only_form() -> EmptyForm:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    return form


# ---------------------------------------------------------------- accounts


@bp.get("/")
def index() -> Any:
    return redirect(url_for("admin.users"))


@bp.get("/users")
def users() -> Any:
    query = visible(User, current_actor()).order_by(User.username)
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    kind = request.args.get("kind", "")
    office_id = request.args.get("office", type=database_int)
    status = request.args.get("status", "")
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(User.username).like(like),
                sa.func.lower(User.full_name).like(like),
                sa.func.lower(User.email).like(like),
            )
        )
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if kind:
        query = query.where(User.reporter_kind == kind)
    if office_id:
        query = query.where(of_office(User.office_id, office_id))
    if status == "active":
        query = query.where(User.is_active_account.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active_account.is_(False))
    page = db.paginate(
        query, page=_page(), per_page=current_app.config["ADMIN_PAGE_SIZE"], error_out=False
    )
    return render_template(
        "admin/users.html",
        page=page,
        offices=_offices(),
        filters={"q": q, "role": role, "kind": kind, "office": office_id or "", "status": status},
    )


def _account_form_data(form: AccountForm) -> dict[str, Any]:
    return {
        name: (form[name].data if form[name].data not in ("",) else None)
        for name in accounts.ACCOUNT_FIELDS
    }


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> Any:
    form = AccountForm()
    form.set_office_choices(_offices())
    if request.method == "GET":  # "New officer for this office" pre-fills role and office
        form.role.data = request.args.get("role", "reporter")
        form.office_id.data = request.args.get("office_id", type=database_int)
    if form.validate_on_submit():
        try:
            user, password = accounts.create_account(
                current_actor(), _account_form_data(form), now=clock.now()
            )
        except (FieldError, FieldErrors) as error:
            db.session.rollback()
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            # Shown once, in this response only; never stored in clear or logged.
            return render_template(
                "admin/temporary_password.html", user=user, password=password, created=True
            )
    return render_template("admin/user_form.html", form=form, user=None)


@bp.get("/users/<int:user_id>")
def user_detail(user_id: int) -> Any:
    user = get_visible_or_404(User, user_id, current_actor())
    events = db.session.scalars(
        list_events(object_type="user", object_id=str(user.id)).limit(20)
    ).all()
    return render_template(
        "admin/user_detail.html",
        user=user,
        events=events,
        area_label=region_label(user.area_code),
        locked=accounts.is_locked(user, now=clock.now()),
        form=EmptyForm(),
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int) -> Any:
    actor = current_actor()
    user = get_visible_or_404(User, user_id, actor)
    form = AccountForm(obj=user)
    form.set_office_choices(_offices())
    if form.validate_on_submit():
        try:
            accounts.update_account(actor, user, _account_form_data(form), now=clock.now())
        except (FieldError, FieldErrors) as error:
            db.session.rollback()
            user = get_visible_or_404(User, user_id, actor)
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            flash(_("The account has been saved."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int) -> Any:
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int) -> Any:
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool) -> Any:
    _post_only_form()
    actor = current_actor()
    user = get_visible_or_404(User, user_id, actor)
    try:
        accounts.set_account_active(actor, user, active, now=clock.now())
    except FieldError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(
            _("The account is active again.")
            if active
            else _("The account is deactivated; its sessions have ended."),
            "success",
        )
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/reset-password")
def reset_password(user_id: int) -> Any:
    _post_only_form()
    actor = current_actor()
    user = get_visible_or_404(User, user_id, actor)
    password = accounts.reset_password(actor, user, now=clock.now())
    db.session.commit()
    return render_template(
        "admin/temporary_password.html", user=user, password=password, created=False
    )


@bp.post("/users/<int:user_id>/unlock")
def unlock_user(user_id: int) -> Any:
    _post_only_form()
    actor = current_actor()
    user = get_visible_or_404(User, user_id, actor)
    accounts.unlock_account(actor, user, now=clock.now())
    db.session.commit()
    flash(_("The account is unlocked."), "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/terminate-sessions")
def terminate_sessions(user_id: int) -> Any:
    _post_only_form()
    actor = current_actor()
    user = get_visible_or_404(User, user_id, actor)
    accounts.terminate_sessions(actor, user, now=clock.now())
    db.session.commit()
    flash(_("All sessions of this account have ended."), "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.route("/users/import", methods=["GET", "POST"])
def import_users() -> Any:
    form = ImportForm()
    result = None
    text = ""
    if form.validate_on_submit():
        upload = form.file.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.file.errors = [_("Save the file as CSV in UTF-8.")]
        else:
            text = form.csv_text.data or ""
        if text and not form.file.errors:
            if form.dry_run.data:
                result = imports.check_import(text)
            else:
                actor, now = current_actor(), clock.now()
                result = imports.run_import(actor, text, now=now)
                if result.ok:
                    record_event(
                        "account.import",
                        actor=actor,
                        details={"created": len(result.created)},
                        now=now,
                    )
                    db.session.commit()
                    return render_template("admin/import_done.html", result=result)
                db.session.rollback()
        elif not form.file.errors:
            form.csv_text.errors = [_("Choose a CSV file or paste its content.")]
    return render_template(
        "admin/import.html",
        form=form,
        result=result,
        text=text,
        columns=imports.COLUMNS,
        max_rows=imports.MAX_ROWS,
    )


# ---------------------------------------------------------------- offices


@bp.get("/offices")
def offices() -> Any:
    counts = dict(
        db.session.execute(
            sa.select(User.office_id, sa.func.count())
            .where(User.office_id.is_not(None))
            .group_by(User.office_id)
        ).all()
    )
    query = sa.select(Office).order_by(Office.name)
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            sa.or_(sa.func.lower(Office.name).like(like), sa.func.lower(Office.code).like(like))
        )
    if status in ("active", "closed"):
        query = query.where(Office.is_active.is_(status == "active"))
    page = db.paginate(
        query, page=_page(), per_page=current_app.config["ADMIN_PAGE_SIZE"], error_out=False
    )
    return render_template(
        "admin/offices.html", page=page, officer_counts=counts, filters={"q": q, "status": status}
    )


def _office_form_data(form: OfficeForm) -> dict[str, Any]:
    return {name: form[name].data for name in (*offices_service.OFFICE_FIELDS, "jurisdiction")}


@bp.route("/offices/new", methods=["GET", "POST"])
def new_office() -> Any:
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = offices_service.create_office(
                current_actor(), _office_form_data(form), now=clock.now()
            )
        except (FieldError, FieldErrors) as error:
            db.session.rollback()
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            flash(_("The office has been saved."), "success")
            return redirect(url_for("admin.office_detail", office_id=office.id))
    return render_template("admin/office_form.html", form=form, office=None)


@bp.get("/offices/<int:office_id>")
def office_detail(office_id: int) -> Any:
    office = db.get_or_404(Office, office_id)
    officers = db.session.scalars(
        visible(User, current_actor())
        .where(of_office(User.office_id, office.id))
        .order_by(User.username)
    ).all()
    labels = {j.region_code: region_label(j.region_code) for j in office.jurisdictions}
    return render_template(
        "admin/office_detail.html",
        office=office,
        officers=officers,
        labels=labels,
        form=EmptyForm(),
    )


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
def edit_office(office_id: int) -> Any:
    office = db.get_or_404(Office, office_id)
    form = OfficeForm(obj=office)
    if request.method == "GET":
        form.jurisdiction.data = ", ".join(j.region_code for j in office.jurisdictions)
    if form.validate_on_submit():
        try:
            offices_service.update_office(
                current_actor(), office, _office_form_data(form), now=clock.now()
            )
        except (FieldError, FieldErrors) as error:
            db.session.rollback()
            office = db.get_or_404(Office, office_id)
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            flash(_("The office has been saved."), "success")
            return redirect(url_for("admin.office_detail", office_id=office.id))
    return render_template("admin/office_form.html", form=form, office=office)


@bp.post("/offices/<int:office_id>/deactivate")
def deactivate_office(office_id: int) -> Any:
    return _set_office_active(office_id, False)


@bp.post("/offices/<int:office_id>/reactivate")
def reactivate_office(office_id: int) -> Any:
    return _set_office_active(office_id, True)


def _set_office_active(office_id: int, active: bool) -> Any:
    _post_only_form()
    office = db.get_or_404(Office, office_id)
    offices_service.set_office_active(current_actor(), office, active, now=clock.now())
    db.session.commit()
    flash(_("The office has been saved."), "success")
    return redirect(url_for("admin.office_detail", office_id=office_id))


# ---------------------------------------------------------------- nil-report cadences


@bp.route("/cadences", methods=["GET", "POST"])
def cadences() -> Any:
    form = EmptyForm()
    if form.validate_on_submit():
        actor, now = current_actor(), clock.now()
        for kind in current_cadences():
            value = request.form.get(kind)
            if value in ("weekly", "monthly"):
                set_cadence(actor, kind, value, now=now)
        db.session.commit()
        flash(_("The reporting cadences are saved."), "success")
        return redirect(url_for("admin.cadences"))
    return render_template("admin/cadences.html", cadences=current_cadences(), form=form)


# ---------------------------------------------------------------- audit log


@bp.get("/audit")
def audit_log() -> Any:
    form = AuditFilterForm(request.args)
    form.validate()
    query = list_events(
        action=(form.action.data or "").strip() or None,
        actor=(form.actor.data or "").strip().lower() or None,
    )
    page = db.paginate(query, page=_page(), per_page=50, error_out=False)
    return render_template(
        "admin/audit.html", page=page, form=form, action_choices=action_choices()
    )

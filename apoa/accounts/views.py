"""Sign-in, sign-out, password change and language (the home pages are apoa.home's)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from apoa import clock
from apoa.accounts import bp, services
from apoa.accounts.forms import ChangePasswordForm, LoginForm
from apoa.accounts.models import Role
from apoa.audit.services import client_ip
from apoa.errors import FieldError, copy_errors_to_form
from apoa.extensions import db
from apoa.forms import EmptyForm
from apoa.security import current_actor, safe_next, start_session_clock

REFUSED_MESSAGE_KEYS = ("locked", "too_many", "wait")


@bp.get("/health")
@bp.get("/health/live")
def health() -> dict[str, str]:
    """Liveness probe for load balancers: the process answers (no data, no session)."""
    return {"status": "ok"}


@bp.get("/health/ready")
def ready() -> Any:
    """Readiness probe: the database answers, and Redis when one is configured (else 503)."""
    checks = {"database": _database_answers(), "redis": _redis_answers()}
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    if healthy:
        return {"status": "ready", **checks}
    return {"status": "unavailable", **checks}, 503, {"Retry-After": "5"}


def _database_answers() -> str:
    try:
        db.session.execute(sa.select(sa.literal(1)))
        db.session.rollback()
    except SQLAlchemyError:
        return "unreachable"
    return "ok"


def _redis_answers() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    try:
        with Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as redis:
            redis.ping()
    except RedisError:
        return "unreachable"
    return "ok"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        now = clock.now()
        result = services.sign_in(
            form.username.data or "", form.password.data or "", ip=client_ip(), now=now
        )
        db.session.commit()
        if result.user is not None:
            session.clear()  # a new session at every sign-in (R5)
            remember = bool(form.remember.data) and result.user.role == Role.REPORTER
            login_user(result.user, remember=remember)
            start_session_clock(now)
            if result.user.must_change_password:  # the page itself says why
                return redirect(url_for("accounts.change_password"))
            return redirect(safe_next(form.next.data) or url_for("home.index"))
        # One message for an unknown name and a wrong password (R4); throttling says so.
        if result.refused:
            form.form_errors.append(
                _("Too many failed attempts. Please wait a while and try again.")
            )
        else:
            form.form_errors.append(_("The user name or password is not right."))
        form.password.data = ""
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Any:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    services.sign_out(current_actor(), now=clock.now())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    response = redirect(url_for("accounts.login"))
    # Wipe anything the browser kept for this site (R15).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    _forget_remember_cookie(response)
    return response


def _forget_remember_cookie(response: Any) -> None:
    """Expire the remember-me cookie with the attributes it was set with.

    Flask-Login's own clearing hangs on a session flag that `session.clear()` removes,
    and sends no Secure flag, which a browser needs to drop a `__Host-` cookie.
    """
    config = current_app.config
    response.delete_cookie(
        config["REMEMBER_COOKIE_NAME"],
        path=config.get("REMEMBER_COOKIE_PATH", "/"),
        secure=config.get("REMEMBER_COOKIE_SECURE", False),
        httponly=True,
        samesite=config.get("REMEMBER_COOKIE_SAMESITE"),
    )


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_actor()
        now = clock.now()
        try:
            services.change_password(
                user, form.current_password.data or "", form.new_password.data or "", now=now
            )
        except FieldError as error:
            db.session.commit()  # keep the audit event of the failed attempt
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            # The token rotated: every other session has ended; keep this one.
            login_user(user)
            start_session_clock(now)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.post("/language")
def set_language() -> Any:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        services.set_locale(current_actor(), lang)
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))

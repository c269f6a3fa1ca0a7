"""Domain errors raised by services, and the app's HTTP error pages."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from apoa.audit.services import record_event
from apoa.extensions import db, login_manager


class FieldError(Exception):
    """A rule refused a value; `field` names the form field it belongs to (None: the whole form)."""

    def __init__(self, field: str | None, message: Any) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


class FieldErrors(Exception):
    """Several field errors found at once, so the user sees them all together."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def copy_errors_to_form(form: Any, error: FieldError | FieldErrors) -> None:
    """Show service errors on the form fields they belong to."""
    errors = error.errors if isinstance(error, FieldErrors) else [error]
    for err in errors:
        field = getattr(form, err.field, None) if err.field else None
        if field is not None:
            field.errors = [*field.errors, err.message]
        else:
            form.form_errors.append(err.message)


_TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Sent twice at once"),
    413: _l("Request too large"),
    422: _l("This form was already sent with other content"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service busy"),
}


def _render(code: int, message: Any = None) -> tuple[str, int]:
    title = _TITLES.get(code, _TITLES[500])
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _forget_the_session_user() -> None:
    """Render as nobody signed in: with the database gone, asking who is signed in fails too."""
    g._login_user = login_manager.anonymous_user()


def _rollback_quietly() -> None:
    """Roll back what the request began; a dead connection may refuse even that."""
    try:
        db.session.rollback()
    except Exception:  # the answer below matters more than this failure
        current_app.logger.warning("rollback failed", exc_info=True)


def _close_session_quietly(error: BaseException | None) -> None:
    """End the request's session at teardown even when its connection died under it.

    Flask-SQLAlchemy's own teardown (which runs after this one) rolls back by sending
    ROLLBACK; on a connection the database dropped (a restart) that raises, and the
    exception escaped as a bare 500 after the answer was ready. Here the session is
    closed first; if that fails, its connections are invalidated (dropped from the
    pool without a word to the server) and the session is forgotten.
    """
    try:
        db.session.remove()
    except SQLAlchemyError:
        current_app.logger.warning("closing the session failed; connection dropped", exc_info=True)
        with suppress(SQLAlchemyError):
            db.session.registry().invalidate()
        db.session.registry.clear()


def _render_without_database(code: int, message: Any = None) -> tuple[str, int]:
    _forget_the_session_user()
    try:
        return _render(code, message)
    except Exception:  # the error page itself must not fail
        current_app.logger.exception("error page failed")
        return f"<!doctype html><title>{code}</title><h1>{code}</h1>", code


def _audit_refusal() -> None:
    """Record that a signed-in user was refused a page (security.md R16)."""
    if current_user and current_user.is_authenticated:
        record_event(
            "authz.denied",
            actor=current_user._get_current_object(),
            outcome="denied",
            details={"path": request.path},
        )
        db.session.commit()


def register_error_handlers(app: Flask) -> None:
    """Generic error pages: no stack traces, and the request's transaction is rolled back."""
    # Registered after db.init_app, so it runs before Flask-SQLAlchemy's teardown.
    app.teardown_appcontext(_close_session_quietly)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        g.csrf_failed = True  # a phone's outbox then asks for a new token (reports/outbox.py)
        return _render(
            400,
            _l(
                "The form expired or was sent from elsewhere. Please go back, reload and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        db.session.rollback()
        if error.code == 403:
            _audit_refusal()
        if request.path.startswith("/api/"):
            return {"error": error.name}, error.code
        return _render(error.code, getattr(error, "message", None))

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Any:
        # Locked or unreachable database: nothing was committed, the client may retry (R22).
        # The page asks the database nothing, not even who is signed in.
        _rollback_quietly()
        _forget_the_session_user()
        app.logger.warning("database unavailable: %s", error.__class__.__name__)
        headers = {"Retry-After": "5", "Cache-Control": "no-store"}
        if request.path.startswith("/api/"):
            return {"error": "Service Unavailable"}, 503, headers
        message = _l("The system is busy. Please try again in a moment.")
        body, code = _render_without_database(503, message)
        return body, code, headers

    @app.errorhandler(Exception)
    def internal_error(error: Exception) -> Any:
        _rollback_quietly()
        app.logger.exception("unhandled error")
        body, code = _render_without_database(500)
        return body, code, {"Cache-Control": "no-store"}

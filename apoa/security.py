"""Who may reach what, and the headers and cookies every response carries.

- Login is required everywhere except PUBLIC_ENDPOINTS (security.md R10).
- Role checks: `role_required(...)` on views, and on the whole admin blueprint.
- Sessions expire after 30 minutes idle and 12 hours in all (R6).
- A user with a one-time password may only change it (issue 2, point 4).
- `safe_next` accepts only internal paths that resolve to a route (R9).
- `current_actor()` is the signed-in user, typed, for views to pass to services.
- Headers: strict CSP with a per-request nonce, HSTS, no-store when signed in (R7, R20).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, user_loaded_from_cookie
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from apoa import clock
from apoa.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])

# Endpoints anyone may reach; everything else needs a signed-in user.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "accounts.login",
        "accounts.set_language",
        "accounts.health",
        "operations.scrape",  # its own bearer token (METRICS_TOKEN), no session
        "accounts.ready",
        # The receipt check shows no personal data (issue 4, point 9).
        "verify.index",
        "verify.receipt",
        # The app shell (issue 12): no personal data, needed before signing in.
        "home.service_worker",
        "home.manifest",
        "home.offline_page",
    }
)
# Sent by the phone's outbox (apoa/static/js/outbox.js) with each report it sends.
OUTBOX_HEADER = "X-Apoa-Outbox"
# Endpoints a user with a one-time password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset(
    {"accounts.change_password", "accounts.logout", "accounts.set_language"}
)

_SAFE_PATH = re.compile(r"^/(?![/\\])[^\s\\]*$")


def role_required(*roles: str) -> Callable[[F], F]:
    """Refuse (403) users whose role is not one of `roles`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def current_actor() -> User:
    """Return the signed-in user (views behind the login gate only)."""
    user = current_user._get_current_object()
    if not isinstance(user, User):
        # Only an anonymous visitor is not a User, and the login gate keeps those out.
        raise RuntimeError("current_actor() called without a signed-in user")
    return user


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is an internal path to a real route, else None."""
    if not target or not _SAFE_PATH.match(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(parts.path, method="GET")
    except RequestRedirect:
        return target
    except (NotFound, MethodNotAllowed):
        return None
    return target


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _session_expired(now: datetime) -> bool:
    cfg = current_app.config
    started, seen = _timestamp(session.get("login_at")), _timestamp(session.get("seen_at"))
    if started is None or seen is None:
        return True
    return (
        now - seen > cfg["SESSION_IDLE_TIMEOUT"] or now - started > cfg["SESSION_ABSOLUTE_TIMEOUT"]
    )


def start_session_clock(now: datetime) -> None:
    """Mark the start of a fresh session (login, or restore from a remember cookie)."""
    session["login_at"] = session["seen_at"] = now.isoformat()


def _require_login() -> Any:
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    now = clock.now()
    if current_user.is_authenticated and _session_expired(now):
        # Drop the expired session; Flask-Login then reloads the user from a
        # reporter's remember cookie, if there is one, as a fresh session.
        session.clear()
        g.pop("_login_user", None)
    if not current_user.is_authenticated:
        if request.path.startswith("/api/") or request.headers.get(OUTBOX_HEADER):
            abort(401)  # a script asking: an answer it can read, not the sign-in page
        # Only GET targets survive the detour through the login page.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target))
    session["seen_at"] = now.isoformat()
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("accounts.change_password"))
    return None


def _on_cookie_login(app: Flask, user: Any) -> None:
    start_session_clock(clock.now())


def csp_nonce() -> str:
    """Return this request's nonce for inline <script> and <style> blocks."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def _content_security_policy() -> str:
    nonce = csp_nonce()
    tiles = urlsplit(current_app.config.get("MAP_TILES_URL") or "")
    tile_origin = f" {tiles.scheme}://{tiles.netloc.replace('{s}', '*')}" if tiles.netloc else ""
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        f"img-src 'self' data:{tile_origin}; "
        "connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = _content_security_policy()
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "geolocation=(self), camera=(self), microphone=()"
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    response.vary.add("Cookie")
    # Whoever the request loaded, without asking the database again: `is_authenticated`
    # reads `is_active`, which may load the office after the commit, and a locked or
    # restarting database would turn a finished answer into a 500 here.
    if request.endpoint != "static" and _signed_in_without_failing():
        headers["Cache-Control"] = "no-store, private"
    return response


def _signed_in_without_failing() -> bool:
    user = g.get("_login_user")
    if user is not None:
        return not user.is_anonymous
    try:  # not loaded yet (a public page): load it now
        return bool(current_user.is_authenticated)
    except SQLAlchemyError:
        return True  # the database failed: treat the answer as private


def signed_in_role() -> str | None:
    """The signed-in user's role, read from the loaded row if it can be.

    After the view's commit the row is expired and reading `role` would query again.
    When the database has just failed, that query fails too, and an answer that was
    already finished would become a 500.
    """
    user = g.get("_login_user")
    if user is None or user.is_anonymous:
        return None
    loaded = sa.inspect(user).dict.get("role")
    if loaded is not None:
        return str(loaded)
    try:
        return str(user.role)
    except SQLAlchemyError:
        return None


class RoleAwareSessionInterface(SecureCookieSessionInterface):
    """SameSite=Strict on the session cookie of officers and admins, Lax for reporters (R7)."""

    def get_cookie_samesite(self, app: Flask) -> str | None:
        if signed_in_role() in ("officer", "admin"):
            return "Strict"
        return super().get_cookie_samesite(app)


def register_security(app: Flask) -> None:
    """Install the login gate, session clock, cookie policy and headers."""
    app.session_interface = RoleAwareSessionInterface()
    app.before_request(_require_login)
    app.after_request(_security_headers)
    user_loaded_from_cookie.connect(_on_cookie_login, app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

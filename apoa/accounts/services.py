"""Account use cases: sign-in, passwords, and the admin's account changes.

Services add and flush; the view commits once (house-style.md, section 3).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from apoa import signals
from apoa.accounts import rules
from apoa.accounts.models import LoginThrottle, ReporterKind, Role, User
from apoa.accounts.passwords import hash_password, needs_rehash, spend_equal_time, verify_password
from apoa.audit.services import record_event
from apoa.errors import FieldError, FieldErrors
from apoa.extensions import db
from apoa.regions.models import LEVEL_VILLAGE, Office, Region

PASSWORD_MESSAGES = {
    "too_short": _l("Use at least %(n)s characters.", n=User.PASSWORD_MIN),
    "too_long": _l("Use at most %(n)s characters.", n=User.PASSWORD_MAX),
    "common": _l("This password is too common. Choose a longer phrase only you would think of."),
    "context": _l("Do not build the password from your name, user name or the system's name."),
}


def normalise_username(username: str) -> str:
    """Fold a user name for lookups: trimmed, lower case."""
    return username.strip().lower()


# ---------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    refused: str | None = None  # "locked", "too_many", "wait": throttled before checking


def _limits_for_account() -> rules.ThrottleLimits:
    cfg = current_app.config
    return rules.ThrottleLimits(
        max_failures_per_hour=cfg["LOGIN_MAX_FAILURES_PER_HOUR"],
        delay_after_failures=cfg["LOGIN_DELAY_AFTER_FAILURES"],
        lockout_after_failures=cfg["LOGIN_LOCKOUT_AFTER_FAILURES"],
        lockout=timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"]),
    )


def _limits_for_address() -> rules.ThrottleLimits:
    return rules.ThrottleLimits(
        max_failures_per_hour=current_app.config["LOGIN_MAX_FAILURES_PER_IP_PER_HOUR"]
    )


def _throttle_row(key: str) -> LoginThrottle | None:
    query = sa.select(LoginThrottle).where(LoginThrottle.key == key)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # workers must not lose each other's counts
    return db.session.scalar(query)


def _state(row: LoginThrottle | None) -> rules.ThrottleState | None:
    if row is None:
        return None
    return rules.ThrottleState(
        window_started_at=row.window_started_at,
        window_failures=row.window_failures,
        consecutive_failures=row.consecutive_failures,
        last_failure_at=row.last_failure_at,
        locked_until=row.locked_until,
    )


def _store(key: str, row: LoginThrottle | None, state: rules.ThrottleState) -> None:
    if row is None:
        row = LoginThrottle(key=key)
        db.session.add(row)
    row.window_started_at = state.window_started_at
    row.window_failures = state.window_failures
    row.consecutive_failures = state.consecutive_failures
    row.last_failure_at = state.last_failure_at
    row.locked_until = state.locked_until


def sign_in(username: str, password: str, *, ip: str | None, now: datetime) -> SignInResult:
    """Check a sign-in attempt under the throttles; audit it; return the user or why not.

    Unknown names and wrong passwords take the same path and the same time (R4).
    """
    name = normalise_username(username)[: User.USERNAME_MAX]
    account_key, address_key = f"user:{name}", f"ip:{ip or 'unknown'}"
    account_row, address_row = _throttle_row(account_key), _throttle_row(address_key)
    account_limits, address_limits = _limits_for_account(), _limits_for_address()
    refused = rules.refusal_reason(
        _state(account_row), account_limits, now
    ) or rules.refusal_reason(_state(address_row), address_limits, now)
    user = db.session.scalar(sa.select(User).where(User.username == name))
    if refused:
        spend_equal_time(password)
        record_event(
            "login.refused",
            actor=None,
            actor_name=name,
            outcome="refused",
            details={"reason": refused},
            ip=ip,
            now=now,
        )
        signals.sign_in_failed.send(None, reason="throttled", now=now)
        return SignInResult(None, refused)

    if user is None:
        spend_equal_time(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.is_active

    if not ok or user is None:
        account_state = rules.after_failure(_state(account_row), account_limits, now)
        _store(account_key, account_row, account_state)
        _store(
            address_key, address_row, rules.after_failure(_state(address_row), address_limits, now)
        )
        record_event(
            "login.failure", actor=None, actor_name=name, outcome="failure", ip=ip, now=now
        )
        signals.sign_in_failed.send(None, reason="password", now=now)
        if account_state.locked_until == now + account_limits.lockout:
            record_event(
                "login.lockout", actor=None, actor_name=name, outcome="locked", ip=ip, now=now
            )
        return SignInResult(None)

    if account_row is not None:
        _store(account_key, account_row, rules.after_success(_state(account_row)))  # type: ignore[arg-type]
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    record_event("login.success", actor=user, ip=ip, now=now)
    return SignInResult(user)


def sign_out(user: User, *, now: datetime) -> None:
    """End every session of the user on the server side (R5)."""
    user.rotate_session_token()
    record_event("logout", actor=user, now=now)


def unlock_account(actor: User, user: User, *, now: datetime) -> None:
    """Lift a sign-in lockout and forget the run of failures."""
    row = _throttle_row(f"user:{user.username}")
    if row is not None:
        db.session.delete(row)
    record_event("account.unlock", actor=actor, object_type="user", object_id=user.id, now=now)


def is_locked(user: User, *, now: datetime) -> bool:
    """Tell whether sign-in is refused for this account right now."""
    row = db.session.get(LoginThrottle, f"user:{user.username}")
    return rules.refusal_reason(_state(row), _limits_for_account(), now) is not None


# ---------------------------------------------------------------- passwords


def check_new_password(
    user: User | None, password: str, *, extra_context: tuple[str, ...] = ()
) -> None:
    """Raise FieldError on `new_password` when the password breaks the policy (R1)."""
    context = extra_context
    if user is not None:
        context = (*context, user.username, *user.full_name.split())
    problems = rules.password_problems(
        password, context=context, min_length=User.PASSWORD_MIN, max_length=User.PASSWORD_MAX
    )
    if problems:
        raise FieldError("new_password", PASSWORD_MESSAGES[problems[0]])


def change_password(user: User, current_password: str, new_password: str, *, now: datetime) -> None:
    """Change a user's own password; every other session ends (R5).

    Wrong current passwords count against the account like failed sign-ins, so a
    stolen session cannot guess the password at full speed (R3).
    """
    key = f"user:{user.username}"
    row = _throttle_row(key)
    limits = _limits_for_account()
    if rules.refusal_reason(_state(row), limits, now):
        raise FieldError(
            "current_password", _l("Too many failed attempts. Please wait a while and try again.")
        )
    if not verify_password(user.password_hash, current_password):
        _store(key, row, rules.after_failure(_state(row), limits, now))
        record_event("password.change", actor=user, outcome="failure", now=now)
        raise FieldError("current_password", _l("The current password is not right."))
    if new_password == current_password:
        raise FieldError("new_password", _l("Choose a password different from the current one."))
    check_new_password(user, new_password)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = now
    user.rotate_session_token()
    record_event("password.change", actor=user, now=now)


def temporary_password() -> str:
    """Return a random one-time password that is easy to read aloud or type on a phone."""
    alphabet = "".join(c for c in string.ascii_lowercase + string.digits if c not in "l1o0")
    groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


# ---------------------------------------------------------------- admin: accounts

ACCOUNT_FIELDS = (
    "username",
    "full_name",
    "email",
    "phone",
    "role",
    "reporter_kind",
    "office_id",
    "area_code",
    "rw",
    "rt",
    "locale",
)


def clean_account(data: dict[str, Any], *, existing: User | None) -> dict[str, Any]:
    """Check an account's fields against each other and the database; raise FieldErrors."""
    errors: list[FieldError] = []
    clean = {k: data.get(k) for k in ACCOUNT_FIELDS if k in data}
    role = clean.get("role") or (existing.role if existing else None)
    if role not in {r.value for r in Role}:
        errors.append(FieldError("role", _l("Choose a role.")))
    if "username" in clean:
        name = normalise_username(clean["username"] or "")
        clean["username"] = name
        taken = db.session.scalar(sa.select(User.id).where(User.username == name))
        if taken is not None and (existing is None or taken != existing.id):
            errors.append(FieldError("username", _l("This user name is already taken.")))
    if role == Role.REPORTER:
        kind = clean.get("reporter_kind")
        if kind not in {k.value for k in ReporterKind}:
            errors.append(FieldError("reporter_kind", _l("Choose the kind of reporter.")))
        clean["office_id"] = None
        if kind in (ReporterKind.RT_RW, ReporterKind.LURAH):
            code = (clean.get("area_code") or "").strip()
            region = db.session.get(Region, code) if code else None
            if region is None or region.level != LEVEL_VILLAGE:
                errors.append(
                    FieldError("area_code", _l("Choose the village (kelurahan/desa) of this area."))
                )
            if kind == ReporterKind.RT_RW and not clean.get("rw"):
                errors.append(FieldError("rw", _l("Enter the RW number.")))
            if kind == ReporterKind.LURAH:
                clean["rw"] = clean["rt"] = None
        else:
            clean["area_code"] = clean["rw"] = clean["rt"] = None
    else:
        clean["reporter_kind"] = None
        clean["area_code"] = clean["rw"] = clean["rt"] = None
        if role == Role.OFFICER:
            office = db.session.get(Office, clean.get("office_id") or 0)
            if office is None:
                errors.append(
                    FieldError("office_id", _l("Choose the officer's immigration office."))
                )
        else:
            clean["office_id"] = None
    if errors:
        raise FieldErrors(errors)
    return clean


def _audit_details(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "reporter_kind": user.reporter_kind,
        "office_id": user.office_id,
        "area_code": user.area_code,
        "rw": user.rw,
        "rt": user.rt,
    }


def create_account(actor: User, data: dict[str, Any], *, now: datetime) -> tuple[User, str]:
    """Create an account with a one-time password it must change at first sign-in."""
    clean = clean_account(data, existing=None)
    password = temporary_password()
    user = User(
        **clean,
        password_hash=hash_password(password),
        must_change_password=True,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(user)
    db.session.flush()
    signals.account_changed.send(user, now=now)
    record_event(
        "account.create",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details=_audit_details(user),
        now=now,
    )
    return user, password


def update_account(actor: User, user: User, data: dict[str, Any], *, now: datetime) -> None:
    """Change an account's details; a new role or area ends its sessions."""
    clean = clean_account(data, existing=user)
    before = _audit_details(user)
    for key, value in clean.items():
        setattr(user, key, value)
    after = _audit_details(user)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if any(k in changed for k in ("role", "office_id", "area_code", "reporter_kind", "rw", "rt")):
        user.rotate_session_token()  # what the user may see changed: sign in again
    db.session.flush()
    signals.account_changed.send(user, now=now)
    record_event(
        "account.update",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"changed": changed},
        now=now,
    )


def set_account_active(actor: User, user: User, active: bool, *, now: datetime) -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    if user.id == actor.id and not active:
        raise FieldError(None, _l("You cannot deactivate your own account."))
    user.is_active_account = active
    user.rotate_session_token()
    signals.account_changed.send(user, now=now)
    record_event(
        "account.reactivate" if active else "account.deactivate",
        actor=actor,
        object_type="user",
        object_id=user.id,
        now=now,
    )


def reset_password(actor: User, user: User, *, now: datetime) -> str:
    """Give an account a new one-time password, shown once; its sessions end."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.rotate_session_token()
    row = _throttle_row(f"user:{user.username}")
    if row is not None:
        db.session.delete(row)
    record_event(
        "account.reset_password", actor=actor, object_type="user", object_id=user.id, now=now
    )
    return password


def terminate_sessions(actor: User, user: User, *, now: datetime) -> None:
    """Sign an account out everywhere."""
    user.rotate_session_token()
    record_event(
        "account.terminate_sessions", actor=actor, object_type="user", object_id=user.id, now=now
    )


def set_locale(user: User, locale: str) -> None:
    """Keep the user's language choice."""
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale

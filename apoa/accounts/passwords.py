"""Password hashing with argon2id (security.md R2)."""

from __future__ import annotations

from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash


@cache
def _hasher(parameters: tuple[tuple[str, int], ...]) -> PasswordHasher:
    # Any of PasswordHasher's keyword arguments, as the configuration names them.
    options: dict[str, Any] = dict(parameters)
    return PasswordHasher(**options)


def hasher() -> PasswordHasher:
    """Return the hasher for the app's parameters (argon2-cffi defaults in production)."""
    return _hasher(tuple(sorted(current_app.config["ARGON2_PARAMETERS"].items())))


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Check a password against an argon2 hash, or a legacy Werkzeug hash to upgrade."""
    if stored_hash.startswith(("pbkdf2:", "scrypt:")):
        return check_password_hash(stored_hash, password)
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Tell whether a hash is legacy or weaker than the current parameters."""
    if not stored_hash.startswith("$argon2id$"):
        return True
    return hasher().check_needs_rehash(stored_hash)


@cache
def _dummy_hash(parameters: tuple[tuple[str, int], ...]) -> str:
    return _hasher(parameters).hash("not a real password, used to spend equal time")


def spend_equal_time(password: str) -> None:
    """Verify against a dummy hash so unknown accounts take as long as real ones (R4)."""
    params = tuple(sorted(current_app.config["ARGON2_PARAMETERS"].items()))
    verify_password(_dummy_hash(params), password)

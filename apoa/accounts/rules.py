"""Pure rules for sign-in throttling and password quality (security.md R1, R3).

No clock, app or database here: callers pass `now`, the limits and the state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

WINDOW = timedelta(hours=1)
MAX_DELAY_SECONDS = 60
# Words anyone would try first against this system (R1 "context words").
CONTEXT_WORDS = (
    "apoa",
    "imigrasi",
    "immigration",
    "hotel",
    "indonesia",
    "kantor",
    "lapor",
    "admin",
)


@dataclass(frozen=True)
class ThrottleLimits:
    max_failures_per_hour: int
    delay_after_failures: int | None = None
    lockout_after_failures: int | None = None
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class ThrottleState:
    window_started_at: datetime
    window_failures: int = 0
    consecutive_failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


def delay_for(consecutive_failures: int, limits: ThrottleLimits) -> timedelta:
    """Return how long to wait after a run of failures: doubling, capped at a minute."""
    if limits.delay_after_failures is None or consecutive_failures < limits.delay_after_failures:
        return timedelta(0)
    exponent = consecutive_failures - limits.delay_after_failures
    return timedelta(seconds=min(2**exponent, MAX_DELAY_SECONDS))


def refusal_reason(
    state: ThrottleState | None, limits: ThrottleLimits, now: datetime
) -> str | None:
    """Return why a sign-in attempt must be refused before checking the password, or None."""
    if state is None:
        return None
    if state.locked_until is not None and now < state.locked_until:
        return "locked"
    if (
        now - state.window_started_at < WINDOW
        and state.window_failures >= limits.max_failures_per_hour
    ):
        return "too_many"
    if state.last_failure_at is not None and now < state.last_failure_at + delay_for(
        state.consecutive_failures, limits
    ):
        return "wait"
    return None


def after_failure(
    state: ThrottleState | None, limits: ThrottleLimits, now: datetime
) -> ThrottleState:
    """Return the state after one more failed attempt."""
    if state is None or now - state.window_started_at >= WINDOW:
        base = ThrottleState(
            window_started_at=now,
            consecutive_failures=state.consecutive_failures if state else 0,
            locked_until=state.locked_until if state else None,
        )
    else:
        base = state
    consecutive = base.consecutive_failures + 1
    locked_until = base.locked_until
    if limits.lockout_after_failures and consecutive % limits.lockout_after_failures == 0:
        locked_until = now + limits.lockout
    return replace(
        base,
        window_failures=base.window_failures + 1,
        consecutive_failures=consecutive,
        last_failure_at=now,
        locked_until=locked_until,
    )


def after_success(state: ThrottleState) -> ThrottleState:
    """Return the state after a successful sign-in: the run of failures ends."""
    return replace(state, consecutive_failures=0, locked_until=None)


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list of the 30,000 most common passwords (R1 asks for 3,000+).
    return frozenset(FREQUENCY_LISTS["passwords"])


_EDGE_NON_LETTERS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def password_problems(
    password: str, *, context: tuple[str, ...] = (), min_length: int = 12, max_length: int = 128
) -> list[str]:
    """Return the reasons a new password is refused: "too_short", "too_long", "common", "context".

    No composition rules and no truncation (R1); Unicode and spaces are fine.
    """
    problems = []
    if len(password) < min_length:
        problems.append("too_short")
    if len(password) > max_length:
        problems.append("too_long")
    lowered = password.lower()
    # "Password1234" and "imigrasi2025!" hide a weak core behind digits and symbols.
    core = _EDGE_NON_LETTERS.sub("", lowered)
    common = _common_passwords()
    if lowered in common or core in common or len(set(lowered)) <= 2:
        problems.append("common")
    words = {w.lower() for w in (*CONTEXT_WORDS, *context) if w and len(w) >= 3}
    if any(w in lowered and _letter_count(lowered.replace(w, "")) < 4 for w in words):
        problems.append("context")
    return problems


def _letter_count(text: str) -> int:
    return sum(ch.isalpha() for ch in text)

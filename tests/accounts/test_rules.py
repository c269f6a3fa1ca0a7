"""Pure rules: password policy (docs/security.md R1) and sign-in throttling (R3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apoa.accounts import rules

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
LIMITS = rules.ThrottleLimits(
    max_failures_per_hour=100, delay_after_failures=5, lockout_after_failures=10
)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("a" * 11, False),
        ("abcdefghijk", False),
        ("kopi susu di teras", True),  # 18 characters, spaces allowed
        ("pohon-mangga-berbuah-lebat" + "x" * 38, True),  # 64
        ("ombak pantai kuta sore hari " * 4 + "........", True),  # 120
        ("Password1234", False),
        ("imigrasi2025!", False),
        ("hotelhotel2025", False),
        ("111111111111", False),
        ("Süßes Früchtchen 🍊 am Strand", True),
    ],
)
def test_password_policy(password, ok):
    assert (rules.password_problems(password) == []) is ok


def test_password_lengths():
    assert rules.password_problems("gajah makan") == ["too_short"]  # 11 characters
    assert rules.password_problems("gajah makan!") == []  # 12
    assert "too_short" in rules.password_problems("kopi susu")
    assert "too_long" in rules.password_problems("a b c d e f " * 11)
    assert (
        rules.password_problems("lampu jalan menyala terang" * 4) == []
    )  # 104 characters, no truncation


def test_password_must_not_be_the_user_name():
    assert "context" in rules.password_problems("budi.santoso1", context=("budi.santoso",))
    assert "context" in rules.password_problems("Santoso!2026##", context=("Budi", "Santoso"))


def test_no_delay_for_the_first_failures():
    state = None
    for _ in range(4):
        state = rules.after_failure(state, LIMITS, NOW)
    assert rules.refusal_reason(state, LIMITS, NOW) is None


def test_delay_doubles_after_five_failures():
    state = None
    for _ in range(6):
        state = rules.after_failure(state, LIMITS, NOW)
    assert rules.delay_for(6, LIMITS) == timedelta(seconds=2)
    assert rules.refusal_reason(state, LIMITS, NOW + timedelta(seconds=1)) == "wait"
    assert rules.refusal_reason(state, LIMITS, NOW + timedelta(seconds=2)) is None
    assert rules.delay_for(30, LIMITS) == timedelta(seconds=60)


def test_soft_lockout_after_ten_failures_expires():
    state = None
    for _ in range(10):
        state = rules.after_failure(state, LIMITS, NOW)
    assert rules.refusal_reason(state, LIMITS, NOW + timedelta(minutes=14)) == "locked"
    assert rules.refusal_reason(state, LIMITS, NOW + timedelta(minutes=15)) is None


def test_hourly_cap_then_window_reset():
    limits = rules.ThrottleLimits(max_failures_per_hour=3)
    state = None
    for _ in range(3):
        state = rules.after_failure(state, limits, NOW)
    assert rules.refusal_reason(state, limits, NOW + timedelta(minutes=59)) == "too_many"
    assert rules.refusal_reason(state, limits, NOW + timedelta(hours=1)) is None
    later = rules.after_failure(state, limits, NOW + timedelta(hours=1))
    assert later.window_failures == 1


def test_success_ends_the_run_but_not_the_hourly_count():
    state = None
    for _ in range(7):
        state = rules.after_failure(state, LIMITS, NOW)
    state = rules.after_success(state)
    assert state.consecutive_failures == 0
    assert state.window_failures == 7

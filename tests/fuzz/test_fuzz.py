"""Fuzz every route as every role: no input gives a server error or changes a refused write.

Issue 16, point 3 (docs/security.md R22, docs/testing.md "The fuzz suite"). The routes come
from the URL map and their fields from the forms on the pages (tests/fuzz/forms.py), so
a new route or field is covered without being listed. Two passes per role, on the engine
under test:

- a sweep: every route with each named hostile value (tests/fuzz/values.py) in all of its
  fields, with every field missing, and with every field repeated; and each id or code in
  the path replaced by each hostile value;
- Hypothesis: FUZZ_EXAMPLES requests (default 150) that mix, field by field, the page's
  own value, a hostile one, none and two, plus fields no form has.

Every answer must be below 500, and a refused request (4xx) must leave the database as it
was, but for what a refusal writes by design (CHANGED_BY_A_REFUSAL). The suite is
deterministic in `make test` (same examples each run); `make fuzz` runs more, at random.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apoa.extensions import db as _db
from tests.factories import LEGIAN, TEST_PASSWORD
from tests.fuzz.forms import Target, targets_for
from tests.fuzz.values import BODY_ONLY, HOSTILE, hostile_text

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
AT_RANDOM = os.environ.get("FUZZ_RANDOM") == "1"

# What a refused request writes on purpose; everything else must stay as it was.
CHANGED_BY_A_REFUSAL = {
    "audit_events": "refusals (403, bad sign-ins) are audited",
    "login_throttles": "failed sign-ins are counted against the name and the address",
}

ROLES = ["anonymous", "lodging operator", "rt head", "officer", "admin"]
_PLACEHOLDER = re.compile(r"<[^>]+>")


# ---------------------------------------------------------------- the world and the roles


@pytest.fixture
def fuzzer(app: Flask, client: FlaskClient, create_user, create_lodging, create_stay, request):
    """Seed one of everything a route can name (ids 1 exist) and sign in as the role's user."""
    operator = create_user("reporter", username="hotel.op")
    lodging = create_lodging(operator)
    create_stay(operator, lodging, 2)
    rt_head = create_user("reporter", username="rt.head", reporter_kind="rt_rw", area_code=LEGIAN)
    create_stay(rt_head, LEGIAN)
    officer = create_user("officer", username="officer")
    admin = create_user("admin", username="admin")
    _db.session.commit()
    users = {"lodging operator": operator, "rt head": rt_head, "officer": officer, "admin": admin}
    user = users.get(request.param)

    def sign_in() -> None:
        if user is None:
            return
        client.post("/logout")
        response = client.post(
            "/login", data={"username": user.username, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302, f"{user.username} cannot sign in again"

    sign_in()
    return Fuzzer(client, CommittedWrites(_db.engine), sign_in)


# ---------------------------------------------------------------- sending and checking


class CommittedWrites:
    """The tables a request's committed statements changed (rows affected, then COMMIT).

    Listening to the app's engine costs next to nothing, where reading every table
    before and after each of the suite's thousands of requests would double its time.
    Writes rolled back are forgotten: they changed nothing.
    """

    _WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I)

    def __init__(self, engine: sa.Engine) -> None:
        self._pending: dict[int, set[str]] = {}
        self.tables: set[str] = set()
        sa.event.listen(engine, "after_cursor_execute", self._executed)
        sa.event.listen(engine, "commit", self._committed)
        sa.event.listen(engine, "rollback", self._rolled_back)

    def _executed(self, conn, cursor, statement, parameters, context, executemany) -> None:
        match = self._WRITE.match(statement)
        if match and cursor.rowcount != 0:
            self._pending.setdefault(id(conn), set()).add(match.group(1).lower())

    def _committed(self, conn) -> None:
        self.tables |= self._pending.pop(id(conn), set())

    def _rolled_back(self, conn) -> None:
        self._pending.pop(id(conn), None)

    def take(self) -> set[str]:
        """The tables changed since the last call, but those refusals write by design."""
        changed, self.tables = self.tables - set(CHANGED_BY_A_REFUSAL), set()
        return changed


def _path(target: Target, args: list[bytes]) -> str:
    values = iter(args)
    return _PLACEHOLDER.sub(lambda _: quote(next(values), safe=""), target.rule.rule)


def _send(client: FlaskClient, target: Target, path: str, fields: list[tuple[str, bytes]]):
    encoded = urlencode([(name.encode(), value) for name, value in fields])
    if target.method == "GET":
        return client.open(f"{path}?{encoded}" if encoded else path, method="GET")
    return client.open(
        path, method=target.method, data=encoded,
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip


@dataclass
class Fuzzer:
    """Sends requests as one signed-in role and checks each answer."""

    client: FlaskClient
    writes: CommittedWrites
    sign_in: Callable[[], None]

    def check(self, target: Target, path: str, fields: list[tuple[str, bytes]], what: str) -> int:
        self.writes.take()
        response = _send(self.client, target, path, fields)
        where = f"{what}: {target.label} as sent to {path[:120]}"
        assert response.status_code < 500, f"{response.status_code} on {where}"
        if 400 <= response.status_code < 500:
            changed = sorted(self.writes.take())
            assert not changed, f"refused ({response.status_code}) yet wrote {changed}: {where}"
        # A route may sign the user out (logout, sessions ended): sign in again for the next.
        if response.status_code == 302 and response.headers["Location"].startswith("/login"):
            self.sign_in()
        return response.status_code


def _valid_args(target: Target) -> list[bytes]:
    return [b"1"] * len(target.rule.arguments)


# ---------------------------------------------------------------- the sweep


@pytest.mark.parametrize("fuzzer", ROLES, indirect=True)
def test_every_route_takes_every_hostile_value_without_a_server_error(app, fuzzer):
    targets = targets_for(app, fuzzer.client)
    sent = 0
    for target in targets:
        path = _path(target, _valid_args(target))
        names = [name for name, _ in target.fields]
        hostile = dict(HOSTILE)
        if target.method != "GET":
            hostile |= BODY_ONLY
        for what, value in hostile.items():
            fuzzer.check(target, path, [(n, value) for n in names], what)
        fuzzer.check(target, path, [], "every field missing")
        repeated = [(n, v.encode()) for n, v in target.fields for _ in range(2)]
        fuzzer.check(target, path, repeated, "every field twice")
        for what, value in HOSTILE.items() if target.rule.arguments else ():
            hostile_path = _path(target, [value] * len(target.rule.arguments))
            fuzzer.check(target, hostile_path, [], f"{what} in the path")
        sent += len(hostile) + 2
    assert len(targets) > 60
    assert sum(len(t.fields) for t in targets) > 300, "the forms' fields were not found"
    assert sent > 1500


# ---------------------------------------------------------------- at random (Hypothesis)


def _field_values(target: Target):
    """Per field of the form: its own value, a hostile one, none, or both; then an extra."""

    def one(pair: tuple[str, str]):
        name, own = pair
        own_bytes = own.encode()
        return st.one_of(
            st.just([(name, own_bytes)]),
            hostile_text().map(lambda v: [(name, v)]),
            st.just([]),
            hostile_text().map(lambda v: [(name, own_bytes), (name, v)]),
        )

    extra = st.lists(
        st.tuples(st.sampled_from(["x", "id", "\x00", "guests-99-surname"]), hostile_text()),
        max_size=2,
    )
    per_field = st.tuples(*(one(pair) for pair in target.fields)) if target.fields else st.just(())
    return st.tuples(per_field, extra).map(
        lambda parts: [pair for group in parts[0] for pair in group] + list(parts[1])
    )


@pytest.mark.parametrize("fuzzer", ROLES, indirect=True)
def test_random_mixtures_of_hostile_and_valid_fields(app, fuzzer):
    targets = targets_for(app, fuzzer.client)
    statuses: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not AT_RANDOM,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def fuzz(data):
        target = data.draw(st.sampled_from(targets), label="route")
        args = [
            data.draw(st.one_of(st.just(b"1"), hostile_text()), label=arg)
            for arg in target.rule.arguments
        ]
        fields = data.draw(_field_values(target), label="fields")
        path = _path(target, args)
        statuses.append(fuzzer.check(target, path, fields, "at random"))

    fuzz()
    assert len(statuses) == EXAMPLES
    assert any(s < 400 for s in statuses), "every request was refused: the fuzzer saw no page"

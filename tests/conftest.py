"""Fixtures: an app per test on a clean database, clients, the clock, a network guard.

The databases (tests/databases.py) and the factories that fill them
(tests/factories.py) are plugins, registered below. Test modules never import
from a conftest or from another test module (tests/test_layout.py checks it).

APOA_FROZEN_AT=<ISO 8601 instant with offset> runs every test with the clock
started at that instant: `.ci/run` runs the tests marked `dates` again at the
instants where days, weeks, months and years turn over in one zone and not another.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from time_machine import TimeMachineFixture, travel

from apoa import create_app
from apoa.clock import wall_clock
from apoa.config import TestConfig
from apoa.extensions import db as _db
from apoa.regions.loading import load_offices

pytest_plugins = ["tests.databases", "tests.factories"]

FROZEN_AT = os.environ.get("APOA_FROZEN_AT", "")


# At a boundary instant (`make test-dates`) the variants of a parametrized test (sort
# columns, export formats, filter values) run the same date logic on the same data:
# the first two stand for the rest there, and `make test` runs them all. This keeps
# the five instants inside CI's time.
DATE_RUN_VARIANTS = 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not FROZEN_AT:
        return
    seen: Counter[str] = Counter()
    kept, dropped = [], []
    for item in items:
        if item.get_closest_marker("dates") and hasattr(item, "callspec"):
            function = item.nodeid.split("[", 1)[0]
            seen[function] += 1
            if seen[function] > DATE_RUN_VARIANTS:
                dropped.append(item)
                continue
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# ---------------------------------------------------------------- the clock


def _instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise pytest.UsageError(f"APOA_FROZEN_AT needs a UTC offset: {text!r}")
    return instant


@pytest.fixture(autouse=True)
def _clock_at_the_boundary() -> Iterator[None]:
    """Start the clock at APOA_FROZEN_AT for every test, when it is set.

    The clock starts there and keeps ticking (tick=True): a test that waits for a
    thread, a timeout or a throttle window still sees time pass, and each test
    lasts seconds, so it runs on the boundary's side it started on (the instants
    sit at least half an hour before a turn of the day). Tests that need an
    instant to stand still ask for `freeze` or `frozen_now`.
    """
    if not FROZEN_AT:
        yield
        return
    with travel(_instant(FROZEN_AT), tick=True):
        yield


@pytest.fixture
def freeze(time_machine: TimeMachineFixture) -> Callable[..., datetime]:
    """Return a function that stops the clock at an instant (again to move it); returns it."""

    def stop_at(instant: datetime | str, *, tick: bool = False) -> datetime:
        if isinstance(instant, str):
            instant = _instant(instant)
        time_machine.move_to(instant, tick=tick)
        return wall_clock()

    return stop_at


@pytest.fixture
def frozen_now(freeze: Callable[..., datetime]) -> datetime:
    """Stop the clock where it is (APOA_FROZEN_AT, or the real time) and return that instant."""
    return freeze(wall_clock())


# ---------------------------------------------------------------- network guard


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:
        return True  # Unix sockets
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection off this machine."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(sock: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(sock, address)

    def guarded_ex(sock: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


# ---------------------------------------------------------------- app and clients


class IsolatedClient(FlaskClient):
    """Run every request in an app context of its own, as a server would.

    Otherwise a request would reuse the test's app context, sharing `g` (and
    Flask-Login's cached user) and the database session with the test.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            # End the test's own transaction: the request sees what the test
            # wrote, and the test's next read sees what the request wrote.
            _db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def make_app(
    database_url: str, app_config: Callable[..., TestConfig]
) -> Iterator[Callable[..., Flask]]:
    """Build extra apps on the test's database, e.g. with CSRF on or production cookies."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(app_config(database_url, **overrides))
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        load_offices()
        _db.session.commit()
        yield app


@pytest.fixture
def db(app: Flask) -> Any:
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()

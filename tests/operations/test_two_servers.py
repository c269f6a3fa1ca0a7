"""Two app servers behind Debian's nginx, sharing PostgreSQL (issue 16, point 5).

Two gunicorn instances on their own ports stand for two machines; nginx on loopback
sends requests to both in turn, as deploy/nginx/apoa.conf does. What must hold
whichever server answers: a session (and its end), the sign-in throttle, the one-time
submission key of a report, and the alert scan.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from apoa.alerts.models import Alert
from apoa.clock import wall_clock
from apoa.extensions import db
from apoa.reports.models import Stay
from tests.databases import ENGINE
from tests.factories import TEST_PASSWORD, guest_form, stay_form

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = [
    pytest.mark.skipif(ENGINE != "postgresql", reason="several servers share PostgreSQL"),
    pytest.mark.timeout(180),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    pytest.fail(f"nothing listens on {port} after 30 s: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def _running(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own programs, fixed arguments
            command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        _wait_for(port, process, log)
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
{user}
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream apoa_app {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://apoa_app;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-ID $request_id;
            proxy_next_upstream error timeout;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@pytest.fixture
def servers(app, database_url, tmp_path) -> Iterator[dict[str, int]]:
    """Start two gunicorn instances and nginx before them; yield the three ports."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed (Debian package nginx-light; .ci/run installs it)")
    ports = {"a": _free_port(), "b": _free_port(), "nginx": _free_port()}
    env = {
        **os.environ,
        "APOA_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),  # the same on every server, as it must be
        "DATABASE_URL": database_url,
        "TRUSTED_HOSTS": "127.0.0.1",
        "PROXY_FIX_HOPS": "1",
        "REQUEST_LOG_JSON": "0",
        "GUNICORN_WORKERS": "1",
        "APOA_INSTANCE_DIR": str(tmp_path),
    }
    db.session.commit()
    db.engine.dispose()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    conf = tmp_path / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        NGINX_CONF.format(
            folder=tmp_path, user=user, a=ports["a"], b=ports["b"], port=ports["nginx"]
        )
    )
    with contextlib.ExitStack() as stack:
        for name in ("a", "b"):
            command = [gunicorn, "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
            server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{ports[name]}"}
            stack.enter_context(
                _running(command, server_env, ports[name], tmp_path / f"{name}.log")
            )
        nginx = [NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"]
        stack.enter_context(_running(nginx, env, ports["nginx"], tmp_path / "nginx.log"))
        yield ports


class Browser:
    """A browser by hand: its cookies (Secure ones too, over loopback HTTP), one port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, port: int | None = None
    ):
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        connection.close()
        return response.status, response.headers, text

    def csrf(self, path: str, port: int | None = None) -> str:
        _, _, page = self.request("GET", path, port=port)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def sign_in(self, username: str, password: str = TEST_PASSWORD, port: int | None = None):
        form = {"username": username, "password": password, "csrf_token": self.csrf("/login", port)}
        return self.request("POST", "/login", form, port=port)


def test_a_session_holds_and_ends_on_both_servers(servers, verified_lodging):
    operator, _ = verified_lodging
    browser = Browser(servers["nginx"])
    status, _, _ = browser.sign_in(operator.username)
    assert status == 302
    upstreams = set()
    for _ in range(8):
        status, headers, _ = browser.request("GET", "/reports/")
        assert status == 200
        upstreams.add(headers["X-Upstream"])
    assert len(upstreams) == 2, "nginx sent the requests to both servers"
    signed_in = dict(browser.cookies)

    token = browser.csrf("/reports/", port=servers["a"])
    assert browser.request("POST", "/logout", {"csrf_token": token}, port=servers["a"])[0] == 302
    replay = Browser(servers["b"])
    replay.cookies = signed_in  # the old cookie, on the other server
    status, headers, _ = replay.request("GET", "/reports/")
    assert status == 302
    assert headers["Location"].startswith("/login")


def test_the_sign_in_throttle_counts_failures_on_every_server(servers, verified_lodging):
    operator, _ = verified_lodging
    for attempt in range(5):
        port = servers["a"] if attempt % 2 else servers["b"]
        status, _, _ = Browser(port).sign_in(operator.username, "wrong-password", port)
        assert status == 200
    # Neither server saw five failures itself; together they did: the sixth waits.
    status, _, _ = Browser(servers["a"]).sign_in(operator.username)
    assert status != 302
    assert Browser(servers["b"]).sign_in(operator.username)[0] != 302


def test_one_submission_key_makes_one_report_whichever_server_gets_it(servers, verified_lodging):
    operator, lodging = verified_lodging
    browsers = {name: Browser(servers[name]) for name in ("a", "b")}
    for browser in browsers.values():
        assert browser.sign_in(operator.username)[0] == 302
    key = str(uuid.uuid4())
    forms = {
        name: {
            "csrf_token": browser.csrf("/reports/check-in"),
            "lodging_id": str(lodging.id),
            "head": "0",
            "submit": "1",
            **stay_form(submission_key=key),
            **guest_form(0),
        }
        for name, browser in browsers.items()
    }
    answers: dict[str, tuple] = {}

    def post(name: str) -> None:
        answers[name] = browsers[name].request("POST", "/reports/check-in", forms[name])

    twins = [threading.Thread(target=post, args=(name,)) for name in browsers]
    for thread in twins:
        thread.start()
    for thread in twins:
        thread.join(timeout=60)
    post("a")  # and once more after both answered: a phone's retry
    locations = {name: headers.get("Location") for name, (_, headers, _) in answers.items()}
    assert all(status in (302, 409) for status, _, _ in answers.values()), answers
    receipts = {loc for loc in locations.values() if loc}
    assert len(receipts) == 1, locations
    assert db.session.scalar(sa.select(sa.func.count(Stay.id))) == 1


def test_both_servers_scanning_raise_an_alert_once(
    servers, verified_lodging, create_stay, login_as, create_user
):
    operator, lodging = verified_lodging
    now = wall_clock()
    create_stay(
        operator,
        lodging,
        1,
        arrived=now - timedelta(days=9),
        leaves=(now - timedelta(days=4)).date(),
        now=now - timedelta(days=9),
    )
    db.session.commit()
    officer = create_user("officer", username="officer.two")
    for name in ("a", "b", "a", "b"):
        browser = Browser(servers[name])
        assert browser.sign_in(officer.username)[0] == 302
        assert browser.request("GET", "/alerts/")[0] == 200
    db.session.expire_all()
    kinds = db.session.scalars(sa.select(Alert.kind)).all()
    assert kinds.count("overdue_check_out") == 1, kinds

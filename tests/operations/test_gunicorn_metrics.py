"""Under gunicorn, /metrics adds up every worker's counts, dead ones' too (deploy/)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = secrets.token_urlsafe(16)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, **headers: str) -> bytes:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.read()


def _health_requests(base: str) -> float:
    text = _get(f"{base}/metrics", Authorization=f"Bearer {TOKEN}").decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "apoa_http_requests_total"
        and sample.labels["endpoint"] == "accounts.health"
    )


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            _get(f"{base}/metrics", Authorization=f"Bearer {TOKEN}")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within 30 s")


def _workers(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == master:
                found.append(int(entry.name))
    return found


def test_workers_count_as_one_server_even_after_one_is_killed(database_url, tmp_path):
    metrics_dir = tmp_path / "metrics"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APOA_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "TRUSTED_HOSTS": "127.0.0.1",
        "APOA_INSTANCE_DIR": str(tmp_path),
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "REQUEST_LOG_JSON": "0",
    }
    log = tmp_path / "gunicorn.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
            [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_up(base, process, log)
        for _ in range(40):
            _get(f"{base}/health/live", Connection="close")
        assert {_health_requests(base) for _ in range(6)} == {40}  # whichever worker answers

        # Kill a worker that counted (its pid names its file): its counts must stay.
        counted = {int(p.stem.rsplit("_", 1)[-1]) for p in metrics_dir.glob("counter_*.db")}
        victim = sorted(counted & set(_workers(process.pid)))[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while victim in _workers(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)  # until the master has reaped it
        assert victim not in _workers(process.pid)
        _wait_until_up(base, process, log)
        _get(f"{base}/health/live")
        assert _health_requests(base) == 41  # answered by another process than the victim
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

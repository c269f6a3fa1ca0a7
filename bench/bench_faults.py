"""Load with faults: phones keep reporting while the database and the workers fail.

Issue 16, point 4 (docs/security.md R22, R23; docs/operations.md). gunicorn with several
workers serves the app in production configuration on loopback, over a database of
its own: a throwaway PostgreSQL cluster this script starts itself (`initdb`, `pg_ctl`;
never the machine's server), or a SQLite file. Meanwhile:

- phones check guests in, each report with its one-time submission key; on a timeout, a
  dropped connection or a 5xx they send the same report again (the same key) until it
  is acknowledged; one report in four is tapped twice;
- an officer loops over the compliance list, its CSV export, the dashboard and the map;
- the faults, one after another: PostgreSQL restarted (`pg_ctl restart -m fast`); a
  worker killed with `kill -9` while requests are in flight; on SQLite, the database
  held by `BEGIN EXCLUSIVE` past the busy timeout.

Then every report still waiting is sent until acknowledged, and the run checks:
acknowledged = stored, no report stored twice, no server error but 503 (and only during
a fault), and the first acknowledged report after each fault within 5 s of its end.

    .venv/bin/python bench/bench_faults.py --engine both            # full (make bench)
    .venv/bin/python bench/bench_faults.py --engine sqlite --short  # what the tests run
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import pwd
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.bench_submit import (  # noqa: E402
    PASSWORD,
    check_in_form,
    children,
    free_port,
    seed_database,
)
from bench.common import machine, publish  # noqa: E402

BUSY_TIMEOUT_MS = 2000  # the SQLite busy timeout of this run's workers
RECOVERY_LIMIT_S = 5.0
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Plan:
    phones: int
    seconds: float
    faults: list[tuple[float, str]]  # (seconds after the start, fault)
    workers: int = 3


def plan_for(engine: str, short: bool) -> Plan:
    if engine == "postgresql":
        faults = [(4, "restart postgresql"), (12, "kill a worker")]
        if not short:
            faults += [(22, "restart postgresql"), (30, "kill a worker"), (38, "kill a worker")]
    else:
        faults = [(4, "hold sqlite exclusive"), (12, "kill a worker")]
        if not short:
            faults += [(22, "hold sqlite exclusive"), (30, "kill a worker")]
    return Plan(phones=4 if short else 8, seconds=20 if short else 50, faults=faults)


# ---------------------------------------------------------------- a PostgreSQL of our own


@contextlib.contextmanager
def throwaway_postgres(folder: Path) -> Iterator[tuple[str, Any]]:
    """initdb + pg_ctl on a free port; yield (URL, restart). Run as `postgres` when root."""
    data, sockets = folder / "pgdata", folder / "pgsock"
    for path in (folder, sockets):
        path.mkdir(parents=True, exist_ok=True)
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        owner = pwd.getpwnam("postgres")
        folder.parent.chmod(0o711)  # mkdtemp's 0700 would keep `postgres` out
        for path in (folder, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    bin_dir = Path(shutil.which("initdb") or "/usr/lib/postgresql/15/bin/initdb").resolve().parent
    port = free_port()

    def pg(*args: str) -> None:
        done = subprocess.run([*as_user, *args], capture_output=True, timeout=120, check=False)  # noqa: S603
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.decode()[-800:]}")

    pg(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    )
    ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "postgres.log"), "-w"]
    pg(*ctl, "-o", options, "start")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    try:
        yield url, lambda: pg(*ctl, "-m", "fast", "-o", options, "restart")
    finally:
        with contextlib.suppress(RuntimeError, subprocess.SubprocessError):
            pg(*ctl, "-m", "immediate", "stop")


# ---------------------------------------------------------------- gunicorn


@contextlib.contextmanager
def serving(url: str, workers: int, folder: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    port = free_port()
    env = {
        **os.environ,
        "APOA_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "DATABASE_URL": url,
        "TRUSTED_HOSTS": "127.0.0.1",
        "APOA_INSTANCE_DIR": str(folder),
        "REQUEST_LOG_JSON": "0",
        "SQLITE_BUSY_TIMEOUT_MS": str(BUSY_TIMEOUT_MS),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (folder / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "--timeout", "30", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if _request(port, "GET", "/health/live")[0] == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port, process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _request(port, method, path, form=None, cookies=None, timeout=10.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Host": "127.0.0.1", "Connection": "close"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        if cookies is not None:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers.get("Location", ""), text
    finally:
        connection.close()


# ---------------------------------------------------------------- phones and the officer


@dataclass
class Journal:
    """What every client saw, stamped with seconds since the start."""

    started: float = field(default_factory=time.monotonic)
    answers: list[tuple[float, str, str]] = field(default_factory=list)  # (t, who, status)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> receipt URL
    sent: set[str] = field(default_factory=set)
    twice_differed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, who: str, status: str) -> float:
        t = time.monotonic() - self.started
        with self.lock:
            self.answers.append((t, who, status))
        return t


class Phone(threading.Thread):
    def __init__(self, port, account, number, journal, stop):
        super().__init__(daemon=True)
        self.port, self.account, self.number = port, account, number
        self.journal, self.stop, self.cookies, self.serial = journal, stop, {}, 0
        self.token = ""
        self.random = random.Random(number)

    def sign_in(self) -> None:
        while True:
            try:
                _, _, page = _request(self.port, "GET", "/login", cookies=self.cookies)
                form = {"username": self.account.username, "password": PASSWORD,
                        "csrf_token": CSRF.search(page).group(1)}  # fmt: skip
                status, _, _ = _request(self.port, "POST", "/login", form, self.cookies)
                _, _, page = _request(self.port, "GET", "/reports/check-in", cookies=self.cookies)
                if status == 302 and CSRF.search(page):
                    self.token = CSRF.search(page).group(1)
                    return
            except (OSError, http.client.HTTPException, AttributeError):
                pass
            time.sleep(0.5)

    def form(self) -> dict[str, str]:
        self.serial += 1
        return check_in_form(
            token=self.token, lodging_id=self.account.lodging_id, room=str(self.serial),
            passport=f"F{self.number:02d}{self.serial:06d}",
        )  # fmt: skip

    def send_until_acknowledged(self, form: dict[str, str], deadline: float) -> str | None:
        """POST the report until it is acknowledged (or the deadline); the same key each time."""
        pause = 0.1
        while time.monotonic() < deadline:
            try:
                status, location, _ = _request(
                    self.port, "POST", "/reports/check-in", form, dict(self.cookies), timeout=8
                )
                answer = str(status)
            except TimeoutError:
                status, location, answer = 0, "", "timeout"
            except (OSError, http.client.HTTPException):
                status, location, answer = 0, "", "connection dropped"
            self.journal.note("phone", answer)
            if status == 302 and "/reports/receipts/" in location:
                return location
            if status == 302 and location.startswith("/login"):
                self.sign_in()  # a session that ended: sign in again, keep the report
                form = {**form, "csrf_token": self.token}
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
        return None

    def run(self) -> None:
        self.sign_in()
        while not self.stop.is_set():
            form = self.form()
            with self.journal.lock:
                self.journal.sent.add(form["submission_key"])
            receipt = self.send_until_acknowledged(form, time.monotonic() + 120)
            if receipt is None:
                continue
            with self.journal.lock:
                self.journal.acknowledged[form["submission_key"]] = receipt
            if self.random.random() < 0.25:  # a double tap: the same report, the same receipt
                again = self.send_until_acknowledged(form, time.monotonic() + 120)
                if again != receipt:
                    with self.journal.lock:
                        self.journal.twice_differed += 1


class Officer(threading.Thread):
    PAGES = ("/compliance/", "/compliance/export.csv", "/dashboard/",
             "/api/map/clusters?bbox=114.4,-9.0,115.8,-8.0&z=9")  # fmt: skip

    def __init__(self, port, journal, stop):
        super().__init__(daemon=True)
        self.port, self.journal, self.stop, self.cookies = port, journal, stop, {}

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                if not self.cookies.get("__Host-session"):
                    _, _, page = _request(self.port, "GET", "/login", cookies=self.cookies)
                    form = {"username": "bench.officer", "password": PASSWORD,
                            "csrf_token": CSRF.search(page).group(1)}  # fmt: skip
                    _request(self.port, "POST", "/login", form, self.cookies)
                for page in self.PAGES:
                    status, _, _ = _request(self.port, "GET", page, cookies=self.cookies)
                    self.journal.note("officer", str(status))
            except (OSError, http.client.HTTPException, AttributeError):
                self.journal.note("officer", "connection dropped")
                time.sleep(0.2)


# ---------------------------------------------------------------- faults


def hold_sqlite(url: str, seconds: float) -> None:
    """Take SQLite's write lock from outside the app and keep it past the busy timeout."""
    connection = sqlite3.connect(sa.make_url(url).database, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()


def kill_a_worker(master: int) -> None:
    workers = children(master)
    if workers:
        os.kill(random.choice(workers), signal.SIGKILL)


def run_faults(plan, journal, url, master, restart_postgres) -> list[dict[str, Any]]:
    windows = []
    for at, fault in plan.faults:
        time.sleep(max(0.0, at - (time.monotonic() - journal.started)))
        start = time.monotonic() - journal.started
        if fault == "restart postgresql":
            restart_postgres()
        elif fault == "kill a worker":
            kill_a_worker(master)
        elif fault == "hold sqlite exclusive":
            hold_sqlite(url, BUSY_TIMEOUT_MS / 1000 + 1.5)
        windows.append({"fault": fault, "start": round(start, 2),
                        "end": round(time.monotonic() - journal.started, 2)})  # fmt: skip
    return windows


# ---------------------------------------------------------------- checks


def stored(url: str) -> dict[str, Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            keys = conn.execute(sa.text(  # one row per (reporter, key): its receipt, once made
                "SELECT key FROM submission_keys WHERE receipt_id IS NOT NULL"
            )).scalars().all()  # fmt: skip
            passports = conn.execute(sa.text(
                "SELECT p.passport_number, count(s.id) FROM stays s JOIN persons p"
                " ON p.id = s.person_id GROUP BY p.passport_number HAVING count(s.id) > 1"
            )).all()  # fmt: skip
            stays = conn.scalar(sa.text("SELECT count(*) FROM stays"))
    finally:
        engine.dispose()
    return {"keys": set(keys), "stays": stays, "passports_twice": len(passports)}


def verdict(journal: Journal, windows, database: dict[str, Any]) -> dict[str, Any]:
    def during_a_fault(t: float) -> bool:
        # A request sent just before a fault may be answered inside it, and one answered
        # just after it may have been waiting on it: one request timeout either side.
        return any(w["start"] - 1 <= t <= w["end"] + 8 for w in windows)

    statuses = Counter(status for _, _, status in journal.answers)
    bad = [(round(t, 2), who, s) for t, who, s in journal.answers
           if s.startswith("5") and s != "503"]  # fmt: skip
    outside = [(round(t, 2), who, s) for t, who, s in journal.answers
               if not during_a_fault(t) and not s.startswith(("2", "3"))]  # fmt: skip
    recovery = []
    acknowledged_at = sorted(t for t, who, s in journal.answers if who == "phone" and s == "302")
    for window in windows:
        after = [t for t in acknowledged_at if t >= window["end"]]
        recovery.append(round(after[0] - window["end"], 2) if after else None)
    lost = [k for k in journal.acknowledged if k not in database["keys"]]
    unacknowledged = [k for k in database["keys"] if k not in journal.acknowledged]
    return {
        "requests": len(journal.answers),
        "statuses": dict(statuses),
        "reports_sent": len(journal.sent),
        "acknowledged": len(journal.acknowledged),
        "stored": len(database["keys"]),
        "stays": database["stays"],
        "lost": len(lost),
        "stored_unacknowledged": len(unacknowledged),
        "duplicated": database["passports_twice"],  # each report's guest has a passport of its own
        "double_taps_with_another_receipt": journal.twice_differed,
        "server_errors_other_than_503": bad[:10],
        "errors_outside_faults": outside[:10],
        "recovery_s": recovery,
        "faults": windows,
    }


def passed(result: dict[str, Any]) -> bool:
    return (
        result["lost"] == 0
        and result["stored_unacknowledged"] == 0
        and result["duplicated"] == 0
        and result["stays"] == result["acknowledged"]
        and result["double_taps_with_another_receipt"] == 0
        and not result["server_errors_other_than_503"]
        and not result["errors_outside_faults"]
        and all(r is not None and r <= RECOVERY_LIMIT_S for r in result["recovery_s"])
    )


# ---------------------------------------------------------------- a run


def run(engine: str, short: bool) -> dict[str, Any]:
    plan = plan_for(engine, short)
    folder = Path(tempfile.mkdtemp(prefix="apoa_faults_"))
    try:
        with contextlib.ExitStack() as stack:
            if engine == "postgresql":
                url, restart = stack.enter_context(throwaway_postgres(folder / "pg"))
            else:
                url, restart = f"sqlite:///{folder / 'faults.sqlite3'}", None
            accounts, _ = seed_database(url, stays=0, clients=plan.phones)
            port, gunicorn = stack.enter_context(serving(url, plan.workers, folder))
            journal, stop = Journal(), threading.Event()
            clients = [Phone(port, a, n, journal, stop) for n, a in enumerate(accounts, 1)]
            clients.append(Officer(port, journal, stop))
            for client in clients:
                client.start()
            windows = run_faults(plan, journal, url, gunicorn.pid, restart)
            time.sleep(max(0.0, plan.seconds - (time.monotonic() - journal.started)))
            stop.set()
            for client in clients:  # each finishes the report it is sending
                client.join(timeout=150)
            result = verdict(journal, windows, stored(url))
        if result["server_errors_other_than_503"]:  # the traceback, for whoever reads the run
            log = (folder / "gunicorn.log").read_text(errors="replace")
            first = log.find("Exception on ")  # Flask's line for a request that failed
            result["server_log"] = log[first if first >= 0 else log.find("Traceback") :][:8000]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result |= {"engine": engine, "short": short, "workers": plan.workers,
               "phones": plan.phones, "seconds": plan.seconds}  # fmt: skip
    result["passed"] = passed(result)
    return result


COLUMNS = ("Engine", "Requests", "Reports sent", "Acknowledged", "Stored", "Lost",
           "Duplicated", "5xx (of them 503)", "Other 5xx", "Recovery s")  # fmt: skip


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in results:
        five = sum(n for s, n in r["statuses"].items() if s.startswith("5"))
        cells = [
            r["engine"], r["requests"], r["reports_sent"], r["acknowledged"], r["stored"],
            r["lost"], r["duplicated"], f"{five} ({r['statuses'].get('503', 0)})",
            len(r["server_errors_other_than_503"]), ", ".join(map(str, r["recovery_s"])),
        ]  # fmt: skip
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--short", action="store_true", help="the form .ci/run uses (~20 s)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    results = [run(engine, args.short) for engine in engines]
    print(json.dumps(results, indent=2))
    publish(markdown(results), {"machine": machine(), "results": results}, args.json)
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Check-ins per second over HTTP: gunicorn on loopback, N clients posting the full form.

For each engine a fresh database (a temporary SQLite file; `apoa_bench_submit_<pid>` on
the PostgreSQL server, dropped afterwards) is migrated, loaded with the regions and
offices and filled by `apoa.devdata.generate` (100,000 stays by default). Each client
gets a lodging operator of its own with a lodging verified through the lodging services.
gunicorn then serves the app in production configuration (CSRF on, `__Host-` cookies)
on 127.0.0.1; every client signs in once, opens the check-in form once for its CSRF
token, and posts one-guest check-ins, each with a fresh submission key and passport,
for a bounded time, expecting the redirect to the receipt. In the same round the same
number of anonymous clients fetch the sign-in page: the GET baseline.

Worker CPU is read from /proc/<pid>/stat of each gunicorn worker before and after a
window (and of the PostgreSQL backends serving the database). `--profile` attaches
py-spy to one worker for an extra window after the rounds and summarises the samples.

    .venv/bin/python bench/bench_submit.py --engine both --clients 10 --seconds 20 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from apoa import clock, signals  # noqa: E402
from apoa.accounts.models import User  # noqa: E402
from apoa.accounts.passwords import hash_password  # noqa: E402
from apoa.devdata.generate import generate  # noqa: E402
from apoa.extensions import db  # noqa: E402
from apoa.geocoding.services import get_geocoder  # noqa: E402
from apoa.lodgings.services import decide_lodging, register_lodging  # noqa: E402
from apoa.regions.models import Office  # noqa: E402
from apoa.regions.timezones import WITA  # noqa: E402
from bench.common import (  # noqa: E402
    analyze_after_load,
    build_app,
    load_reference_data,
    machine,
    percentile,
    publish,
    temporary_database,
)

PASSWORD = "bench-kuda-lumping-menari-di-pasar"  # noqa: S105 - throwaway bench accounts
LEGIAN = "5103011004"  # Legian, Kuta, Badung, Bali: Kanim Ngurah Rai, WITA
REQUEST_TIMEOUT_S = 30
STARTUP_TIMEOUT_S = 120
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')


# ---------------------------------------------------------------- the database


@dataclass(frozen=True)
class Account:
    username: str
    lodging_id: int


def seed_database(url: str, *, stays: int, clients: int) -> tuple[list[Account], dict[str, Any]]:
    """Migrate, generate the stays, and create one operator with a verified lodging per client."""
    app = build_app(url)
    info: dict[str, Any] = {}
    with app.app_context():
        started = time.perf_counter()
        load_reference_data()
        if stays:
            result = generate(stays=stays, reporters=max(1, min(2000, stays // 50)))
            db.session.commit()
            info["open_stays"] = result.get("open_stays")
        now = clock.now()
        office_id = db.session.scalar(sa.select(Office.id).where(Office.code == "kanim-ngurah-rai"))
        password_hash = hash_password(PASSWORD)

        def user(username: str, **fields: Any) -> User:
            account = User(
                username=username, full_name=username.replace(".", " ").title(),
                password_hash=password_hash, **fields,
            )  # fmt: skip
            db.session.add(account)
            db.session.flush()
            signals.account_changed.send(account, now=now)  # as the admin services announce it
            return account

        officer = user("bench.officer", role="officer", office_id=office_id)
        accounts = []
        geocoder = get_geocoder()
        for n in range(1, clients + 1):
            operator = user(f"bench.op{n}", role="reporter", reporter_kind="lodging")
            lodging = register_lodging(
                operator,
                {"name": f"Bench Hotel {n}", "kind": "hotel", "street": f"Jl. Legian No. {n}",
                 "region_code": LEGIAN},
                gps=None, now=now, geocoder=geocoder,
            )  # fmt: skip
            decide_lodging(officer, lodging, verified=True, reason=None, now=now)
            accounts.append(Account(operator.username, lodging.id))
        db.session.commit()
        analyze_after_load()
        info["seed_s"] = round(time.perf_counter() - started, 1)
        info["engine_version"] = db.session.scalar(
            sa.text("SELECT sqlite_version()")
            if db.engine.dialect.name == "sqlite"
            else sa.text("SHOW server_version")
        )
        db.session.remove()
        db.engine.dispose()
    return accounts, info


# ---------------------------------------------------------------- gunicorn and /proc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(url: str, workers: int, folder: Path) -> Iterator[tuple[str, int, Path]]:
    """Serve the app in production configuration on loopback; yield (base URL, master pid)."""
    binary = Path(sys.executable).parent / "gunicorn"
    port = free_port()
    env = {
        **os.environ,
        "APOA_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": url,
        "TRUSTED_HOSTS": "127.0.0.1",
        "APOA_INSTANCE_DIR": str(folder),
    }
    log = folder / "gunicorn.log"
    command = [
        str(binary if binary.exists() else shutil.which("gunicorn") or "gunicorn"),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120",
        "--chdir", str(ROOT), "--error-logfile", str(log), "--log-level", "warning",
        "wsgi:app",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        command, env=env, start_new_session=True, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}", process.pid, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the state (3rd) on


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each process, in seconds (processes gone are left out)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            out[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Backends:
    """The PostgreSQL server processes serving the bench database (none on SQLite)."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url) if url.startswith("postgresql") else None

    def pids(self) -> list[int]:
        if self.engine is None:
            return []
        with self.engine.connect() as conn:
            return list(conn.scalars(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )))  # fmt: skip

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


# ---------------------------------------------------------------- the clients


class Client:
    """One browser: its own connection and session cookie, a cookie jar kept by hand.

    The server's `__Host-` cookies are Secure; over plain-HTTP loopback the client sends
    them anyway. After the form is loaded the cookies are frozen: the receipt pages are
    never fetched, so the flashed messages would otherwise pile up in the session cookie.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.frozen = False
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
            connector=aiohttp.TCPConnector(limit=1),
        )

    async def request(
        self, method: str, path: str, data: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """Return (status, Location, body)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        async with self.http.request(
            method, self.base + path, data=data, headers=headers if self.cookies else None,
            allow_redirects=False,
        ) as response:  # fmt: skip
            body = await response.text()
            if not self.frozen:
                self.cookies.update({k: m.value for k, m in response.cookies.items()})
            return response.status, response.headers.get("Location", ""), body

    async def close(self) -> None:
        await self.http.close()


def csrf_token(html: str) -> str:
    tag = CSRF_INPUT.search(html)
    value = VALUE.search(tag.group(0)) if tag else None
    if value is None:
        raise RuntimeError("no csrf_token in the page")
    return value.group(1)


def check_in_form(*, token: str, lodging_id: int, room: str, passport: str) -> dict[str, str]:
    """The check-in form of one guest arriving a minute ago, as the browser posts it."""
    local = clock.wall_clock().astimezone(WITA) - timedelta(minutes=1)
    today = local.date()
    guest = {
        "surname": "Müller", "given_names": "Hans Peter", "sex": "M",
        "birth_date": "1980-05-17", "birth_place": "Hamburg", "nationality": "D",
        "passport_number": passport, "issuing_country": "D",
        "passport_expiry": (today + timedelta(days=900)).isoformat(),
        "permit_type": "voa", "permit_number": "",
        "permit_expiry": (today + timedelta(days=30)).isoformat(),
        "purpose": "tourism", "phone": "",
    }  # fmt: skip
    return {
        "csrf_token": token,
        "lodging_id": str(lodging_id),
        "head": "0",
        "room": room,
        "check_in_date": today.isoformat(),
        "check_in_time": local.strftime("%H:%M"),
        "expected_check_out": (today + timedelta(days=5)).isoformat(),
        "submission_key": str(uuid.uuid4()),
        **{f"guests-0-{key}": value for key, value in guest.items()},
        "submit": "1",
    }


class Reporter(Client):
    """A lodging operator checking one guest in after another."""

    def __init__(self, base: str, account: Account, number: int) -> None:
        super().__init__(base)
        self.account, self.number, self.serial = account, number, 0
        self.token = ""

    async def sign_in(self) -> None:
        _, _, page = await self.request("GET", "/login")
        form = {"username": self.account.username, "password": PASSWORD,
                "csrf_token": csrf_token(page), "next": ""}  # fmt: skip
        status, _, _ = await self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"sign-in of {self.account.username} answered {status}")
        status, _, page = await self.request("GET", "/reports/check-in")
        if status != 200:
            raise RuntimeError(f"check-in form answered {status}")
        self.token = csrf_token(page)
        self.frozen = True

    def form(self) -> dict[str, str]:
        self.serial += 1
        return check_in_form(
            token=self.token, lodging_id=self.account.lodging_id, room=str(100 + self.number),
            # Unique per guest, 9 letters and digits: B, client, serial.
            passport=f"B{self.number:02d}{self.serial:06d}",
        )  # fmt: skip

    async def submit(self) -> bool:
        status, location, _ = await self.request("POST", "/reports/check-in", self.form())
        return status == 302 and location.startswith("/reports/receipts/")


class Visitor(Client):
    """An anonymous browser fetching the sign-in page."""

    async def fetch(self) -> bool:
        status, _, _ = await self.request("GET", "/login")
        return status == 200


@dataclass
class Window:
    ok: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0


async def drive(actions: list[Callable[[], Awaitable[bool]]], seconds: float) -> Window:
    """Run each action in a loop for `seconds`; requests under way then are finished."""
    window = Window()
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + seconds

    async def loop_one(action: Callable[[], Awaitable[bool]]) -> None:
        while loop.time() < deadline:
            begun = time.perf_counter()
            try:
                good = await action()
            except (aiohttp.ClientError, TimeoutError) as error:
                window.errors[type(error).__name__] += 1
                continue
            if good:
                window.ok.append((time.perf_counter() - begun) * 1000)
            else:
                window.errors["unexpected answer"] += 1

    await asyncio.gather(*(loop_one(action) for action in actions))
    window.elapsed = loop.time() - started
    return window


# ---------------------------------------------------------------- one engine


def measure(
    run: Callable[[Awaitable[Window]], Window],
    make_window: Callable[[], Awaitable[Window]],
    workers: list[int],
    backends: Backends,
) -> dict[str, Any]:
    """Run one window and describe it: rate, latency percentiles, errors, CPU per request."""
    server = backends.pids()
    before, before_db, busy_before = cpu_seconds(workers), cpu_seconds(server), machine_busy()
    window = run(make_window())
    after, after_db, busy_after = cpu_seconds(workers), cpu_seconds(server), machine_busy()
    timings = sorted(window.ok)
    n = len(timings)
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    out: dict[str, Any] = {
        "n": n,
        "errors": sum(window.errors.values()),
        "error_kinds": dict(window.errors),
        "seconds": round(window.elapsed, 1),
        "per_s": round(n / window.elapsed, 1) if window.elapsed else 0.0,
        "machine_busy_pct": round(100 * busy),
    }
    if n:
        out |= {f"p{q}_ms": round(percentile(timings, q / 100), 1) for q in (50, 95, 99)}
        out["worker_cpu_ms"] = round(1000 * spent(before, after) / n, 2)
        if server:
            out["db_cpu_ms"] = round(1000 * spent(before_db, after_db) / n, 2)
    return out


def bench_engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"engine": engine, "workers": args.workers, "clients": args.clients}
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(
            temporary_database(engine, args.postgres_url, prefix="apoa_bench_submit")
        )
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="apoa_submit_")))
        print(f"{engine}: building {args.stays:,} stays …", file=sys.stderr, flush=True)
        accounts, info = seed_database(url, stays=args.stays, clients=args.clients)
        result |= info
        backends = Backends(url)
        stack.callback(backends.close)
        base, master, log = stack.enter_context(gunicorn(url, args.workers, folder))
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        stack.callback(loop.close)
        wait_until_serving(loop, base, master, log)
        workers = children(master)
        result["worker_pids"] = len(workers)

        async def open_clients() -> tuple[list[Reporter], list[Visitor]]:
            # aiohttp sessions belong to the running loop: made inside it.
            return [Reporter(base, a, n) for n, a in enumerate(accounts, 1)], [
                Visitor(base) for _ in accounts
            ]

        reporters, visitors = loop.run_until_complete(open_clients())
        for client in (*reporters, *visitors):
            stack.callback(lambda c=client: loop.run_until_complete(c.close()))
        loop.run_until_complete(asyncio.gather(*(r.sign_in() for r in reporters)))
        submit = [r.submit for r in reporters]
        fetch = [v.fetch for v in visitors]
        rounds = []
        for number in range(1, args.rounds + 1):
            post = measure(loop.run_until_complete, lambda: drive(submit, args.seconds),
                           workers, backends)  # fmt: skip
            get = measure(loop.run_until_complete, lambda: drive(fetch, args.seconds),
                          workers, backends)  # fmt: skip
            ratio = round(get["per_s"] / post["per_s"], 1) if post["per_s"] else None
            rounds.append({"round": number, "post": post, "get": get, "get_per_post": ratio})
            print(f"{engine} round {number}: {post['per_s']}/s POST, {get['per_s']}/s GET,"
                  f" {post['errors']} errors", file=sys.stderr, flush=True)  # fmt: skip
        result["rounds"] = rounds
        if args.profile:
            result["profile"] = profile(loop, submit, workers, engine, args, backends)
        errors_logged = log.read_text(errors="replace").count("Traceback") if log.exists() else 0
        result["server_tracebacks"] = errors_logged
    return result


def wait_until_serving(loop: asyncio.AbstractEventLoop, base: str, master: int, log: Path) -> None:
    async def poll() -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        probe = Visitor(base)  # closed below, failing or not
        try:
            while time.monotonic() < deadline:
                if _stat_fields(master) is None:
                    break
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    if await probe.fetch():
                        return
                await asyncio.sleep(0.25)
        finally:
            await probe.close()
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"gunicorn did not answer in {STARTUP_TIMEOUT_S} s\n{tail}")

    loop.run_until_complete(poll())
    time.sleep(1)  # let every worker finish booting, not only the first to answer


# ---------------------------------------------------------------- py-spy


def profile(
    loop: asyncio.AbstractEventLoop,
    submit: list[Callable[[], Awaitable[bool]]],
    workers: list[int],
    engine: str,
    args: argparse.Namespace,
    backends: Backends,
) -> dict[str, Any]:
    """Sample one worker with py-spy through an extra window of submissions."""
    binary = Path(sys.executable).parent / "py-spy"
    spy = str(binary) if binary.exists() else shutil.which("py-spy")
    if spy is None or not workers:
        print("py-spy is not installed: no profile", file=sys.stderr)
        return {"available": False}
    out = Path(args.profile_dir) / f"bench_submit_{engine}.txt"
    command = [
        spy, "record", "--pid", str(workers[0]), "--duration", str(int(args.seconds)),
        "--rate", "200", "--idle", "--format", "raw", "--output", str(out),
    ]  # fmt: skip
    spy_process = subprocess.Popen(  # noqa: S603 - fixed arguments
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    time.sleep(1)  # py-spy attaches
    window = measure(loop.run_until_complete, lambda: drive(submit, args.seconds),
                     workers, backends)  # fmt: skip
    try:
        _, stderr = spy_process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        spy_process.kill()
        _, stderr = spy_process.communicate()
    if not out.exists():
        message = stderr.decode(errors="replace").strip()[-500:]
        print(f"py-spy gave no profile: {message}", file=sys.stderr)
        return {"available": False, "error": message}
    return {"available": True, "file": str(out), "window": window, **summarise(out)}


FRAME = re.compile(r"^(?P<function>.*?) \((?P<path>[^:()]+)(?::\d+)?\)$")


def _where(frame: str) -> tuple[str, str]:
    """(function, package) of one raw py-spy frame; apoa's packages one level down."""
    match = FRAME.match(frame)
    if not match:
        return frame, "other"
    path = match["path"]
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    parts = path.removesuffix(".py").split("/")
    if path.startswith("/") or len(parts) == 1:
        return match["function"], "python:" + parts[-1]
    if parts[0] == "apoa" and len(parts) > 2:
        return match["function"], f"apoa.{parts[1]}"
    return match["function"], parts[0]


def summarise(path: Path, top: int = 15) -> dict[str, Any]:
    """Shares of the samples taken inside a request: own time by package, time under app frames."""
    total = in_request = 0
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        entry = next((i for i, frame in enumerate(frames) if "wsgi_app" in frame), None)
        if entry is None:
            continue
        in_request += count
        own[_where(frames[-1])[1]] += count
        # The app's own frames say where the time goes; the library frames under them repeat.
        named = {
            f"{fn} [{module}]"
            for fn, module in map(_where, frames[entry + 1 :])
            if module.startswith("apoa")
        }
        for name in named:
            under[name] += count

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / in_request, 1)) for k, v in counter.most_common(top)]

    return {
        "samples": total,
        "in_request_pct": round(100 * in_request / total, 1) if total else 0.0,
        "own_by_package": shares(own) if in_request else [],
        "under_app_frame": shares(under) if in_request else [],
    }


# ---------------------------------------------------------------- output


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| Engine | Round | Check-ins/s | p50 / p95 / p99 ms | Errors | Worker CPU ms | "
        "DB CPU ms | GET /login/s | GET p50 / p99 ms | GET CPU ms | GET ÷ POST | Busy % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for engine in report["engines"]:
        for r in engine["rounds"]:
            post, get = r["post"], r["get"]
            lines.append(
                f"| {engine['engine']} {engine.get('engine_version', '')} | {r['round']} "
                f"| {post['per_s']:,} | {post.get('p50_ms')} / {post.get('p95_ms')} / "
                f"{post.get('p99_ms')} | {post['errors']} | {post.get('worker_cpu_ms')} "
                f"| {post.get('db_cpu_ms', '–')} | {get['per_s']:,} "
                f"| {get.get('p50_ms')} / {get.get('p99_ms')} | {get.get('worker_cpu_ms')} "
                f"| {r['get_per_post']} | {post['machine_busy_pct']} / {get['machine_busy_pct']} |"
            )
    for engine in report["engines"]:
        spy = engine.get("profile")
        if not spy:
            continue
        if not spy.get("available"):
            lines.append(f"\n{engine['engine']}: py-spy unavailable ({spy.get('error', '')})")
            continue
        lines.append(
            f"\n{engine['engine']} profile of one worker ({spy['file']}): {spy['samples']} "
            f"samples, {spy['in_request_pct']} % inside a request; "
            f"{spy['window']['per_s']} check-ins/s while sampled."
        )
        lines.append("Own time by package, % of in-request samples: " + ", ".join(
            f"{name} {pct}" for name, pct in spy["own_by_package"]
        ))  # fmt: skip
        lines.append("Time under the app's frames, % of in-request samples:")
        lines.extend(f"- {pct} % {name}" for name, pct in spy["under_app_frame"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--stays", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--postgres-url", "--database-url", dest="postgres_url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="server to create the temporary database on",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="sample one worker with py-spy")
    parser.add_argument("--profile-dir", default=".", help="where py-spy's raw stacks go")
    parser.add_argument("--json", help="write the raw figures here")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 99 or args.seconds <= 0 or args.rounds < 1 or args.workers < 1:
        parser.error("need 1-99 clients, positive seconds, at least one round and one worker")
    # A SIGTERM unwinds like Ctrl-C: gunicorn is stopped and the database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    report: dict[str, Any] = {
        "machine": machine(),
        "command": " ".join(["bench/bench_submit.py", *(argv or sys.argv[1:])]),
        "stays": args.stays,
        "seconds": args.seconds,
        "engines": [bench_engine(engine, args) for engine in engines],
    }
    publish(markdown(report), report, args.json)
    failed = any(r["post"]["n"] == 0 for e in report["engines"] for r in e["rounds"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

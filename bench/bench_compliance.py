"""The compliance list, the dashboard and the alerts at national scale (issue 6, point 7).

    .venv/bin/python bench/bench_compliance.py [--stays 200000] [--reporters N]
        [--engine sqlite|postgresql|both] [--database-url URL] [--repeat 20] [--json out.json]

For each engine a database is built: migrated, loaded with regions and offices,
filled by `apoa.devdata.generate` (stays/s; it ends with the pyramid and the
summaries rebuilt), then `apoa.compliance.rebuild.rebuild_all` is timed on its
own, as `flask apoa rebuild-summaries` runs it, and the alert scan once. By
default the database is a fresh temporary one (a SQLite file, or
`apoa_bench_<pid>` on the --postgres-url server), dropped afterwards;
--database-url names one to use instead: built when empty, measured as it is
when it already holds stays (so a 10M-stay database is generated once), never
dropped.

Then, through the Flask test client (server time, no network), signed in as an
officer of the office with the most places and as an admin: the compliance
list's first page (as it opens, filtered, sorted by overdue check-outs and by
reporter), its CSV export, the dashboard page and its JSON, the national
dashboard, and the alerts queue. Each is requested --warmup times, then
--repeat times (p50 and p95 in ms). Last, the per-report cost of keeping the
summaries: submit_check_in of two guests and record_check_out of both through
the services at one of the office's lodgings, flushed and rolled back, with
the summary maintenance and with it switched off (what remains is the stay,
its events, receipts, audit and the map pyramid).

Targets (issue 6, point 7): the list's first page <= 300 ms and the dashboard
<= 500 ms with 100,000 reporters and 10,000,000 stays, on both engines.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.common import (  # noqa: E402
    analyze_after_load,
    build_app,
    load_reference_data,
    machine,
    publish,
    temporary_database,
    timing_summary,
)

PASSWORD = "bench-compliance-password-not-secret"  # noqa: S105 - a throwaway benchmark database
TARGETS_MS = {"list": 300, "dashboard": 500}


# ---------------------------------------------------------------- small helpers


def log(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- building the data


def has_stays(app: Any) -> bool:
    from apoa.extensions import db

    with app.app_context():
        try:
            return bool(db.session.scalar(sa.text("SELECT 1 FROM stays LIMIT 1")))
        except sa.exc.DBAPIError:
            db.session.rollback()
            return False


def build(app: Any, stays: int, reporters: int, seed: int) -> dict[str, Any]:
    """Migrate, load the reference data, generate; return the generator's figures."""
    from tqdm import tqdm

    from apoa.devdata.generate import generate
    from apoa.extensions import db

    with app.app_context():
        load_reference_data()
        started = time.perf_counter()
        with tqdm(total=stays, unit="stay", file=sys.stderr, mininterval=10) as bar:
            result = generate(stays=stays, reporters=reporters, seed=seed, progress=bar.update)
        db.session.commit()
        result["generate_with_commit_s"] = round(time.perf_counter() - started, 1)
        analyze_after_load()
    return result


def time_rebuild(app: Any) -> dict[str, Any]:
    """Time the summaries' rebuild as `flask apoa rebuild-summaries` runs it (with the commit)."""
    from apoa.compliance.rebuild import rebuild_all
    from apoa.db import utcnow
    from apoa.extensions import db

    with app.app_context():
        started = time.perf_counter()
        rows = rebuild_all(now=utcnow())
        db.session.commit()
        seconds = time.perf_counter() - started
        stays = db.session.scalar(sa.text("SELECT count(*) FROM stays")) or 0
    return {
        "seconds": round(seconds, 1),
        "seconds_per_million_stays": round(seconds / max(stays / 1e6, 1e-9), 1),
        "rows": rows,
    }


def time_alert_scan(app: Any) -> dict[str, Any]:
    """Run the daily alert scan once (every office): the queue then has its alerts."""
    from apoa.alerts.services import raise_due_alerts
    from apoa.db import utcnow
    from apoa.extensions import db

    with app.app_context():
        started = time.perf_counter()
        added = raise_due_alerts(None, now=utcnow())
        db.session.commit()
    return {"seconds": round(time.perf_counter() - started, 1), "alerts": added}


def facts(app: Any) -> dict[str, Any]:
    """The office with the most places, its biggest district, and the bench accounts."""
    from apoa.accounts.models import User
    from apoa.accounts.passwords import hash_password
    from apoa.compliance.models import NO_OFFICE, Ledger
    from apoa.extensions import db
    from apoa.regions.models import Office

    with app.app_context():
        office_id, places = db.session.execute(
            sa.select(Ledger.office_id, sa.func.count())
            .where(Ledger.is_active.is_(True), Ledger.office_id != NO_OFFICE)
            .group_by(Ledger.office_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
        district = db.session.scalar(
            sa.select(Ledger.district_code)
            .where(Ledger.office_id == office_id)
            .group_by(Ledger.district_code)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        office_code = db.session.get(Office, office_id).code
        for username, role in (("bench-officer", "officer"), ("bench-admin", "admin")):
            user = db.session.scalar(sa.select(User).where(User.username == username))
            if user is None:
                user = User(username=username, full_name=username, role=role)
                db.session.add(user)
            user.office_id = office_id if role == "officer" else None
            user.password_hash = hash_password(PASSWORD)
        counts = {
            "stays": db.session.scalar(sa.text("SELECT count(*) FROM stays")),
            "open_stays": db.session.scalar(
                sa.text("SELECT count(*) FROM stays WHERE status = 'open'")
            ),
            "reporters": db.session.scalar(
                sa.text("SELECT count(*) FROM users WHERE role = 'reporter'")
            ),
            "places": db.session.scalar(sa.select(sa.func.count()).select_from(Ledger)),
        }
        db.session.commit()
        server = db.session.scalar(
            sa.text("SELECT version()" if db.engine.dialect.name == "postgresql" else "SELECT 1")
        )
    return {
        "office_id": office_id,
        "office": office_code,
        "office_places": places,
        "district": district,
        "server": server if isinstance(server, str) else None,
        **counts,
    }


# ---------------------------------------------------------------- requests


def cases(district: str) -> list[tuple[str, str, str, str]]:
    """(role, label, URL, target) per measured page."""
    return [
        ("officer", "list, first page", "/compliance/", "list"),
        ("officer", "list, status late", "/compliance/?status=late", "list"),
        (
            "officer",
            "list, lodgings of one district",
            f"/compliance/?kind=lodging&district={district}",
            "list",
        ),
        ("officer", "list, by overdue check-outs", "/compliance/?sort=overdue&dir=desc", "list"),
        ("officer", "list, by reporter name", "/compliance/?sort=reporter", "list"),
        ("officer", "list, CSV of the first page", "/compliance/export.csv", ""),
        ("officer", "area coverage", "/compliance/coverage", ""),
        ("officer", "dashboard", "/dashboard/", "dashboard"),
        ("officer", "dashboard data.json", "/dashboard/data.json", "dashboard"),
        ("officer", "alerts queue", "/alerts/", ""),
        ("admin", "dashboard, national", "/dashboard/", "dashboard"),
        ("admin", "dashboard data.json, national", "/dashboard/data.json", "dashboard"),
    ]


def measure_pages(app: Any, district: str, warmup: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    clients: dict[str, Any] = {}
    for role in ("officer", "admin"):
        client = app.test_client()
        response = client.post("/login", data={"username": f"bench-{role}", "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"sign-in of bench-{role} failed: {response.status_code}")
        clients[role] = client
    for role, label, url, target in cases(district):
        client = clients[role]
        status = None
        size = 0
        for _ in range(warmup):
            client.get(url)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            status, size = response.status_code, len(response.data)
        row = {
            "role": role,
            "page": label,
            "url": url,
            "status": status,
            "bytes": size,
            "target_ms": TARGETS_MS.get(target),
            **timing_summary(timings),
        }
        rows.append(row)
        log(
            f"{role:<8} {label:<34} {status} p50 {row['p50_ms']:8.2f} ms  "
            f"p95 {row['p95_ms']:8.2f} ms  {size:>8,} B"
        )
    return rows


# ---------------------------------------------------------------- per-report cost


def _guest(index: int, today: date) -> dict[str, Any]:
    return {
        "surname": "BENCH",
        "given_names": "Anna",
        "sex": "F",
        "birth_date": date(1985, 3, 1),
        "birth_place": "Sydney",
        "nationality": "AUS",
        "passport_number": f"PB{index:07d}",
        "issuing_country": "AUS",
        "passport_expiry": today + timedelta(days=900),
        "permit_type": "voa",
        "permit_number": None,
        "permit_expiry": today + timedelta(days=30),
        "purpose": "tourism",
        "phone": None,
    }


@contextlib.contextmanager
def summaries_off() -> Iterator[None]:
    """Disconnect the compliance summaries from the writers' signals (the only thing changed)."""
    from blinker import ANY, Signal

    from apoa import signals
    from apoa.compliance import projection

    connected = [
        (signal, receiver)
        for signal in vars(signals).values()
        if isinstance(signal, Signal)
        for receiver in signal.receivers_for(ANY)
        if getattr(receiver, "__module__", None) == projection.__name__
    ]
    if not connected:
        raise SystemExit("no compliance receivers on the signals: nothing to switch off")
    for signal, receiver in connected:
        signal.disconnect(receiver)
    try:
        yield
    finally:
        for signal, receiver in connected:
            signal.connect(receiver)


def measure_report_cost(app: Any, office_id: int, repeat: int) -> dict[str, Any]:
    """Time check-in (2 guests) and check-out (both) through the services, flushed, rolled back."""
    from apoa.extensions import db
    from apoa.geocoding.models import Location
    from apoa.lodgings.models import Lodging
    from apoa.reports import places, services

    results: dict[str, Any] = {}
    with app.app_context():
        lodging = db.session.scalar(
            sa.select(Lodging)
            .join(Location, Lodging.location_id == Location.id)
            .where(Lodging.status == "verified", Location.office_id == office_id)
            .order_by(Lodging.id)
            .limit(1)
        )
        operator_id, lodging_id = lodging.operator_id, lodging.id
        db.session.rollback()

        def one(index: int) -> tuple[float, float]:
            from apoa.accounts.models import User

            operator = db.session.get(User, operator_id)
            place = places.place_for_lodging(operator, db.session.get(Lodging, lodging_id))
            now = datetime.now(UTC)
            today = now.date()
            started = time.perf_counter()
            receipt = services.submit_check_in(
                operator,
                place,
                [_guest(2 * index, today), _guest(2 * index + 1, today)],
                {
                    "check_in_at": now - timedelta(hours=2),
                    "expected_check_out": today + timedelta(days=3),
                },
                now=now,
            )
            db.session.flush()
            checked_in = time.perf_counter()
            stays = services.stays_of_receipt(receipt, operator)
            services.record_check_out(operator, stays, at=now, now=now)
            db.session.flush()
            done = time.perf_counter()
            db.session.rollback()
            return (checked_in - started) * 1000, (done - checked_in) * 1000

        switches = {"with summaries": contextlib.nullcontext, "without summaries": summaries_off}
        pairs: dict[str, list[tuple[float, float]]] = {label: [] for label in switches}
        for i in range(3):
            one(10_000 + i)  # warm-up
        # Alternate the two, so that neither gets the warmer caches or the quieter minute.
        for i in range(repeat):
            for label, switch in switches.items():
                with switch():
                    pairs[label].append(one(i))
        for label, timings in pairs.items():
            results[label] = {
                "check_in": timing_summary([a for a, _ in timings]),
                "check_out": timing_summary([b for _, b in timings]),
            }
            log(
                f"report cost {label:<18} check-in p50 {results[label]['check_in']['p50_ms']} ms,"
                f" check-out p50 {results[label]['check_out']['p50_ms']} ms"
            )
    on, off = results["with summaries"], results["without summaries"]
    results["ratio_check_in"] = round(on["check_in"]["p50_ms"] / off["check_in"]["p50_ms"], 2)
    results["ratio_check_out"] = round(on["check_out"]["p50_ms"] / off["check_out"]["p50_ms"], 2)
    results["extra_ms_per_report"] = round(
        (
            on["check_in"]["p50_ms"]
            - off["check_in"]["p50_ms"]
            + on["check_out"]["p50_ms"]
            - off["check_out"]["p50_ms"]
        )
        / 2,
        2,
    )
    return results


# ---------------------------------------------------------------- report


def _thousands(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "—"


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory']}, {m['os']}, Python "
        f"{m['python']}, SQLite {m['sqlite']}; {m['date']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average'])}.",
        "",
        "| Engine | Stays | Reporters | Places | Generate stays/s | Summaries rebuild s "
        "| s per 1M stays | Alert scan s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for engine, run in report["engines"].items():
        g, f = run.get("generate") or {}, run["facts"]
        if f.get("server"):
            engine = " ".join(f["server"].split()[:2])  # "PostgreSQL 15.20"
        rebuild = run.get("rebuild") or {}
        scan = run.get("alert_scan") or {}
        lines.append(
            f"| {engine} | {f['stays']:,} | {f['reporters']:,} | {f['places']:,} "
            f"| {_thousands(g.get('stays_per_second'))} | {rebuild.get('seconds', '—')} "
            f"| {rebuild.get('seconds_per_million_stays', '—')} | {scan.get('seconds', '—')} |"
        )
    engines = list(report["engines"])
    lines += [
        "",
        f"| Role | Page | {' | '.join(f'{e} p50 / p95 ms' for e in engines)} | Target |",
        "|---|---|" + "---|" * len(engines) + "---|",
    ]
    first = report["engines"][engines[0]]["pages"]
    for i, row in enumerate(first):
        cells = []
        for e in engines:
            r = report["engines"][e]["pages"][i]
            mark = f" (HTTP {r['status']})" if r["status"] != 200 else ""
            cells.append(f"{r['p50_ms']} / {r['p95_ms']}{mark}")
        target = f"≤ {row['target_ms']}" if row["target_ms"] else "—"
        lines.append(f"| {row['role']} | {row['page']} | {' | '.join(cells)} | {target} |")
    lines += [
        "",
        "| Engine | Check-in p50 with / without summaries ms | Check-out p50 with / without ms "
        "| Ratio in / out | Extra ms per report |",
        "|---|---|---|---|---|",
    ]
    for engine, run in report["engines"].items():
        c = run.get("report_cost")
        if not c:
            continue
        on, off = c["with summaries"], c["without summaries"]
        lines.append(
            f"| {engine} | {on['check_in']['p50_ms']} / {off['check_in']['p50_ms']} "
            f"| {on['check_out']['p50_ms']} / {off['check_out']['p50_ms']} "
            f"| {c['ratio_check_in']} / {c['ratio_check_out']} | {c['extra_ms_per_report']} |"
        )
    return "\n".join(lines)


def run_engine(engine: str, url: str, args: argparse.Namespace, reporters: int) -> dict[str, Any]:
    app = build_app(url)
    run: dict[str, Any] = {"url": sa.make_url(url).render_as_string(hide_password=True)}
    if has_stays(app):
        log("the database holds stays already: measuring it as it is")
    else:
        run["generate"] = build(app, args.stays, reporters, args.seed)
        g = run["generate"]
        log(
            f"generated {g['stays']:,} stays in {g['seconds_generate']} s "
            f"({g['stays_per_second']:,} stays/s); pyramid {g['seconds_rebuild']} s, "
            f"summaries {g['seconds_summaries']} s"
        )
    if args.build_only:
        return run
    if not args.no_rebuild:
        run["rebuild"] = time_rebuild(app)
        log(f"summaries rebuilt in {run['rebuild']['seconds']} s: {run['rebuild']['rows']}")
    run["facts"] = facts(app)
    log(
        f"office {run['facts']['office']}: {run['facts']['office_places']:,} places; "
        f"district {run['facts']['district']}"
    )
    run["alert_scan"] = time_alert_scan(app)
    log(f"alert scan {run['alert_scan']['seconds']} s, {run['alert_scan']['alerts']:,} alerts")
    run["pages"] = measure_pages(app, run["facts"]["district"], args.warmup, args.repeat)
    run["report_cost"] = measure_report_cost(app, run["facts"]["office_id"], args.report_repeat)
    with app.app_context():
        from apoa.extensions import db

        db.session.remove()
        db.engine.dispose()
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stays", type=int, default=200_000)
    parser.add_argument("--reporters", type=int, help="default: one per 100 stays")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--database-url", help="use (and keep) this database; one engine")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--report-repeat", type=int, default=50, help="timed reports")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the timed rebuild")
    parser.add_argument("--build-only", action="store_true", help="generate, then stop")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1")
    reporters = args.reporters or max(60, args.stays // 100)
    report: dict[str, Any] = {"machine": machine(), "engines": {}}
    if args.database_url:
        engine = sa.make_url(args.database_url).get_backend_name()
        print(f"== {engine}: {args.database_url}", file=sys.stderr)
        report["engines"][engine] = run_engine(engine, args.database_url, args, reporters)
    else:
        engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
        for engine in engines:
            print(f"== {engine}: {args.stays:,} stays, {reporters:,} reporters", file=sys.stderr)
            try:
                with temporary_database(engine, args.postgres_url) as url:
                    report["engines"][engine] = run_engine(engine, url, args, reporters)
            except sa.exc.OperationalError as error:
                if engine != "postgresql" or args.engine == "postgresql":
                    raise
                print(f"  no PostgreSQL server: {error.__class__.__name__}", file=sys.stderr)
    if args.build_only:
        print(json.dumps(report, indent=2, default=str))
        return 0
    publish(markdown(report), report, args.json)
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(600)
    raise SystemExit(main())

"""The same measurements on two checkouts in one run: the code before a change and after it.

    git worktree add /tmp/apoa-base <commit>
    .venv/bin/python bench/before_after.py --base /tmp/apoa-base [--stays 200000]
        [--engine sqlite|postgresql|both] [--rounds 3] [--json out.json]
    git worktree remove /tmp/apoa-base

Both checkouts must share the database schema (the same migrations). Per engine,
one fresh database (a temporary SQLite file, or `apoa_bench_<pid>` on the
--postgres-url server, dropped afterwards) is built once by this checkout, as
bench_compliance.py builds it (migrated, regions and offices, `generate` with the
summaries, the alert scan once). Then --rounds rounds run one child process per
checkout, in alternating order (base, new; new, base; ...), each importing `apoa`
and the bench modules of its own checkout, so that neither gets the warmer caches
or the quieter minute. Each child measures, through the Flask test client:

- the pages of bench_compliance.py (its `measure_pages`: the compliance list,
  exports, coverage, dashboards, the alerts queue), --repeat requests each;
- `/api/map/clusters` at the views of bench_map.py as an officer of
  kanim-ngurah-rai and as an admin, --map-repeat calls each;
- the cost of a report with its projections (bench_compliance's
  `measure_report_cost`: a family of two checked in, then both checked out,
  through the services, flushed and rolled back; with and without the compliance
  summaries), --report-repeat pairs;
- a bare one-row INSERT, flushed and rolled back: the in-process baseline each
  report is divided by.

The tables give, per figure, the median over the rounds of each child's p50
(and p95), base and new, and the ratio new / base with its range over the
rounds (each round's new divided by the same round's base).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MAP_OFFICER = "bench-map-officer"
MAP_OFFICE = "kanim-ngurah-rai"
PAGES_SHOWN = (
    ("officer", "list, first page"),
    ("officer", "list, by overdue check-outs"),
    ("officer", "dashboard"),
    ("admin", "dashboard, national"),
    ("officer", "alerts queue"),
)


def log(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- in a child: one checkout


def _use_checkout(tree: Path) -> None:
    """Import `apoa` and `bench` from `tree` only (not from the checkout of this file)."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() not in (HERE, HERE.parent)]
    sys.path.insert(0, str(tree))


def child_build(args: argparse.Namespace) -> dict[str, Any]:
    import sqlalchemy as sa

    from bench import bench_compliance as bc
    from bench.common import build_app

    app = build_app(args.database_url)
    result = {"generate": bc.build(app, args.stays, args.reporters, args.seed)}
    result["alert_scan"] = bc.time_alert_scan(app)
    from apoa.extensions import db

    with app.app_context():
        db.session.execute(
            sa.text("CREATE TABLE bench_bare (id integer PRIMARY KEY, note varchar(40))")
        )
        db.session.commit()
    return result


def _map_officer(app: Any, password: str) -> None:
    """An officer of the map bench's office (bench_compliance moves bench-officer elsewhere)."""
    import sqlalchemy as sa

    from apoa.accounts.models import User
    from apoa.accounts.passwords import hash_password
    from apoa.extensions import db
    from apoa.regions.models import Office

    with app.app_context():
        office_id = db.session.scalar(sa.select(Office.id).where(Office.code == MAP_OFFICE))
        user = db.session.scalar(sa.select(User).where(User.username == MAP_OFFICER))
        if user is None:
            user = User(username=MAP_OFFICER, full_name=MAP_OFFICER, role="officer")
            db.session.add(user)
        user.office_id = office_id
        user.password_hash = hash_password(password)
        db.session.commit()


def _map_endpoint(app: Any, password: str, repeat: int) -> list[dict[str, Any]]:
    from bench import bench_map as bm
    from bench.common import timing_summary

    rows = []
    for username in (MAP_OFFICER, "bench-admin"):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": password})
        if response.status_code != 302:
            raise SystemExit(f"sign-in of {username} failed: {response.status_code}")
        for label, zoom, lat, lon in bm.VIEWS:
            bbox = ",".join(f"{v:.5f}" for v in bm.bbox_for(lat, lon, zoom))
            url = f"/api/map/clusters?bbox={bbox}&z={zoom}"
            for _ in range(5):
                client.get(url)
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
            data = json.loads(response.data)
            rows.append(
                {
                    "role": "officer" if username == MAP_OFFICER else "admin",
                    "view": label,
                    "z": zoom,
                    "bytes": len(response.data),
                    "shown": len(data["points"] if zoom >= 15 else data["clusters"]),
                    **timing_summary(timings),
                }
            )
    return rows


def _bare_insert(app: Any, repeat: int) -> list[float]:
    """One row into a table of its own, flushed and rolled back: the session's floor."""
    import sqlalchemy as sa

    from apoa.extensions import db

    timings = []
    with app.app_context():
        for i in range(repeat):
            started = time.perf_counter()
            db.session.execute(
                sa.text("INSERT INTO bench_bare (id, note) VALUES (:id, :note)"),
                {"id": i + 1, "note": f"bare {i}"},
            )
            db.session.flush()
            timings.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    return timings


def child_measure(args: argparse.Namespace) -> dict[str, Any]:
    import apoa
    from bench import bench_compliance as bc
    from bench.common import build_app, timing_summary

    app = build_app(args.database_url)
    out: dict[str, Any] = {"apoa": apoa.__file__}
    facts = bc.facts(app)
    _map_officer(app, bc.PASSWORD)
    out["pages"] = bc.measure_pages(app, facts["district"], args.warmup, args.repeat)
    out["map"] = _map_endpoint(app, bc.PASSWORD, args.map_repeat)
    bare = _bare_insert(app, args.report_repeat * 2)
    out["report_cost"] = bc.measure_report_cost(app, facts["office_id"], args.report_repeat)
    bare += _bare_insert(app, args.report_repeat * 2)
    out["bare_insert"] = timing_summary(bare)
    with app.app_context():
        from apoa.extensions import db

        db.session.remove()
        db.engine.dispose()
    return out


# ---------------------------------------------------------------- the parent


def run_child(tree: Path, mode: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        "--tree",
        str(tree),
        "--database-url",
        url,
        "--child-json",
        str(out),
        *(
            f"--{name.replace('_', '-')}={getattr(args, name)}"
            for name in ("stays", "reporters", "seed", "warmup", "repeat")
        ),
        f"--map-repeat={args.map_repeat}",
        f"--report-repeat={args.report_repeat}",
    ]
    try:
        subprocess.run(command, cwd=tree, check=True, timeout=args.child_timeout)  # noqa: S603
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def _figures(child: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """name -> (p50, p95) of one child's measurements."""
    figures: dict[str, tuple[float, float]] = {}
    for row in child["pages"]:
        figures[f"page|{row['role']}|{row['page']}"] = (row["p50_ms"], row["p95_ms"])
    for row in child["map"]:
        figures[f"map|{row['role']}|{row['view']}|{row['z']}"] = (row["p50_ms"], row["p95_ms"])
    cost = child["report_cost"]
    for label in ("with summaries", "without summaries"):
        for step in ("check_in", "check_out"):
            c = cost[label][step]
            figures[f"report|{label}|{step}"] = (c["p50_ms"], c["p95_ms"])
    bare = child["bare_insert"]
    figures["bare"] = (bare["p50_ms"], bare["p95_ms"])
    for step in ("check_in", "check_out"):
        p50 = cost["with summaries"][step]["p50_ms"]
        figures[f"per-bare|{step}"] = (round(p50 / bare["p50_ms"], 1), 0.0)
    return figures


def compare(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Median over the rounds per side, and the per-round ratio new / base."""
    table: dict[str, dict[str, Any]] = {}
    per_round = [{side: _figures(r[side]) for side in ("base", "new")} for r in rounds]
    for name in per_round[0]["base"]:
        base50 = [r["base"][name][0] for r in per_round]
        new50 = [r["new"][name][0] for r in per_round]
        ratios = [n / b for n, b in zip(new50, base50, strict=True) if b]
        table[name] = {
            "base_p50": round(statistics.median(base50), 2),
            "new_p50": round(statistics.median(new50), 2),
            "base_p95": round(statistics.median(r["base"][name][1] for r in per_round), 2),
            "new_p95": round(statistics.median(r["new"][name][1] for r in per_round), 2),
            "ratio": round(statistics.median(ratios), 2) if ratios else None,
            "ratio_min": round(min(ratios), 2) if ratios else None,
            "ratio_max": round(max(ratios), 2) if ratios else None,
        }
    return table


def _ratio(row: dict[str, Any]) -> str:
    return f"**{row['ratio']}** ({row['ratio_min']}–{row['ratio_max']})"


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}; {report['started']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average'])}. {report['rounds']} rounds, "
        "base and new alternating; medians over the rounds, ratio new / base "
        "(its range over the rounds).",
    ]
    for engine, run in report["engines"].items():
        t = run["compare"]
        g = run["build"]["generate"]
        title = run.get("server") or engine
        lines += [
            "",
            f"**{title}**, {g['stays']:,} stays, {g.get('reporters', '?')} reporters.",
            "",
            "| Report (2 guests) | Base p50 / p95 ms | New p50 / p95 ms | New / base |",
            "|---|---|---|---|",
        ]
        for label in ("with summaries", "without summaries"):
            for step, name in (("check_in", "check-in"), ("check_out", "check-out")):
                row = t[f"report|{label}|{step}"]
                lines.append(
                    f"| {name}, {label} | {row['base_p50']} / {row['base_p95']} "
                    f"| {row['new_p50']} / {row['new_p95']} | {_ratio(row)} |"
                )
        bare = t["bare"]
        lines.append(
            f"| bare one-row insert (baseline) | {bare['base_p50']} / {bare['base_p95']} "
            f"| {bare['new_p50']} / {bare['new_p95']} | {_ratio(bare)} |"
        )
        for step, name in (("check_in", "check-in"), ("check_out", "check-out")):
            row = t[f"per-bare|{step}"]
            lines.append(
                f"| {name} with summaries ÷ bare insert | {row['base_p50']} | {row['new_p50']} "
                f"| {_ratio(row)} |"
            )
        lines += [
            "",
            "| Page | Base p50 / p95 ms | New p50 / p95 ms | New / base (p50) |",
            "|---|---|---|---|",
        ]
        for role, page in PAGES_SHOWN:
            row = t[f"page|{role}|{page}"]
            lines.append(
                f"| {role}: {page} | {row['base_p50']} / {row['base_p95']} "
                f"| {row['new_p50']} / {row['new_p95']} | {_ratio(row)} |"
            )
        for name, row in t.items():
            if name.startswith("map|"):
                _, role, view, zoom = name.split("|")
                lines.append(
                    f"| {role}: /api/map/clusters, {view} z{zoom} "
                    f"| {row['base_p50']} / {row['base_p95']} "
                    f"| {row['new_p50']} / {row['new_p95']} | {_ratio(row)} |"
                )
    return "\n".join(lines)


def run_engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.common import temporary_database

    base, new = args.base.resolve(), HERE.parent
    run: dict[str, Any] = {}
    with temporary_database(engine, args.postgres_url) as url:
        started = time.perf_counter()
        run["build"] = run_child(new, "build", url, args)
        run["build"]["generate"]["reporters"] = args.reporters
        log(f"{engine}: built in {time.perf_counter() - started:.0f} s")
        if engine == "postgresql":
            import sqlalchemy as sa

            with sa.create_engine(url).connect() as conn:
                run["server"] = " ".join(conn.scalar(sa.text("SELECT version()")).split()[:2])
        rounds = []
        for i in range(args.rounds):
            order = [("base", base), ("new", new)]
            if i % 2:
                order.reverse()
            result: dict[str, Any] = {}
            for side, tree in order:
                started = time.perf_counter()
                result[side] = run_child(tree, "measure", url, args)
                log(
                    f"{engine} round {i + 1} {side}: {time.perf_counter() - started:.0f} s "
                    f"({result[side]['apoa']})"
                )
            rounds.append(result)
    run["rounds"] = rounds
    run["compare"] = compare(rounds)
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="the checkout to compare against")
    parser.add_argument("--stays", type=int, default=200_000)
    parser.add_argument("--reporters", type=int, default=0, help="default: one per 100 stays")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument("--map-repeat", type=int, default=30, help="timed calls per map view")
    parser.add_argument("--report-repeat", type=int, default=30, help="timed reports")
    parser.add_argument("--child-timeout", type=int, default=600, help="seconds per child")
    parser.add_argument("--json")
    # Internal: one child process on one checkout.
    parser.add_argument("--child", choices=("build", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--child-json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.reporters = args.reporters or max(60, args.stays // 100)
    if args.child:
        _use_checkout(args.tree.resolve())
        result = child_build(args) if args.child == "build" else child_measure(args)
        Path(args.child_json).write_text(json.dumps(result, default=str))
        return 0
    if args.base is None or not (args.base / "apoa" / "__init__.py").exists():
        parser.error("--base must name a checkout of apoa (git worktree add ...)")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    sys.path.insert(0, str(HERE.parent))
    from bench.common import machine, publish

    report: dict[str, Any] = {
        "machine": machine(),
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "base": str(args.base.resolve()),
        "base_commit": _commit(args.base),
        "new_commit": _commit(HERE.parent),
        "rounds": args.rounds,
        "engines": {},
    }
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:
        print(f"== {engine}: {args.stays:,} stays, {args.reporters:,} reporters", file=sys.stderr)
        report["engines"][engine] = run_engine(engine, args)
    publish(markdown(report), report, args.json)
    return 0


def _commit(tree: Path) -> str:
    result = subprocess.run(  # noqa: S603
        ["git", "-C", str(tree), "describe", "--always", "--dirty"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip()


if __name__ == "__main__":
    socket.setdefaulttimeout(600)
    raise SystemExit(main())

"""The national data generator's throughput, per engine, on fresh databases.

    .venv/bin/python bench/bench_generate.py [--stays 1000000] [--reporters 20000]
        [--engine sqlite|postgresql|both] [--runs 3] [--json out.json]

Each run migrates a fresh database (a temporary SQLite file, or
`apoa_bench_generate_<pid>` on the PostgreSQL server of --postgres-url,
dropped afterwards), loads the regions and offices, then times
`generate(stays=…, reporters=…, seed=…)` and its commit. `stays/s` is the
generator's own figure: stays divided by the time to write every row (the
bulk load, with whatever it does around it), before the statistics, the map
pyramid and the compliance summaries are rebuilt; `incl. commit` divides by
the whole call and the commit. Runs alternate engines so a load that comes
and goes on a shared machine falls on both; the table shows min / median / max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.common import (  # noqa: E402
    build_app,
    load_reference_data,
    machine,
    publish,
    temporary_database,
)


def one_run(url: str, stays: int, reporters: int, seed: int) -> dict[str, Any]:
    from apoa.devdata.generate import generate
    from apoa.extensions import db

    app = build_app(url)
    with app.app_context():
        load_reference_data()
        started = time.perf_counter()
        result = generate(stays=stays, reporters=reporters, seed=seed)
        db.session.commit()
        total = time.perf_counter() - started
        result["seconds_with_commit"] = round(total, 3)
        result["stays_per_second_with_commit"] = round(stays / total)
        if db.engine.dialect.name == "postgresql":
            result["server"] = str(db.session.scalar(sa.text("SHOW server_version"))).split()[0]
        db.session.remove()
        db.engine.dispose()
    return result


def spread(values: list[float], digits: int = 0) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:,.{digits}f} / {mid:,.{digits}f} / {high:,.{digits}f}"


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"{report['stays']:,} stays, {report['reporters']:,} reporters, seed {report['seed']}, "
        f"{len(next(iter(report['engines'].values())))} runs per engine; min / median / max:",
        "",
        "| Engine | stays/s (writing) | stays/s incl. rebuilds and commit | writing s "
        "| pyramid s | summaries s |",
        "|---|---|---|---|---|---|",
    ]
    for engine, runs in report["engines"].items():
        label = engine if engine == "sqlite" else f"PostgreSQL {runs[0].get('server', '')}"
        lines.append(
            f"| {label} | {spread([r['stays_per_second'] for r in runs])} "
            f"| {spread([r['stays_per_second_with_commit'] for r in runs])} "
            f"| {spread([r['seconds_generate'] for r in runs], 1)} "
            f"| {spread([r['seconds_rebuild'] for r in runs], 1)} "
            f"| {spread([r['seconds_summaries'] for r in runs], 1)} |"
        )
    lines.append("")
    lines.append(f"load average at the start: {report['machine']['load_average']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stays", type=int, default=1_000_000)
    parser.add_argument("--reporters", type=int, default=20_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    report: dict[str, Any] = {
        "machine": machine(),
        "stays": args.stays,
        "reporters": args.reporters,
        "seed": args.seed,
        "engines": {engine: [] for engine in engines},
    }
    for run in range(args.runs):
        for engine in engines:
            with temporary_database(engine, args.postgres_url, "apoa_bench_generate") as url:
                result = one_run(url, args.stays, args.reporters, args.seed)
            report["engines"][engine].append(result)
            print(
                f"run {run + 1} {engine}: {result['stays_per_second']:,} stays/s writing "
                f"({result['seconds_generate']} s), {result['seconds_with_commit']} s in all, "
                f"load {os.getloadavg()[0]:.1f}",
                file=sys.stderr,
                flush=True,
            )
    publish(markdown(report), report, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

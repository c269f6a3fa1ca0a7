"""Helpers the benchmarks share: the machine's description, throwaway databases, the app."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import logging
import math
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from apoa import create_app  # noqa: E402
from apoa.config import TestConfig, normalise_database_url  # noqa: E402


def percentile(sorted_values: list[float], q: float) -> float:
    """Return the nearest-rank percentile of an already sorted list."""
    index = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[index]


def timing_summary(timings: list[float]) -> dict[str, float]:
    """p50, p95 and maximum of request times in ms, rounded for the tables."""
    timings = sorted(timings)
    return {
        "n": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(timings[-1], 2),
    }


def load_reference_data() -> None:
    """Migrate an empty database and load the regions and offices (in an app context)."""
    from flask_migrate import upgrade

    from apoa.extensions import db
    from apoa.regions.loading import load_offices, load_regions

    upgrade()
    load_regions()
    load_offices()
    db.session.commit()


def analyze_after_load() -> None:
    """On PostgreSQL, what autovacuum would do a minute after a bulk load.

    SQLite has no automatic statistics and is measured as deployed (no ANALYZE).
    """
    from apoa.extensions import db

    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def machine() -> dict[str, Any]:
    """What the results were measured on, for docs/benchmarks.md."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": os.getloadavg(),
    }


@contextlib.contextmanager
def temporary_database(engine: str, postgres_url: str, prefix: str = "apoa_bench") -> Iterator[str]:
    """Yield the URL of a fresh, empty database (`<prefix>_<pid>`); remove it afterwards."""
    if engine == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=f"{prefix}_"))
        try:
            yield f"sqlite:///{folder / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    server = normalise_database_url(postgres_url)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def build_app(url: str) -> Any:
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def publish(text: str, report: dict[str, Any], json_path: str | None) -> None:
    """Print the Markdown tables and keep the raw figures as JSON when asked."""
    print(text)
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=2, default=str))


# The system Chromium for the browser benchmarks (never a downloaded browser), quiet:
# no background traffic of its own, so every request measured is the app's.
CHROMIUM = os.environ.get("APOA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def serve(app_or_dir: Any) -> Iterator[str]:
    """Serve a WSGI app or a directory on a free loopback port in a thread."""
    if isinstance(app_or_dir, Path):
        handler = functools.partial(_QuietHandler, directory=str(app_or_dir))
        server: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    else:
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

        server = make_server("127.0.0.1", 0, app_or_dir, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)

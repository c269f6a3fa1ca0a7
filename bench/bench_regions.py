"""Latency of the region-picker endpoints (issue 3: under 50 ms) on a migrated database.

    .venv/bin/python bench/bench_regions.py [--database-url URL] [--json out.json]

Without --database-url a temporary SQLite database is migrated and loaded.
Each endpoint is called through the WSGI app (no network) by a signed-in user.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apoa import create_app
from apoa.config import TestConfig

CASES = [
    ("provinces", "/api/regions/children"),
    ("regencies of Bali", "/api/regions/children?parent=51"),
    ("villages of Kuta", "/api/regions/children?parent=510301"),
    ("search 'legian' (villages)", "/api/regions/search?q=legian&level=4"),
    ("search 'sido' (villages, 98+ matches)", "/api/regions/search?q=sido&level=4"),
    ("search 'jakarta' (any level)", "/api/regions/search?q=jakarta"),
    ("one region with centroid", "/api/regions/5103011004"),
]


def build_app(url: str | None):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from apoa.accounts.models import User
    from apoa.accounts.passwords import hash_password
    from apoa.extensions import db
    from apoa.regions.loading import load_regions

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app(config)
    with app.app_context():
        upgrade()
        load_regions()
        if db.session.scalar(db.select(User).where(User.username == "bench")) is None:
            db.session.add(
                User(
                    username="bench",
                    full_name="Bench",
                    role="admin",
                    password_hash=hash_password("bench bench bench"),
                )
            )
        db.session.commit()
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json")
    args = parser.parse_args()
    app = build_app(args.database_url)
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "bench bench bench"})
    engine = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    results = []
    print(f"| endpoint ({engine}) | p50 ms | p95 ms | max ms | bytes |")
    print("|---|---|---|---|---|")
    for name, url in CASES:
        for _ in range(10):  # warm caches and the connection pool
            client.get(url)
        timings = []
        size = 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            size = len(response.data)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        timings.sort()
        row = {
            "endpoint": name,
            "url": url,
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "max_ms": round(timings[-1], 2),
            "bytes": size,
        }
        results.append(row)
        print(f"| {name} | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} | {size} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"engine": engine, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

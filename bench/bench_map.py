"""The officers' map at national scale, against what a naive folium page would do.

    .venv/bin/python bench/bench_map.py [--stays 1000000] [--engine sqlite|postgresql|both]
                                        [--json out.json]

For each engine: a fresh database (a temporary SQLite file, or `apoa_bench_<pid>`
on the PostgreSQL server of --postgres-url, dropped afterwards) is migrated and
loaded with regions and offices; `apoa.devdata.generate` writes N stays (stays/s);
`cells.rebuild()` is timed (s per million stays); `/api/map/clusters` is called
through the Flask test client (server time, no network) as an officer of
kanim-ngurah-rai and as an admin at zooms 5, 8, 12, 14 (clusters) and 16
(places) over a 1280x800 viewport (p50/p95 over --repeat calls, response
bytes); finally the `/map` page is opened in the system Chromium, served on
loopback by the app, until its first clusters are drawn.

Side by side, what a naive folium user would do: every open stay as a point in
a `MarkerCluster` of `folium.Marker`s, or a `FastMarkerCluster`, at 10,000 and
100,000 points: HTML size, Python render time, and Chromium's time to the
`load` event and to the first `.marker-cluster`. folium's CDN assets cannot load
offline, so those pages use our vendored Leaflet and Leaflet.markercluster from
a local static server, `tiles=None` with `maxZoom` 18 and a plain `L.marker`
callback. Any request that would leave the machine is aborted in the browser.

Targets (performance.md, section 5): p95 <= 50 ms, <= 20 KB per viewport,
rebuild <= 60 s per million stays, map page <= 300 KB, first clusters <= 1 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.common import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    analyze_after_load,
    build_app,
    load_reference_data,
    machine,
    publish,
    serve,
    temporary_database,
    timing_summary,
)

VENDOR = ROOT / "apoa" / "static" / "vendor"
VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "bench-map-password-not-secret"  # noqa: S105 - a throwaway benchmark database
OFFICE = "kanim-ngurah-rai"

# (label, zoom, centre lat, centre lon): one 1280x800 view each.
VIEWS = [
    ("Indonesia", 5, -2.5, 118.0),
    ("Bali", 8, -8.4, 115.2),
    ("Kuta-Denpasar", 12, -8.70, 115.20),
    ("Kuta", 14, -8.715, 115.172),
    ("Legian street", 16, -8.7038, 115.1728),
]

# Set in the page before anything runs: when the first cluster icon appears and when our
# map marks its clusters as drawn, in ms since navigation start (the main thread is busy
# clustering until then, so these are the times a user first sees something).
OBSERVER_JS = """
(() => {
  window.__bench = {};
  const seen = () => {
    const b = window.__bench;
    if (b.firstCluster === undefined && document.querySelector('.marker-cluster')) {
      b.firstCluster = performance.now();
    }
    if (b.clustersDrawn === undefined &&
        document.querySelector('#officer-map[data-clusters-drawn]')) {
      b.clustersDrawn = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['class', 'data-clusters-drawn'],
  });
})();
"""


# ---------------------------------------------------------------- small helpers


def bbox_for(lat: float, lon: float, zoom: int) -> tuple[float, float, float, float]:
    """Return (west, south, east, north) of a VIEWPORT-sized map centred on a point."""
    from apoa.maps.tiles import tile_to_lonlat

    n = 1 << zoom
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    dx, dy = VIEWPORT["width"] / 512, VIEWPORT["height"] / 512  # half a view, in 256-px tiles
    west, north = tile_to_lonlat(x - dx, y - dy, zoom)
    east, south = tile_to_lonlat(x + dx, y + dy, zoom)
    return (max(west, -180.0), max(south, -85.0), min(east, 180.0), min(north, 85.0))


# ---------------------------------------------------------------- the app side


def prepare(app: Any, stays: int, reporters: int, seed: int) -> dict[str, Any]:
    """Migrate, load reference data, generate, rebuild; return what was measured."""
    from apoa.accounts.models import User
    from apoa.accounts.passwords import hash_password
    from apoa.devdata.generate import generate
    from apoa.extensions import db
    from apoa.maps import cells
    from apoa.regions.models import Office

    out: dict[str, Any] = {}
    with app.app_context():
        started = time.perf_counter()
        load_reference_data()
        out["setup_s"] = round(time.perf_counter() - started, 1)
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            out["server"] = db.session.scalar(sa.text("SHOW server_version"))

        step = max(stays // 10, 1)
        done = {"n": 0, "next": step}

        def progress(n: int) -> None:
            done["n"] += n
            if done["n"] >= done["next"]:
                done["next"] += step
                print(f"  … {done['n']:,} stays", file=sys.stderr, flush=True)

        started = time.perf_counter()
        result = generate(stays=stays, reporters=reporters, seed=seed, progress=progress)
        db.session.commit()
        total = time.perf_counter() - started
        out["generate"] = result
        out["generate_with_commit_s"] = round(total, 1)
        # generate() already rebuilt the pyramid; time a rebuild of its own, as the CLI runs it.
        started = time.perf_counter()
        count = cells.rebuild()
        db.session.commit()
        rebuild = time.perf_counter() - started
        out["rebuild"] = {
            "seconds": round(rebuild, 2),
            "seconds_per_million_stays": round(rebuild / (stays / 1e6), 1),
            "open_stays": result["open_stays"],
            "cells": count,
        }
        analyze_after_load()
        office_id = db.session.scalar(sa.select(Office.id).where(Office.code == OFFICE))
        for username, role in (("bench-officer", "officer"), ("bench-admin", "admin")):
            db.session.add(
                User(
                    username=username,
                    full_name=username,
                    role=role,
                    office_id=office_id if role == "officer" else None,
                    password_hash=hash_password(PASSWORD),
                )
            )
        db.session.commit()
    return out


def measure_endpoint(app: Any, repeat: int) -> list[dict[str, Any]]:
    """Time /api/map/clusters per role and view through the test client."""
    rows = []
    for username in ("bench-officer", "bench-admin"):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"sign-in of {username} failed: {response.status_code}")
        for label, zoom, lat, lon in VIEWS:
            bbox = ",".join(f"{v:.5f}" for v in bbox_for(lat, lon, zoom))
            url = f"/api/map/clusters?bbox={bbox}&z={zoom}"
            for _ in range(10):  # warm caches and the connection pool
                client.get(url)
            timings = []
            body = b""
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                body = response.data
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
            data = json.loads(body)
            rows.append(
                {
                    "role": username.removeprefix("bench-"),
                    "view": label,
                    "z": zoom,
                    "bbox": bbox,
                    "clusters": len(data["clusters"]),
                    "points": len(data["points"]),
                    "stays_in_view": sum(c[2] for c in data["clusters"] + data["points"]),
                    **timing_summary(timings),
                    "bytes": len(body),
                    "gzip_bytes": len(gzip.compress(body)),
                }
            )
            print(
                f"  {rows[-1]['role']:<8} z{zoom:<2} {label:<14} "
                f"p50 {rows[-1]['p50_ms']:6.2f} ms  p95 {rows[-1]['p95_ms']:6.2f} ms  "
                f"{len(body):>6} B",
                file=sys.stderr,
                flush=True,
            )
    return rows


def measure_map_html(app: Any, repeat: int) -> dict[str, Any]:
    """Time the server side of GET /map (folium builds the shell on every request)."""
    client = app.test_client()
    client.post("/login", data={"username": "bench-officer", "password": PASSWORD})
    timings = []
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get("/map")
        size = len(response.data)
        timings.append((time.perf_counter() - started) * 1000)
    return {**timing_summary(timings), "bytes": size}


def open_stay_points(app: Any, limit: int) -> list[tuple[float, float]]:
    """Return up to `limit` open stays' points, one per stay, as a naive map would plot them."""
    from apoa.extensions import db
    from apoa.geocoding.models import Location
    from apoa.reports.models import Stay

    with app.app_context():
        rows = db.session.execute(
            sa.select(Location.lat, Location.lon)
            .join(Stay, Stay.location_id == Location.id)
            .where(Stay.status == "open")
            .order_by(Stay.id)
            .limit(limit)
        ).all()
    return [(round(lat, 5), round(lon, 5)) for lat, lon in rows]


# ---------------------------------------------------------------- browser


def browser_timing(
    browser: Any, url: str, *, sign_in: tuple[str, str] | None = None, wait_for: str
) -> dict[str, Any]:
    """Open `url` in a fresh context; return load and first-drawn times and the bytes fetched."""
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(viewport=VIEWPORT)
    origin = re.match(r"https?://[^/]+", url).group(0)  # type: ignore[union-attr]
    # No internet here, and none wanted: anything off this machine fails at once.
    context.route(
        lambda u: not u.startswith(origin),
        lambda route: route.abort("internetdisconnected"),
    )
    page = context.new_page()
    page.set_default_timeout(300_000)
    if sign_in:
        page.goto(f"{origin}/login")
        page.fill("#username", sign_in[0])
        page.fill("#password", sign_in[1])
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
    fetched: list[Any] = []
    page.on("requestfinished", lambda request: fetched.append(request))
    page.add_init_script(OBSERVER_JS)
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    page.wait_for_function(f"window.__bench && window.__bench.{wait_for} !== undefined")
    wall = time.perf_counter() - started
    timing = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return {load: n.loadEventEnd, dcl: n.domContentLoadedEventEnd, ...window.__bench}; }"
    )
    decoded = transferred = 0
    by_type: dict[str, int] = {}
    for request in fetched:
        response = request.response()
        if response is None or not request.url.startswith(origin):
            continue
        try:
            size = len(response.body())
        except PlaywrightError:  # a 20 MB page is evicted from the inspector's cache
            size = request.sizes()["responseBodySize"]
        decoded += size
        transferred += request.sizes()["responseBodySize"]
        kind = request.resource_type
        by_type[kind] = by_type.get(kind, 0) + size
    context.close()
    return {
        "load_ms": round(timing["load"]),
        "drawn_ms": round(timing[wait_for]),
        "wall_s": round(wall, 2),
        "bytes": decoded,
        "transferred_bytes": transferred,
        "bytes_by_type": by_type,
    }


def repeat_timing(runs: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a browser measurement several times; keep the median times and the last sizes."""
    results = [measure() for _ in range(runs)]
    out = dict(results[-1])
    for key in ("load_ms", "drawn_ms", "wall_s"):
        values = sorted(r[key] for r in results)
        out[key] = statistics.median(values)
        out[f"{key}_all"] = values
    return out


def launch_browser(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def measure_our_map(app: Any, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with serve(app) as base, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        result = repeat_timing(
            runs,
            lambda: browser_timing(
                browser,
                f"{base}/map",
                sign_in=("bench-officer", PASSWORD),
                wait_for="clustersDrawn",
            ),
        )
        result["chromium"] = browser.version
        browser.close()
    return result


# ---------------------------------------------------------------- naive folium


PLAIN_CALLBACK = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"


def folium_page(kind: str, points: list[tuple[float, float]], assets: str) -> tuple[str, float]:
    """Render the page a naive user would write; return its HTML and the render seconds."""
    import folium
    from folium.plugins import FastMarkerCluster, MarkerCluster

    started = time.perf_counter()
    fmap = folium.Map(location=[-2.5, 118.0], zoom_start=5, tiles=None, **{"maxZoom": 18})
    # Per instance (the class lists are shared and point at CDNs that are unreachable here).
    fmap.default_js = [("leaflet", f"{assets}/leaflet/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{assets}/leaflet/leaflet.css")]
    cluster: Any
    if kind == "MarkerCluster + Marker":
        cluster = MarkerCluster()
        for lat, lon in points:
            folium.Marker([lat, lon]).add_to(cluster)
    else:
        cluster = FastMarkerCluster([list(p) for p in points], callback=PLAIN_CALLBACK)
    cluster.default_js = [
        ("markerclusterjs", f"{assets}/leaflet.markercluster/leaflet.markercluster.js")
    ]
    cluster.default_css = [
        ("markerclustercss", f"{assets}/leaflet.markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{assets}/leaflet.markercluster/MarkerCluster.Default.css"),
    ]
    cluster.add_to(fmap)
    html = fmap.get_root().render()
    return html, time.perf_counter() - started


def measure_folium(
    points: list[tuple[float, float]], sizes: list[int], runs: int, browser_on: bool
) -> list[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="apoa_folium_"))
    (folder / "vendor").symlink_to(VENDOR)
    rows: list[dict[str, Any]] = []
    try:
        for n in sizes:
            if n > len(points):
                print(f"  only {len(points)} open stays: skipping {n:,}", file=sys.stderr)
                continue
            for kind in ("MarkerCluster + Marker", "FastMarkerCluster"):
                html, seconds = folium_page(kind, points[:n], "/vendor")
                name = f"{kind.split()[0].lower()}_{n}.html"
                (folder / name).write_text(html)
                body = html.encode()
                if re.search(r'(src|href)="https?://', html):
                    raise SystemExit(f"the folium page {name} still loads from the internet")
                row: dict[str, Any] = {
                    "page": kind,
                    "points": n,
                    "html_bytes": len(body),
                    "html_gzip_bytes": len(gzip.compress(body, 6)),
                    "render_s": round(seconds, 2),
                    "file": name,
                }
                print(
                    f"  folium {kind:<24} {n:>7,}: {len(body) / 1e6:6.2f} MB, render "
                    f"{seconds:6.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
                rows.append(row)
        if browser_on:
            from playwright.sync_api import sync_playwright

            with serve(folder) as base, sync_playwright() as playwright:
                browser = launch_browser(playwright)
                for row in rows:
                    row.update(
                        repeat_timing(
                            runs,
                            lambda row=row: browser_timing(
                                browser, f"{base}/{row['file']}", wait_for="firstCluster"
                            ),
                        )
                    )
                    row["chromium"] = browser.version
                    print(
                        f"  chromium {row['page']:<24} {row['points']:>7,}: load "
                        f"{row['load_ms']} ms, first cluster {row['drawn_ms']} ms",
                        file=sys.stderr,
                        flush=True,
                    )
                browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


# ---------------------------------------------------------------- report


def markdown(report: dict[str, Any]) -> str:
    lines: list[str] = []
    m = report["machine"]
    lines.append(
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory']}, {m['os']}, Python "
        f"{m['python']}, SQLite {m['sqlite']}; {m['date']}."
    )
    lines.append("")
    lines.append(
        "| Engine | Stays | Open | Generate stays/s | Rebuild s | Rebuild s per 1M | Cells |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for engine, run in report["engines"].items():
        g, r = run["generate"], run["rebuild"]
        name = engine + (f" {run['server']}" if run.get("server") else "")
        lines.append(
            f"| {name} | {g['stays']:,} | {g['open_stays']:,} | {g['stays_per_second']:,} "
            f"| {r['seconds']} | {r['seconds_per_million_stays']} | {r['cells']:,} |"
        )
    lines.append("")
    engines = list(report["engines"])
    head = " | ".join(f"{e} p50 / p95 ms" for e in engines)
    lines.append(f"| Role | View | z | {head} | Bytes | Clusters / places |")
    lines.append("|---|---|---|" + "---|" * len(engines) + "---|---|")
    first = report["engines"][engines[0]]["endpoint"]
    for i, row in enumerate(first):
        cells = " | ".join(
            f"{report['engines'][e]['endpoint'][i]['p50_ms']} / "
            f"{report['engines'][e]['endpoint'][i]['p95_ms']}"
            for e in engines
        )
        shown = row["points"] if row["z"] >= 15 else row["clusters"]
        lines.append(
            f"| {row['role']} | {row['view']} | {row['z']} | {cells} | {row['bytes']:,} | {shown} |"
        )
    lines.append("")
    lines.append(
        "| Page | Points in the page | HTML | HTML gzip | Python render | Chromium `load` "
        "| First clusters drawn |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for row in report.get("folium", []):
        load = f"{row['load_ms']:,} ms" if "load_ms" in row else "—"
        drawn = f"{row['drawn_ms']:,} ms" if "drawn_ms" in row else "—"
        lines.append(
            f"| folium {row['page']} | {row['points']:,} | {row['html_bytes'] / 1e6:.2f} MB "
            f"| {row['html_gzip_bytes'] / 1e6:.2f} MB | {row['render_s']} s | {load} | {drawn} |"
        )
    for engine, run in report["engines"].items():
        ours = run.get("map_page")
        if not ours:
            continue
        lines.append(
            f"| our `/map` ({engine}, {run['generate']['open_stays']:,} open stays) | 0 "
            f"| {ours['bytes'] / 1e3:.0f} kB all files ({ours['transferred_bytes'] / 1e3:.0f} kB "
            f"sent) | — | — | {ours['load_ms']:,} ms | {ours['drawn_ms']:,} ms |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stays", type=int, default=1_000_000)
    parser.add_argument("--reporters", type=int, help="default: one per 50 stays")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=200, help="calls per endpoint case")
    parser.add_argument("--folium-points", default="10000,100000")
    parser.add_argument("--browser-runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-folium", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    reporters = args.reporters or max(60, args.stays // 50)
    browser_on = not args.no_browser and os.path.exists(CHROMIUM)
    if not browser_on and not args.no_browser:
        print(f"no Chromium at {CHROMIUM}: browser timings skipped", file=sys.stderr)
    report: dict[str, Any] = {"machine": machine(), "stays": args.stays, "engines": {}}
    sizes = [int(s) for s in args.folium_points.split(",") if s]
    for engine in engines:
        print(f"== {engine}: {args.stays:,} stays, {reporters:,} reporters", file=sys.stderr)
        with temporary_database(engine, args.postgres_url) as url:
            app = build_app(url)
            run = prepare(app, args.stays, reporters, args.seed)
            g = run["generate"]
            print(
                f"  generated in {g['seconds_generate']} s ({g['stays_per_second']:,} stays/s), "
                f"rebuild {run['rebuild']['seconds']} s",
                file=sys.stderr,
                flush=True,
            )
            run["endpoint"] = measure_endpoint(app, args.repeat)
            run["map_html"] = measure_map_html(app, 50)
            if browser_on:
                run["map_page"] = measure_our_map(app, args.browser_runs)
                print(
                    f"  /map: {run['map_page']['bytes']:,} B, load {run['map_page']['load_ms']} "
                    f"ms, clusters drawn {run['map_page']['drawn_ms']} ms",
                    file=sys.stderr,
                    flush=True,
                )
            if not args.no_folium and "folium" not in report:
                points = open_stay_points(app, max(sizes, default=0))
                report["folium"] = measure_folium(points, sizes, args.browser_runs, browser_on)
            with app.app_context():
                from apoa.extensions import db

                db.session.remove()
                db.engine.dispose()
            report["engines"][engine] = run
    publish(markdown(report), report, args.json)
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(600)
    raise SystemExit(main())

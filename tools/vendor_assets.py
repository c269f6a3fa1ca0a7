"""Copy the front-end files apoa serves from node_modules/ into apoa/static/vendor/.

Run from the repository root after `npm ci` (stdlib only):

    npm ci --no-audit --no-fund && .venv/bin/python tools/vendor_assets.py

Each package lands in apoa/static/vendor/<package>/ with its LICENSE file and a
VERSION file. The app never loads anything from a CDN (performance.md section 4,
security.md R20). The script checks that the installed versions are the ones
pinned in package.json, and is idempotent: unchanged files are left alone (their
modification times too), stale files in a package's folder are removed.
`--check` only reports whether the vendored copy is up to date.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Package:
    name: str
    # (source inside the package, target folder inside vendor/<name>/); a source may be a glob.
    files: tuple[tuple[str, str], ...]


PACKAGES = (
    Package(
        "leaflet",
        (
            ("dist/leaflet.js", ""),
            ("dist/leaflet.css", ""),
            # leaflet.css finds its marker and layer icons in images/ beside it.
            ("dist/images/*.png", "images"),
        ),
    ),
    Package(
        "leaflet.markercluster",
        (
            ("dist/leaflet.markercluster.js", ""),
            ("dist/MarkerCluster.css", ""),
            ("dist/MarkerCluster.Default.css", ""),
        ),
    ),
    # The officers' map heat layer (drawn from the server's cell counts, never raw points).
    Package("leaflet.heat", (("dist/leaflet-heat.js", ""),)),
    # The dashboard's charts (issue 6, point 5). The UMD build defines window.Chart and
    # bundles its one dependency (@kurkle/color); it injects no <style>, so the strict
    # CSP holds (tests/browser/test_dashboard_browser.py).
    Package("chart.js", (("dist/chart.umd.min.js", ""),)),
    # The reporters' service worker (issue 12): Workbox's production builds, each loaded
    # with importScripts() from /sw.js; they add workbox.core, workbox.routing, ...
    *(
        Package(f"workbox-{part}", ((f"build/workbox-{part}.prod.js", ""),))
        for part in ("core", "routing", "strategies", "precaching", "cacheable-response")
    ),
    # IndexedDB with promises, for the outbox of reports made offline; its UMD build
    # defines self.idb in a page and in the service worker alike.
    Package("idb", (("build/umd.js", ""),)),
)

# Licence file names seen in npm packages, in order of preference.
LICENSE_NAMES = (
    "LICENSE",
    "LICENSE.txt",
    "LICENSE.md",
    "LICENCE",
    "LICENCE.txt",
    "LICENCE.md",
    "MIT-LICENSE.txt",
    "MIT-LICENCE.txt",
)


class VendorError(Exception):
    """Something the person running the script has to fix."""


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VendorError(f"{path} is missing") from None
    except json.JSONDecodeError as exc:
        raise VendorError(f"{path} is not valid JSON: {exc}") from None


def _license_file(package_dir: Path) -> Path:
    for name in LICENSE_NAMES:
        candidate = package_dir / name
        if candidate.is_file():
            return candidate
    raise VendorError(f"{package_dir} has no licence file (looked for {', '.join(LICENSE_NAMES)})")


def plan(root: Path) -> dict[str, dict[Path, bytes]]:
    """Return, per package, the vendored files to write (relative path -> content).

    Everything is read and checked before anything is written, so a broken
    node_modules/ leaves the existing vendored copy untouched.
    """
    pins = _read_json(root / "package.json").get("dependencies", {})
    node_modules = root / "node_modules"
    missing = [p.name for p in PACKAGES if not (node_modules / p.name / "package.json").is_file()]
    if missing:
        raise VendorError(
            f"node_modules/ lacks {', '.join(missing)}: run `npm ci --no-audit --no-fund` "
            "in the repository root first"
        )
    result: dict[str, dict[Path, bytes]] = {}
    for package in PACKAGES:
        package_dir = node_modules / package.name
        meta = _read_json(package_dir / "package.json")
        version = meta.get("version", "")
        pinned = pins.get(package.name)
        if pinned is None:
            raise VendorError(f"package.json does not list {package.name}")
        if version != pinned:
            raise VendorError(
                f"node_modules/{package.name} is {version or 'unversioned'} but package.json "
                f"pins {pinned}: run `npm ci --no-audit --no-fund`"
            )
        files: dict[Path, bytes] = {}
        for source, target in package.files:
            matches = sorted(package_dir.glob(source))
            if not matches:
                raise VendorError(f"node_modules/{package.name}/{source} is missing")
            for path in matches:
                files[Path(target) / path.name] = path.read_bytes()
        files[Path("LICENSE")] = _license_file(package_dir).read_bytes()
        files[Path("VERSION")] = (
            f"{package.name} {version}\n"
            f"license: {meta.get('license', 'see LICENSE')}\n"
            "source: npm registry, pinned in package.json and package-lock.json\n"
        ).encode()
        result[package.name] = files
    return result


def _stale(folder: Path, wanted: dict[Path, bytes]) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and path.relative_to(folder) not in wanted
    )


def vendor(root: Path, *, check: bool = False) -> list[str]:
    """Bring apoa/static/vendor/ up to date; return what changed (or would change)."""
    changes: list[str] = []
    vendor_dir = root / "apoa" / "static" / "vendor"
    for name, files in plan(root).items():
        folder = vendor_dir / name
        for relative, content in sorted(files.items()):
            target = folder / relative
            if target.is_file() and target.read_bytes() == content:
                continue
            changes.append(f"write {target.relative_to(root)}")
            if not check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        for path in _stale(folder, files):
            changes.append(f"remove {path.relative_to(root)}")
            if not check:
                path.unlink()
        if not check and folder.is_dir():
            # Drop folders emptied by removals (deepest first).
            for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
                if not any(sub.iterdir()):
                    sub.rmdir()
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if apoa/static/vendor/ is not up to date",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        changes = vendor(args.root, check=args.check)
    except VendorError as exc:
        print(f"vendor_assets: {exc}", file=sys.stderr)
        return 1
    if args.check:
        for line in changes:
            print(f"vendor_assets: out of date: {line}", file=sys.stderr)
        return 1 if changes else 0
    names = ", ".join(p.name for p in PACKAGES)
    print(f"vendor_assets: {len(changes)} file(s) updated ({names})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Front-end packages are pinned, vendored with their licences, and never loaded from a CDN.

docs/maps.md and docs/compliance.md (vendored Leaflet and Chart.js), docs/security.md R20
(strict CSP, no CDN).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "apoa" / "static" / "vendor"
WORKBOX = ("core", "routing", "strategies", "precaching", "cacheable-response")
PINS = {
    "chart.js": "4.6.1",
    "leaflet": "1.9.4",
    "leaflet.heat": "0.2.0",
    "leaflet.markercluster": "1.5.3",
    "idb": "8.0.4",
    **{f"workbox-{part}": "7.4.1" for part in WORKBOX},
}
VENDORED = {
    "leaflet": [
        "leaflet.js",
        "leaflet.css",
        "images/marker-icon.png",
        "images/marker-icon-2x.png",
        "images/marker-shadow.png",
        "images/layers.png",
        "images/layers-2x.png",
    ],
    "leaflet.markercluster": [
        "leaflet.markercluster.js",
        "MarkerCluster.css",
        "MarkerCluster.Default.css",
    ],
    "leaflet.heat": ["leaflet-heat.js"],
    # The UMD build: one file defining window.Chart, its colour helper bundled in.
    "chart.js": ["chart.umd.min.js"],
    # The service worker's Workbox modules (production builds) and idb for the outbox.
    "idb": ["umd.js"],
    **{f"workbox-{part}": [f"workbox-{part}.prod.js"] for part in WORKBOX},
}
CDN = re.compile(
    r"(?:https?:)?//[^\s\"'<>)]*(?:unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com|cdnjs\.com"
    r"|googleapis\.com|gstatic\.com|bootstrapcdn\.com|code\.jquery\.com)",
    re.IGNORECASE,
)


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "vendor_assets", ROOT / "tools" / "vendor_assets.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- pins


def test_package_json_pins_exact_versions():
    package = _json(ROOT / "package.json")
    assert package["private"] is True
    dependencies = package.get("dependencies", {})
    for name, version in PINS.items():
        assert dependencies.get(name) == version, f"{name} must be pinned to exactly {version}"
    for name, spec in {**dependencies, **package.get("devDependencies", {})}.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", spec), f"{name} is not pinned exactly: {spec!r}"


def test_lockfile_agrees_with_package_json():
    lock = _json(ROOT / "package-lock.json")
    assert lock["lockfileVersion"] >= 2
    root = lock["packages"][""]
    assert root.get("dependencies") == _json(ROOT / "package.json")["dependencies"]
    for name, version in PINS.items():
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == version
        assert entry["integrity"].startswith("sha512-")


@pytest.mark.skipif(not VENDOR.is_dir(), reason="apoa/static/vendor/ not built (make install)")
def test_vendored_files_and_licences_exist():
    for name, files in VENDORED.items():
        folder = VENDOR / name
        for relative in [*files, "LICENSE", "VERSION"]:
            path = folder / relative
            assert path.is_file(), (
                f"{path.relative_to(ROOT)} is missing: run tools/vendor_assets.py"
            )
            assert path.stat().st_size > 0
        assert (folder / "VERSION").read_text(encoding="utf-8").startswith(f"{name} {PINS[name]}\n")
    assert "BSD 2-Clause" in (VENDOR / "leaflet" / "LICENSE").read_text(encoding="utf-8")
    for name in ("leaflet.markercluster", "chart.js"):
        assert "Permission is hereby granted" in (VENDOR / name / "LICENSE").read_text(
            encoding="utf-8"
        )
    # The copy is the registry's build of the pinned version, not some other Chart.js.
    head = (VENDOR / "chart.js" / "chart.umd.min.js").read_text(encoding="utf-8")[:200]
    assert f"Chart.js v{PINS['chart.js']}" in head


# ---------------------------------------------------------------- the copy script


def _fake_node_modules(root: Path, *, versions: dict[str, str] | None = None) -> None:
    """A minimal node_modules/ laid out like the real packages."""
    versions = versions or PINS
    (root / "package.json").write_text(json.dumps({"private": True, "dependencies": PINS}))
    leaflet = root / "node_modules" / "leaflet"
    (leaflet / "dist" / "images").mkdir(parents=True)
    (leaflet / "package.json").write_text(
        json.dumps({"version": versions["leaflet"], "license": "BSD-2-Clause"})
    )
    (leaflet / "LICENSE").write_text("BSD 2-Clause License\n")
    (leaflet / "dist" / "leaflet.js").write_text("/* leaflet */\n")
    (leaflet / "dist" / "leaflet.css").write_text(".leaflet-container {}\n")
    (leaflet / "dist" / "leaflet-src.js").write_text("/* not vendored */\n")
    for image in ("marker-icon.png", "marker-shadow.png"):
        (leaflet / "dist" / "images" / image).write_bytes(b"\x89PNG")
    cluster = root / "node_modules" / "leaflet.markercluster"
    (cluster / "dist").mkdir(parents=True)
    (cluster / "package.json").write_text(
        json.dumps({"version": versions["leaflet.markercluster"], "license": "MIT"})
    )
    (cluster / "MIT-LICENCE.txt").write_text("MIT\n")
    for name in ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"):
        (cluster / "dist" / name).write_text("/* cluster */\n")
    heat = root / "node_modules" / "leaflet.heat"
    (heat / "dist").mkdir(parents=True)
    (heat / "package.json").write_text(
        json.dumps({"version": versions["leaflet.heat"], "license": "BSD-2-Clause"})
    )
    (heat / "LICENSE").write_text("BSD 2-Clause License\n")
    (heat / "dist" / "leaflet-heat.js").write_text("/* heat */\n")
    chart = root / "node_modules" / "chart.js"
    (chart / "dist").mkdir(parents=True)
    (chart / "package.json").write_text(
        json.dumps({"version": versions["chart.js"], "license": "MIT"})
    )
    (chart / "LICENSE.md").write_text("The MIT License (MIT)\n")
    for name in ("chart.umd.min.js", "chart.umd.js", "chart.js", "chart.cjs"):
        (chart / "dist" / name).write_text(f"/* {name} */\n")
    idb = root / "node_modules" / "idb"
    (idb / "build").mkdir(parents=True)
    (idb / "package.json").write_text(json.dumps({"version": versions["idb"], "license": "ISC"}))
    (idb / "LICENSE").write_text("ISC License\n")
    (idb / "build" / "umd.js").write_text("/* idb */\n")
    for part in WORKBOX:
        package = root / "node_modules" / f"workbox-{part}"
        (package / "build").mkdir(parents=True)
        (package / "package.json").write_text(
            json.dumps({"version": versions[f"workbox-{part}"], "license": "MIT"})
        )
        (package / "LICENSE").write_text("MIT\n")
        for build in ("prod", "dev"):
            (package / "build" / f"workbox-{part}.{build}.js").write_text(f"/* {build} */\n")


def test_vendor_script_copies_files_and_is_idempotent(tmp_path):
    tool = _load_tool()
    _fake_node_modules(tmp_path)
    assert tool.main(["--root", str(tmp_path)]) == 0
    leaflet = tmp_path / "apoa/static/vendor/leaflet"
    assert sorted(p.relative_to(leaflet).as_posix() for p in leaflet.rglob("*") if p.is_file()) == [
        "LICENSE",
        "VERSION",
        "images/marker-icon.png",
        "images/marker-shadow.png",
        "leaflet.css",
        "leaflet.js",
    ]
    cluster = tmp_path / "apoa/static/vendor/leaflet.markercluster"
    assert (cluster / "LICENSE").read_text() == "MIT\n"
    chart = tmp_path / "apoa/static/vendor/chart.js"
    # Only the UMD build (a plain <script> defines window.Chart), with LICENSE.md as LICENSE.
    assert sorted(p.name for p in chart.iterdir()) == ["LICENSE", "VERSION", "chart.umd.min.js"]
    assert (chart / "LICENSE").read_text() == "The MIT License (MIT)\n"
    assert (chart / "VERSION").read_text().startswith("chart.js 4.6.1\nlicense: MIT\n")
    assert (cluster / "VERSION").read_text().startswith("leaflet.markercluster 1.5.3\n")

    mtime = (leaflet / "leaflet.js").stat().st_mtime_ns
    stale = leaflet / "images" / "old.png"
    stale.write_bytes(b"old")
    assert tool.vendor(tmp_path) == ["remove apoa/static/vendor/leaflet/images/old.png"]
    assert not stale.exists()
    assert tool.vendor(tmp_path) == []
    assert (leaflet / "leaflet.js").stat().st_mtime_ns == mtime
    assert tool.main(["--root", str(tmp_path), "--check"]) == 0


def test_vendor_script_fails_clearly_without_node_modules(tmp_path, capsys):
    tool = _load_tool()
    (tmp_path / "package.json").write_text(json.dumps({"private": True, "dependencies": PINS}))
    assert tool.main(["--root", str(tmp_path)]) == 1
    message = capsys.readouterr().err
    assert "leaflet, leaflet.markercluster, leaflet.heat, chart.js" in message
    assert "npm ci" in message
    assert not (tmp_path / "apoa").exists()


@pytest.mark.parametrize(("name", "other"), [("leaflet", "1.9.3"), ("chart.js", "4.5.1")])
def test_vendor_script_refuses_a_version_other_than_the_pin(tmp_path, capsys, name, other):
    tool = _load_tool()
    _fake_node_modules(tmp_path, versions={**PINS, name: other})
    assert tool.main(["--root", str(tmp_path)]) == 1
    assert f"node_modules/{name} is {other} but package.json pins {PINS[name]}" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "apoa").exists()


# ---------------------------------------------------------------- no CDN


def _front_end_files() -> list[Path]:
    apoa = ROOT / "apoa"
    return sorted(
        path
        for pattern in ("*.html", "*.js", "*.css", "*.py")
        for path in apoa.rglob(pattern)
        if VENDOR not in path.parents
    )


def test_no_cdn_urls_in_templates_scripts_or_styles():
    files = _front_end_files()
    assert any(p.suffix == ".html" for p in files)
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in CDN.finditer(line)
    ]
    assert hits == []


def test_cdn_pattern_catches_the_usual_suspects():
    for url in (
        "https://unpkg.com/leaflet@1.9.4/dist/leaflet.js",
        "//cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js",
        "https://fonts.googleapis.com/css?family=Roboto",
    ):
        assert CDN.search(url), url
    assert not CDN.search("https://tile.openstreetmap.org/{z}/{x}/{y}.png")

"""The tests' own layout: no test module imports another test module or a conftest.

Shared pieces live in fixtures (tests/factories.py, the conftest files) or in
helper modules whose names do not start with test_.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
            # `from tests.maps import test_cells` names the module in the alias
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def test_no_test_module_imports_another_test_module_or_a_conftest():
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line}: {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.startswith("tests.") and _is_test_module(module)
    ]
    assert offenders == []


def test_test_directories_mirror_the_packages():
    """Each package of apoa/ that has tests has them in a directory of the same name."""
    packages = {p.parent.name for p in (TESTS.parent / "apoa").glob("*/__init__.py")}
    directories = {p.name for p in TESTS.iterdir() if p.is_dir() and any(p.glob("test_*.py"))}
    # browser: the end-to-end tests drive the whole app through Chromium, not one package;
    # fuzz: hostile input to every route of the URL map, not one package.
    assert directories - {"browser", "fuzz"} <= packages
    assert {"regions", "audit"} <= directories

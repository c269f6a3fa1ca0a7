"""The house style, checked on the code itself (house-style.md; docs/architecture.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

APOA = Path(__file__).resolve().parent.parent / "apoa"
ROUTE_DECORATORS = {"get", "post", "route"}
MAX_VIEW_LINES = 40

# The one module that reads the wall clock, and the few imports kept inside a function.
CLOCK_MODULE = APOA / "clock.py"
LOCAL_IMPORTS_ALLOWED: dict[str, str] = {}
CLOCK_READ = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time)\(")


def _modules() -> list[Path]:
    return sorted(APOA.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _name(path: Path) -> str:
    return str(path.relative_to(APOA.parent))


def _views(path: Path) -> list[ast.FunctionDef]:
    return [
        node
        for node in _tree(path).body
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and d.func.attr in ROUTE_DECORATORS
            for d in node.decorator_list
        )
    ]


def test_only_the_clock_module_reads_the_wall_clock():
    offenders = [
        f"{_name(path)}:{number}: {line.strip()}"
        for path in _modules()
        if path != CLOCK_MODULE
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CLOCK_READ.search(line)
    ]
    assert offenders == []


def test_apoa_modules_are_imported_at_the_top_of_a_module():
    offenders = []
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                module = inner.module if isinstance(inner, ast.ImportFrom) else None
                if module and module.split(".")[0] == "apoa":
                    where = f"{_name(path)}:{node.name}"
                    if where not in LOCAL_IMPORTS_ALLOWED:
                        offenders.append(f"{where} imports {module}")
    assert offenders == []


def test_views_are_short():
    long_views = [
        f"{_name(path)}:{view.name} has {view.end_lineno - view.lineno + 1} lines"
        for path in _modules()
        for view in _views(path)
        if (view.end_lineno or 0) - view.lineno + 1 > MAX_VIEW_LINES
    ]
    assert long_views == []


def test_no_views_module_imports_another_packages_views():
    offenders = []
    for path in _modules():
        if path.name != "views.py":
            continue
        own = path.parent.name
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "apoa" and parts[-1] == "views" and parts[1] != own:
                        offenders.append(f"{_name(path)} imports {name}")
    assert offenders == []


def test_the_views_are_found():
    # The checks above would pass on nothing: make sure they see the check-in view.
    assert "check_in" in {view.name for view in _views(APOA / "reports" / "views.py")}

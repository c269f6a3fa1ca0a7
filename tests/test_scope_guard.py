"""Every office or area filter goes through apoa.scoping (issue 11, point 5).

A hand-written `Model.office_id == x`, `Model.office_id.in_(...)`,
`Model.office_id.is_(None)` or `in_jurisdiction(...)` outside apoa/scoping.py
and the domains' scopes.py is a second definition of who sees which office:
build the condition with `office_clause`, `of_office`, `own_office` or
`office_shown` instead. Only SQL expressions are looked at (a column of a
mapped class, `Model.office_id`, or of a table, `t.c.office_id`); comparing two
loaded rows in Python is not a filter.
"""

from __future__ import annotations

import ast
from pathlib import Path

APOA = Path(__file__).parent.parent / "apoa"

# (file, line text): uses that are not a scope, each with its reason.
ALLOWED = {
    # The country in two indexed halves (every office's alerts, then those of no office):
    # of_office(None) would be one TRUE the alert index cannot answer.
    (
        "apoa/dashboard/figures.py",
        "scopes = [Alert.office_id.in_(sa.select(Office.id)), Alert.office_id.is_(None)]",
    ),
    # The areas an office covers, for its time zone: apoa.regions lies below apoa.scoping.
    ("apoa/regions/queries.py", "OfficeJurisdiction.office_id == office_id"),
    # The officers who receive the digest of offices without an address: recipients, not a scope.
    ("apoa/reminders/digests.py", "User.office_id.in_(without_address),"),
}


def _is_column(node: ast.expr) -> bool:
    """`Model.office_id` or `table.c.office_id`: a column in SQL, not a loaded row's value."""
    if not (isinstance(node, ast.Attribute) and node.attr == "office_id"):
        return False
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id[:1].isupper()
    return isinstance(owner, ast.Attribute) and owner.attr == "c"


def _is_filter(node: ast.AST) -> bool:
    if isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        return any(
            isinstance(op, ast.Eq) and (_is_column(left) or _is_column(right))
            for op, left, right in zip(node.ops, sides[:-1], sides[1:], strict=True)
        )
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name | ast.Attribute):
        name = func.id if isinstance(func, ast.Name) else func.attr
        if name == "in_jurisdiction":
            return True
    if isinstance(func, ast.Attribute) and _is_column(func.value):
        if func.attr == "in_":
            return True
        if func.attr == "is_":
            return any(isinstance(a, ast.Constant) and a.value is None for a in node.args)
    return False


def _filters(source: str) -> list[tuple[int, str]]:
    lines = source.splitlines()
    return sorted(
        (node.lineno, lines[node.lineno - 1].strip())
        for node in ast.walk(ast.parse(source))
        if _is_filter(node)
    )


def _scanned() -> list[Path]:
    return [
        path
        for path in sorted(APOA.rglob("*.py"))
        if path.name != "scopes.py" and path != APOA / "scoping.py"
    ]


def test_office_and_area_filters_go_through_scoping():
    found = {
        (path.relative_to(APOA.parent).as_posix(), line, text)
        for path in _scanned()
        for line, text in _filters(path.read_text(encoding="utf-8"))
    }
    offenders = sorted(
        f"{file}:{line}: {text}" for file, line, text in found if (file, text) not in ALLOWED
    )
    assert offenders == []
    stale = ALLOWED - {(file, text) for file, _line, text in found}
    assert stale == set(), "allow-list entries that match nothing any more"


def test_the_guard_sees_each_form_of_filter():
    source = "\n".join(
        [
            "a = Ledger.office_id == office_id",
            "b = office_id == Stay.office_id",
            "c = Alert.office_id.in_(ids)",
            "d = Alert.office_id.is_(None)",
            "e = cells.c.office_id == 3",
            "f = in_jurisdiction(User.area_code, 7)",
            "g = scoping.in_jurisdiction(User.area_code, 7)",
            # Not filters: loaded rows compared in Python, other operators, other columns.
            "h = stay.office_id == actor.office_id",
            "i = Ledger.office_id != 0",
            "j = Alert.office_id.is_not(None)",
            "k = Ledger.reporter_id == 1",
        ]
    )
    assert [line for line, _text in _filters(source)] == [1, 2, 3, 4, 5, 6, 7]

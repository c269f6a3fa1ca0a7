"""import-linter contract types of our own, registered in pyproject.toml (`contract_types`).

`acyclic_modules`: no module of a package reaches itself again through its imports.
import-linter's `acyclic_siblings` compares sibling packages level by level, so a
cycle through a package's own `__init__` (`apoa` -> `apoa.cli` -> `apoa`) escapes it;
this contract looks at the modules themselves and names every cycle it finds.
Imports inside functions count too: they run as well, only later.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Set
from itertools import pairwise
from typing import Any

from grimp import ImportGraph
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

MAX_ROUTES_SHOWN = 12

# One edge of a cycle: importer, imported, and the line numbers of the import.
Edge = tuple[str, str, tuple[int, ...]]


def strongly_connected(nodes: Set[str], edges: Mapping[str, Set[str]]) -> list[list[str]]:
    """Return the strongly connected components of the graph (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges.get(succ, ())))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return sorted(components)


def shortest_cycle(start: str, members: Set[str], edges: Mapping[str, Set[str]]) -> list[str]:
    """Return the modules of a shortest cycle from `start` back to it, inside `members`."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(edges.get(node, ())):
            if succ not in members:
                continue
            if succ == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if succ not in came_from:
                came_from[succ] = node
                queue.append(succ)
    return [start]


class AcyclicModulesContract(Contract):
    """No import cycle among the modules of `packages` (their descendants included).

    Options: `packages` (required), `ignore_imports` (import expressions left out, each
    with its reason beside it in the configuration) and `unmatched_ignore_imports_alerting`.
    """

    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.ModuleField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        nodes: set[str] = set()
        for package in self.packages:  # type: ignore[attr-defined]
            nodes.add(package.name)
            nodes |= graph.find_descendants(package.name)
        edges = {m: (graph.find_modules_directly_imported_by(m) & nodes) - {m} for m in nodes}
        cycles: list[dict[str, Any]] = []
        for component in strongly_connected(nodes, edges):
            if len(component) < 2:
                continue
            members = set(component)
            routes: dict[frozenset[tuple[str, str]], list[Edge]] = {}
            for start in component:
                path = shortest_cycle(start, members, edges)
                pairs = list(pairwise(path))
                routes.setdefault(
                    frozenset(pairs), [(a, b, _line_numbers(graph, a, b)) for a, b in pairs]
                )
            shortest_first = sorted(routes.values(), key=lambda r: (len(r), r))
            cycles.append({"modules": component, "routes": shortest_first})
        return ContractCheck(
            kept=not cycles,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": cycles},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            modules, routes = cycle["modules"], cycle["routes"]
            output.print_error(f"{len(modules)} modules import each other in a cycle:")
            output.print_error(", ".join(modules), bold=False)
            output.new_line()
            output.print_error("The shortest cycles through them:", bold=False)
            for route in routes[:MAX_ROUTES_SHOWN]:
                output.new_line()
                for importer, imported, lines in route:
                    where = ", ".join(f"l.{n}" for n in lines)
                    output.print_error(f"- {importer} -> {imported} ({where})", bold=False)
            if len(routes) > MAX_ROUTES_SHOWN:
                output.new_line()
                output.print_error(f"(and {len(routes) - MAX_ROUTES_SHOWN} more)", bold=False)
            output.new_line()


def _line_numbers(graph: ImportGraph, importer: str, imported: str) -> tuple[int, ...]:
    details = graph.get_import_details(importer=importer, imported=imported)
    return tuple(sorted(d["line_number"] for d in details))

"""The acyclic_modules contract (tools/importlinter_contracts.py) finds every import cycle."""

from __future__ import annotations

import grimp

from tools.importlinter_contracts import (
    AcyclicModulesContract,
    shortest_cycle,
    strongly_connected,
)


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_module(importer)
        graph.add_module(imported)
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    return graph


def _check(graph: grimp.ImportGraph):
    contract = AcyclicModulesContract(
        name="no cycle", session_options={}, contract_options={"packages": ["pkg"]}
    )
    return contract.check(graph, verbose=False)


def test_components_group_the_modules_that_reach_each_other():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(set("abcd"), edges) == [["a", "b", "c"], ["d"]]


def test_shortest_cycle_returns_to_its_start():
    edges = {"a": {"b", "c"}, "b": {"a"}, "c": {"b"}}
    assert shortest_cycle("a", set("abc"), edges) == ["a", "b", "a"]


def test_a_cycle_between_sibling_modules_breaks_the_contract():
    check = _check(_graph(("pkg.one", "pkg.two"), ("pkg.two", "pkg.one"), ("pkg", "pkg.one")))
    assert not check.kept
    [cycle] = check.metadata["cycles"]
    assert cycle["modules"] == ["pkg.one", "pkg.two"]


def test_a_cycle_through_a_package_init_breaks_the_contract():
    # import-linter's own acyclic_siblings contract does not see this one.
    check = _check(_graph(("pkg", "pkg.cli"), ("pkg.cli", "pkg")))
    assert not check.kept


def test_imports_that_only_go_down_keep_the_contract():
    check = _check(_graph(("pkg", "pkg.views"), ("pkg.views", "pkg.services")))
    assert check.kept

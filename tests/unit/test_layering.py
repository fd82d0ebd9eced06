"""The layers stay apart: the domain never reaches into the API, the workers or a plugin's own
modules (only the plugin contract in ``plugins.base``/``plugins.hookspecs``, through the unit of
work), and SQL lives only in the domain."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_DOMAIN = ("api", "workers", "plugins.builtin", "plugins.states")
# The project writes SQL keywords in capitals; prose ("select a zone from ...") is not SQL.
SQL = re.compile(r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")


def _modules(package: str) -> Iterator[Path]:
    yield from sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module imported outside an ``if TYPE_CHECKING:`` block (functions included)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN_IN_DOMAIN)


def test_no_domain_module_imports_the_api_the_workers_or_a_plugin_module():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules("domain")
        for line, module in _runtime_imports(ast.parse(path.read_text(), str(path)))
        if _forbidden(module)
    ]
    assert offenders == []


def test_the_layer_check_sees_a_forbidden_import_and_allows_a_type_only_one():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from plugins.states.base import StateRulebook\n"
        "def f():\n    from plugins.builtin import ccrs_files\n"
        "from plugins import builtin\n"
    )
    found = [m for _, m in _runtime_imports(tree) if _forbidden(m)]
    assert set(found) == {"plugins.builtin", "plugins.builtin.ccrs_files"}


def _string_literals(tree: ast.AST) -> Iterator[ast.Constant]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def test_no_sql_in_the_api_or_the_workers():
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in ("api", "workers")
        for path in _modules(package)
        for node in _string_literals(ast.parse(path.read_text(), str(path)))
        if isinstance(node.value, str) and SQL.search(node.value)
    ]
    assert offenders == []


def test_the_sql_check_sees_a_query():
    assert SQL.search("SELECT id FROM location WHERE id = $1")
    assert SQL.search("UPDATE state_report SET status = 'filed'")
    assert not SQL.search("Select the week, from Sunday to Saturday")

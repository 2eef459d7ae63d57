"""The catalogue of broken pools uses only the reference's public API and its documented override points.

A broken pool that reached into the reference's private code would break, or silently stop
proving its clause, whenever the reference is refactored. This test reads the catalogue's source
(``tests/broken_pools/``) and fails, naming file and line, for:

* an import of a private module or name of ``poolspec.reference`` (``poolspec.reference._engine``, ``_NO_KEYWORDS``);
* an attribute ``x._name`` where the reference defines ``_name`` (a module-level name, a method,
  a class attribute or an attribute assigned on an object) and the catalogue module does not; and,
  inside a class built on a reference class, any ``self._name`` or definition of ``_name`` that the
  reference defines (reading, replacing or overriding the reference's own private state).

A pool built on the stdlib's pool may use the stdlib's private names: only the reference's count.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from typing import Any, Dict, List, Optional, Set

from .broken_pools import CATALOGUE
from .kit_runs import ROOT

REFERENCE = ROOT / "poolspec" / "reference"


def in_the_reference(module: str) -> bool:
    """Whether ``module`` is the reference package or one of its modules."""
    return module == "poolspec.reference" or module.startswith("poolspec.reference.")


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def defined_names(tree: ast.AST) -> Set[str]:
    """The private names a module defines: functions, classes, assigned names and attributes assigned on objects."""
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return {name for name in names if private(name)}


def reference_private_names() -> Set[str]:
    names = {path.stem for path in REFERENCE.glob("*.py") if private(path.stem)}
    for path in REFERENCE.glob("*.py"):
        names |= defined_names(ast.parse(path.read_text(encoding="utf-8")))
    return names


def built_on_the_reference(value: Any) -> bool:
    return inspect.isclass(value) and any(in_the_reference(base.__module__) for base in value.__mro__)


class Scan(ast.NodeVisitor):
    """The uses of the reference's private names in one catalogue module."""

    def __init__(self, label: str, tree: ast.AST, module: Any, reference: Set[str]) -> None:
        self.label = label
        self.module = module
        self.reference = reference
        self.own = defined_names(tree)
        self.classes: List[Optional[Any]] = []
        self.found: List[str] = []

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.label}:{getattr(node, 'lineno', 0)}: {what}")

    def in_reference_class(self) -> bool:
        return bool(self.classes) and built_on_the_reference(self.classes[-1])

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if in_the_reference(alias.name) and any(private(part) for part in alias.name.split(".")):
                self.report(node, f"imports the private module {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module is not None and in_the_reference(node.module):
            if any(private(part) for part in node.module.split(".")):
                self.report(node, f"imports from the private module {node.module}")
            for alias in node.names:
                if private(alias.name):
                    self.report(node, f"imports the private name {alias.name} from {node.module}")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = self.classes[-1] if self.classes else self.module
        self.classes.append(getattr(outer, node.name, None))
        if self.in_reference_class():
            for statement in node.body:
                for name in _names_defined_by(statement):
                    if name in self.reference:
                        self.report(statement, f"overrides {name}, private to the reference")
        self.generic_visit(node)
        self.classes.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        if name in self.reference:
            on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if on_self and self.in_reference_class():
                self.report(node, f"uses self.{name}, private to the reference")
            elif not on_self and name not in self.own:
                self.report(node, f"uses .{name}, private to the reference")
        self.generic_visit(node)


def _names_defined_by(statement: ast.stmt) -> List[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    targets: List[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    return [target.id for target in targets if isinstance(target, ast.Name)]


def scan(label: str, source: str, module: Any) -> List[str]:
    """The uses of the reference's private names in ``source``, the text of ``module``."""
    tree = ast.parse(source)
    found = Scan(label, tree, module, reference_private_names())
    found.visit(tree)
    return found.found


def private_uses() -> Dict[str, List[str]]:
    """Every use of a private name of the reference, by catalogue file (``file:line: what``)."""
    return {
        path.name: scan(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"), importlib.import_module(f"tests.broken_pools.{path.stem}"))
        for path in sorted(CATALOGUE.glob("*.py"))
    }


def test_the_scan_knows_the_reference_private_names() -> None:
    names = reference_private_names()
    assert {"_engine", "_results", "_NO_KEYWORDS", "_map_async", "_keepalive", "_state"} <= names
    assert not {"ThreadPool", "get", "__init__"} & names


EXAMPLE = """\
from poolspec.reference import ThreadPool, _arguments
from poolspec.reference._results import MapResult
import poolspec.reference._engine
class Pool(ThreadPool):
    def _map_async(self):
        return self._engine
    def own(self):
        self._mine = 1
        return self._mine
class Proxy:
    def __init__(self):
        self._state = None
def peek(result):
    return result._keepalive, result._mine, result._state
"""


def test_the_scan_finds_each_kind_of_use() -> None:
    namespace: Dict[str, Any] = {}
    exec(compile(EXAMPLE, "example.py", "exec"), namespace)
    found = scan("example.py", EXAMPLE, type("Module", (), namespace))
    assert [int(use.split(":")[1]) for use in found] == [1, 2, 3, 5, 6, 14], found


def test_no_broken_pool_uses_a_private_name_of_the_reference() -> None:
    found = [use for uses in private_uses().values() for use in uses]
    assert not found, "broken pools using the reference's private code (build them on its public API instead):\n" + "\n".join(found)

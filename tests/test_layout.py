"""The project is organised by clause area: a clause's statement, its tests and its broken pools are found by one name.

Area ``x`` (a module of :mod:`poolspec.conformance.clauses`) has its tests in the suite's
``test_x.py`` or ``test_x_<topic>.py`` and its broken pools in ``tests/broken_pools/x.py``; every
test there checks a clause of ``x`` (it may check clauses of other areas besides), and every
broken pool there breaks one. Adding a clause then touches one area's files, plus the pages
generated from them.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest

from poolspec.conformance import clauses
from poolspec.conformance.clauses import AREAS
from poolspec.conformance.plugin import SUITE

from .broken_pools import CATALOGUE, catalogue

AREA_OF: Dict[str, str] = {clause.id: area for area, clauses in AREAS.items() for clause in clauses}
SUITE_MODULES = sorted(path.stem for path in SUITE.glob("test_*.py"))
CLAUSES_PACKAGE = Path(clauses.__file__).parent


def area_of_module(stem: str) -> str:
    """The area a module named ``test_<area>`` or ``test_<area>_<topic>`` (or ``<area>``) belongs to, or ``''``."""
    name = stem[len("test_") :] if stem.startswith("test_") else stem
    area = name.partition("_")[0]  # area names have no underscore: the rest is the topic
    return area if area in AREAS else ""


def checked_clauses(value: Any) -> Set[str]:
    """The clause ids a suite test (a function or a stateful test's class) declares with ``@checks``."""
    marks = getattr(value, "pytestmark", [])
    return {clause_id for mark in marks if mark.name == "clause" for clause_id in mark.args}


def suite_tests(stem: str) -> Dict[str, Set[str]]:
    """The tests of one suite module that declare clauses, with those clauses."""
    module = importlib.import_module(f"poolspec.conformance.suite.{stem}")
    found = {}
    for name, value in vars(module).items():
        if (inspect.isfunction(value) or inspect.isclass(value)) and getattr(value, "__module__", "") == module.__name__:
            clauses = checked_clauses(value)
            if clauses:
                found[name] = clauses
    return found


@pytest.mark.parametrize("stem", SUITE_MODULES)
def test_each_suite_module_is_named_for_an_area(stem: str) -> None:
    assert area_of_module(stem), f"poolspec/conformance/suite/{stem}.py: name it test_<area>.py or test_<area>_<topic>.py, for an area of {sorted(AREAS)}"


@pytest.mark.parametrize("stem", SUITE_MODULES)
def test_each_test_checks_a_clause_of_its_modules_area(stem: str) -> None:
    area = area_of_module(stem)
    tests = suite_tests(stem)
    assert tests, f"{stem}.py declares no clause"
    strays = [f"{name} checks {sorted(clauses)}" for name, clauses in tests.items() if area not in {AREA_OF[clause_id] for clause_id in clauses}]
    assert not strays, f"{stem}.py is the {area} area's, but these tests check no clause of it:\n" + "\n".join(strays)


def test_each_broken_pool_breaks_a_clause_of_its_modules_area() -> None:
    strays = []
    for spec, pool in catalogue():
        module = spec.partition(":")[0].rpartition(".")[2]
        if not any(AREA_OF.get(clause_id) == module for clause_id in pool.BREAKS):
            strays.append(f"tests/broken_pools/{module}.py:{pool.__name__} breaks {list(pool.BREAKS)}")
    assert not strays, "broken pools outside their area's module:\n" + "\n".join(strays)


SHARED = {"__init__", "wrappers"}
"""The catalogue's modules that hold no broken pools: the loader and the helpers the pools share."""


def test_each_clause_module_is_an_area() -> None:
    modules = {path.stem for path in CLAUSES_PACKAGE.glob("*.py")} - {"__init__", "_model"}
    assert modules == set(AREAS), f"clause modules not joined into AREAS: {sorted(modules - set(AREAS))}"


def test_each_catalogue_module_is_named_for_an_area() -> None:
    strays = sorted(path.name for path in CATALOGUE.glob("*.py") if path.stem not in SHARED and path.stem not in AREAS)
    assert not strays, f"tests/broken_pools/: name each module for the area of the clauses its pools break ({sorted(AREAS)}): {strays}"


def test_each_area_has_tests_and_broken_pools() -> None:
    tested = {area_of_module(stem) for stem in SUITE_MODULES}
    broken = {path.stem for path in CATALOGUE.glob("*.py")} - SHARED
    missing: List[str] = [f"{area}: {what}" for area in AREAS for what, there in (("no suite module", tested), ("no broken-pool module", broken)) if area not in there]
    assert not missing, "\n".join(missing)


def test_a_module_name_gives_its_area() -> None:
    assert [area_of_module(stem) for stem in ("test_results", "test_results_ordering", "test_asyncresult_timeouts", "test_ordering", "results")] == [
        "results",
        "results",
        "asyncresult",
        "",
        "results",
    ]

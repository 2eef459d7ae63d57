"""The clause registry against the suite, the shipped baseline, the generated clause page and the README's counts."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Dict, List

import pytest

from poolspec.conformance import baseline, docs
from poolspec.conformance.clauses import CAPABILITIES, CLAUSES, LEVELS, SOURCES, Clause
from poolspec.conformance.plugin import SUITE

ROOT = Path(__file__).resolve().parent.parent


def suite_marks() -> Dict[str, List[pytest.Mark]]:
    """Every test function of the installed suite, with its clause marks."""
    tests = {}
    for path in sorted(SUITE.glob("test_*.py")):
        module = importlib.import_module(f"poolspec.conformance.suite.{path.stem}")
        for name, function in vars(module).items():
            if name.startswith("test_") and callable(function):
                tests[f"{path.name}::{name}"] = [mark for mark in getattr(function, "pytestmark", []) if mark.name == "clause"]
    return tests


def suite_tests() -> Dict[str, List[str]]:
    """Every test function of the installed suite, with the clause ids it declares."""
    return {test: [clause_id for mark in marks for clause_id in mark.args] for test, marks in suite_marks().items()}


def test_every_suite_test_declares_a_known_clause() -> None:
    tests = suite_tests()
    assert tests, f"no test found in {SUITE}"
    assert not [test for test, clause_ids in tests.items() if not clause_ids], "suite tests without a clause"
    unknown = {clause_id for clause_ids in tests.values() for clause_id in clause_ids} - set(CLAUSES)
    assert not unknown, f"suite tests declare unknown clauses: {unknown}"


def test_every_capability_a_test_needs_is_known() -> None:
    needs = {test: set(mark.kwargs.get("needs", ())) for test, marks in suite_marks().items() for mark in marks}
    assert not {test: need - set(CAPABILITIES) for test, need in needs.items() if need - set(CAPABILITIES)}, "unknown capabilities"


def test_every_clause_has_a_test() -> None:
    checked = {clause_id for clause_ids in suite_tests().values() for clause_id in clause_ids}
    assert not set(CLAUSES) - checked, "clauses without a test"


@pytest.mark.parametrize("clause", CLAUSES.values(), ids=list(CLAUSES))
def test_every_clause_is_well_formed(clause: Clause) -> None:
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*\.[a-z0-9]+(-[a-z0-9]+)*", clause.id), clause.id
    assert clause.level in LEVELS
    assert clause.source in SOURCES
    assert clause.needs <= set(CAPABILITIES), f"unknown capabilities: {set(clause.needs) - set(CAPABILITIES)}"
    assert clause.statement.endswith(".") and clause.reference
    assert clause.until is None or clause.until >= clause.since


def test_every_stdlib_bug_is_in_the_stdlib_baseline_and_nothing_else(tmp_path: Path) -> None:
    # Every entry counts, whatever its marker: a bug fixed on some Python is still one of the
    # stdlib's bugs. The markers are dropped from a copy (after reading the file as shipped, which
    # checks that each marker is valid).
    baseline.read(baseline.STDLIB)
    unmarked = tmp_path / "stdlib.txt"
    unmarked.write_text("\n".join(map(without_marker, baseline.STDLIB.read_text(encoding="utf-8").splitlines())), encoding="utf-8")
    every_entry = baseline.read(unmarked)
    entries = {entry.target for entry in every_entry}
    bugs = {clause.id for clause in CLAUSES.values() if clause.source == "cpython-bug"}
    assert entries <= set(CLAUSES), f"stdlib baseline entries that are not clause ids: {entries - set(CLAUSES)}"
    assert bugs <= entries, f"cpython-bug clauses missing from the stdlib baseline: {bugs - entries}"
    assert all(entry.reason for entry in every_entry), "every stdlib baseline entry needs a reason"


def without_marker(line: str) -> str:
    """A baseline line without its ``; marker`` (comments kept)."""
    entry, hash_sign, comment = line.partition("#")
    return entry.partition(";")[0] + hash_sign + comment


def test_without_marker_keeps_the_entry_and_its_comment() -> None:
    assert without_marker('a.b ; python_version < "3.16"  # why') == "a.b # why"
    assert without_marker("# a reason; with a semicolon") == "# a reason; with a semicolon"


def test_the_clause_page_is_current() -> None:
    page = ROOT / "docs" / "clauses.md"
    assert page.read_text(encoding="utf-8") == docs.render(), f"docs/clauses.md is out of date: run {docs.COMMAND}"


def test_the_readme_leaves_the_counts_that_a_new_clause_changes_to_the_generated_pages() -> None:
    # A new clause touches its area's files and the generated pages only: the README counts families, not clauses.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    families = {clause.family for clause in CLAUSES.values()}
    assert not re.findall(r"\d+ (?:required |strict )?clauses|\d+ are (?:required|strict)", readme), "the README counts clauses: leave that to docs/clauses.md"
    assert set(re.findall(r"(\d+) families", readme)) == {str(len(families))}, f"the README's family counts: the registry has {len(families)}"


def test_the_readme_documents_every_option_of_the_plugin() -> None:
    from poolspec.conformance.plugin import pytest_addoption

    class Recorder:
        def __init__(self) -> None:
            self.options: List[str] = []

        def getgroup(self, *args: object) -> Recorder:
            return self

        def addoption(self, name: str, **kwargs: object) -> None:
            self.options.append(name)

        def addini(self, name: str, *args: object, **kwargs: object) -> None:
            self.options.append(name)

    recorder = Recorder()
    pytest_addoption(recorder)  # type: ignore[arg-type]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not [option for option in recorder.options if f"`{option}" not in readme], "options missing from the README"

"""The self-check: the kit run on each broken pool of the catalogue fails the clauses it names.

Each broken pool runs in a subprocess of its own, selecting the clauses its ``BREAKS`` names
(:func:`tests.broken_pools.run_kit`). These tests are marked ``selfcheck``; the ``selfcheck``
tox environment runs them. The registry test below is cheap and runs with the others.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conformance.clauses import CLAUSES

from .broken_pools import ROOT, RUN_LIMIT, catalogue, run_kit


@pytest.mark.selfcheck
@pytest.mark.parametrize(("spec", "pool"), catalogue(), ids=[spec.rpartition(".")[2] for spec, _ in catalogue()])
def test_the_kit_rejects_the_broken_pool(spec: str, pool: Any, tmp_path: Path) -> None:
    assert pool.__doc__, f"{spec} needs a docstring: the bug and what a user would see"
    assert pool.BREAKS and set(pool.BREAKS) <= set(CLAUSES), f"{spec}.BREAKS names unknown clauses"
    outcomes = run_kit(spec, [f"--clause={clause_id}" for clause_id in pool.BREAKS], tmp_path / "report.json")
    if outcomes is None:
        pytest.fail(f"killed by hang: the kit on {spec} did not finish within {RUN_LIMIT} s")
    missed = [clause_id for clause_id in pool.BREAKS if outcomes[clause_id] != "failed"]
    assert not missed, f"the kit did not fail {missed} for {spec}: {outcomes}"


def test_every_clause_is_broken_by_some_pool_of_the_catalogue() -> None:
    broken = {clause_id for _, pool in catalogue() for clause_id in pool.BREAKS}
    assert not sorted(set(CLAUSES) - broken), "clauses no broken pool names in BREAKS (untested sensitivity)"


def test_the_kill_matrix_lists_every_pool_and_family() -> None:
    page = (ROOT / "docs" / "kill-matrix.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([\w.]+:\w+)` \|", page, re.M))
    header = next(line for line in page.splitlines() if line.startswith("| broken pool |"))
    families = {clause.family for clause in CLAUSES.values()}
    rerun = "docs/kill-matrix.md is out of date: run python3 dev.py killmatrix"
    assert listed == {spec.partition("broken_pools.")[2] for spec, _ in catalogue()}, rerun
    assert families <= {cell.strip() for cell in header.split("|")}, rerun

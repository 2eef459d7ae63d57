"""The self-check: the kit run on each broken pool of the catalogue fails the clauses it names.

Each broken pool runs in a subprocess of its own, selecting the clauses its ``BREAKS`` names
(:func:`tests.broken_pools.run_kit`); a race pool in stress mode, and only where threads run at
the same time (it is skipped, with the reason, on a Python with the GIL). These tests are marked ``selfcheck``; the ``selfcheck``
tox environment runs them. The registry and kill matrix tests below are cheap and run with the
others: the kill matrix page must be rendered from its stored data and the current catalogue and
clauses, but a pool or clause added since the data was measured only shows as not run there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict

import pytest

from poolspec.conformance.clauses import CLAUSES, Clause
from tools import kill_matrix

from .broken_pools import ROOT, RUN_LIMIT, catalogue, kit_options, run_kit, uncatchable_here

RENDER = "run python3 dev.py pages (renders it again from docs/kill-matrix.json)"


@pytest.mark.selfcheck
@pytest.mark.parametrize(("spec", "pool"), catalogue(), ids=[spec.rpartition(".")[2] for spec, _ in catalogue()])
def test_the_kit_rejects_the_broken_pool(spec: str, pool: Any, tmp_path: Path) -> None:
    assert pool.__doc__, f"{spec} needs a docstring: the bug and what a user would see"
    assert pool.BREAKS and set(pool.BREAKS) <= set(CLAUSES), f"{spec}.BREAKS names unknown clauses"
    reason = uncatchable_here(pool)
    if reason is not None:
        pytest.skip(f"{spec}: {reason}")
    outcomes = run_kit(spec, [*kit_options(pool), *(f"--clause={clause_id}" for clause_id in pool.BREAKS)], tmp_path / "report.json")
    if outcomes is None:
        pytest.fail(f"killed by hang: the kit on {spec} did not finish within {RUN_LIMIT} s")
    missed = [clause_id for clause_id in pool.BREAKS if outcomes[clause_id] != "failed"]
    assert not missed, f"the kit did not fail {missed} for {spec}: {outcomes}"


def test_every_clause_is_broken_by_some_pool_of_the_catalogue() -> None:
    broken = {clause_id for _, pool in catalogue() for clause_id in pool.BREAKS}
    assert not sorted(set(CLAUSES) - broken), "clauses no broken pool names in BREAKS (untested sensitivity)"


def test_the_readme_leaves_the_size_of_the_catalogue_to_the_kill_matrix_page() -> None:
    stated = re.findall(r"\d+ (?:deliberately )?broken pools", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert not stated, f"the README counts broken pools ({stated}): a new one would have to change it; docs/kill-matrix.md counts them"


def kill_matrix_data() -> Dict[str, Any]:
    return json.loads((ROOT / "docs" / "kill-matrix.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_kill_matrix_page_is_rendered_from_its_data() -> None:
    page = (ROOT / "docs" / "kill-matrix.md").read_text(encoding="utf-8")
    assert page == kill_matrix.render(kill_matrix_data(), catalogue(), CLAUSES), f"docs/kill-matrix.md is out of date: {RENDER}"


def test_the_kill_matrix_data_is_well_formed() -> None:
    assert not kill_matrix.malformed(kill_matrix_data()), "docs/kill-matrix.json was not written by the tool: run python3 dev.py killmatrix"


def test_a_pool_or_clause_the_kill_matrix_predates_shows_as_not_run_on_this_version() -> None:
    (first_spec, first), (second_spec, second) = catalogue()[:2]
    family = CLAUSES[first.BREAKS[0]].family
    run = {"base": "reference", "hang": False, "named": True, "families": [family]}
    data = {"seconds": 60, "clauses": list(CLAUSES), "untested": [], "pools": {kill_matrix.short_name(first_spec): run}}
    assert not kill_matrix.malformed(data)
    registry = {**CLAUSES, "zz.new": Clause("zz.new", "new behaviour", "documented", "the docs")}
    page = kill_matrix.render(data, [(first_spec, first), (second_spec, second)], registry)
    assert f"the broken pool `{kill_matrix.short_name(second_spec)}`; the clause `zz.new`." in page
    assert "**Kill rate: 1/1 (100 %)**" in page
    rows = {line.split(" | ")[0]: line for line in page.splitlines() if line.startswith("| `")}
    assert rows[f"| `{kill_matrix.short_name(first_spec)}`"].endswith(" | ○ |"), "a family the run had no clause of"
    assert rows[f"| `{kill_matrix.short_name(second_spec)}`"].count("○") == 1 + len({clause.family for clause in registry.values()})
    assert "Not run on this version" not in kill_matrix.render(data, [(first_spec, first)], CLAUSES)

"""The self-check: the kit run on each broken pool of the catalogue fails the clauses it names.

Each broken pool runs in a subprocess of its own (``pytest --impl=… --poolspec-strict``, selecting
the clauses its ``BREAKS`` names, with a JSON report), bounded in time, so a deadlocking one is reported as
killed, never a stalled run. These tests are marked ``selfcheck``; the ``selfcheck`` tox
environment runs them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from conformance.clauses import CLAUSES

CATALOGUE = Path(__file__).resolve().parent / "broken_pools"
ROOT = CATALOGUE.parent.parent
RUN_LIMIT = 300
"""Seconds one kit run on a broken pool may take before it counts as killed by a hang."""


def catalogue() -> List[Tuple[str, Any]]:
    """Every broken pool: (its --impl spec, the class)."""
    pools = []
    for path in sorted(CATALOGUE.glob("*.py")):
        if path.stem == "__init__":
            continue
        module = importlib.import_module(f"tests.broken_pools.{path.stem}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__ and hasattr(value, "BREAKS"):
                pools.append((f"tests.broken_pools.{path.stem}:{name}", value))
    return pools


def kit_outcomes(spec: str, clause_ids: Tuple[str, ...], report: Path) -> Dict[str, str]:
    """Each clause's outcome in a kit run on ``spec`` that selects ``clause_ids``."""
    selection = [f"--clause={clause_id}" for clause_id in clause_ids]
    command = [sys.executable, "-m", "pytest", "-c", str(ROOT / "compliance" / "kit.ini"), "-p", "no:cacheprovider", "-q", "--poolspec-strict", f"--impl={spec}", *selection, f"--poolspec-report={report}"]
    try:
        subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=RUN_LIMIT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"killed by hang: the kit on {spec} did not finish within {RUN_LIMIT} s")
    assert report.exists(), f"the kit on {spec} wrote no report: {' '.join(command)}"
    return {clause_id: clause["outcome"] for clause_id, clause in json.loads(report.read_text())["clauses"].items()}


@pytest.mark.selfcheck
@pytest.mark.parametrize(("spec", "pool"), catalogue(), ids=[spec.rpartition(".")[2] for spec, _ in catalogue()])
def test_the_kit_rejects_the_broken_pool(spec: str, pool: Any, tmp_path: Path) -> None:
    assert pool.__doc__, f"{spec} needs a docstring: the bug and what a user would see"
    assert pool.BREAKS and set(pool.BREAKS) <= set(CLAUSES), f"{spec}.BREAKS names unknown clauses"
    outcomes = kit_outcomes(spec, pool.BREAKS, tmp_path / "report.json")
    missed = [clause_id for clause_id in pool.BREAKS if outcomes[clause_id] != "failed"]
    assert not missed, f"the kit did not fail {missed} for {spec}: {outcomes}"

"""COMPLIANCE.md: generated from the matrix data, and the data current with the clause registry."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict

from conformance import compliance
from conformance.clauses import CLAUSES

ROOT = Path(__file__).resolve().parent.parent
RERUN = "run python3 dev.py compliance"


def matrix() -> Dict[str, Any]:
    return json.loads((ROOT / "compliance" / "matrix.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_compliance_md_is_rendered_from_the_matrix_data() -> None:
    assert (ROOT / "COMPLIANCE.md").read_text(encoding="utf-8") == compliance.render(matrix()), f"COMPLIANCE.md is out of date: {RERUN}"


def test_every_run_of_the_matrix_covers_the_current_clauses() -> None:
    stale = {run["implementation"] + " on " + run["python"]: sorted(set(CLAUSES) ^ set(run["outcomes"])) for run in matrix()["runs"]}
    assert not {run: clauses for run, clauses in stale.items() if clauses}, f"the matrix predates the clause registry: {RERUN}"


def test_the_matrix_has_every_implementation_of_the_tox_matrix() -> None:
    implementations = {run["implementation"] for run in matrix()["runs"]}
    expected = {
        "multiprocessing.pool:ThreadPool",
        "multiprocessing.pool:ThreadPool (PyPy)",
        "reference",
        "multiprocess.pool:ThreadPool",
        "mpi4py.util.pool:ThreadPool",
        "billiard.pool:ThreadPool",
        "billiard.pool:Pool",
        "joblib.pool:MemmappingPool",
    }
    assert expected <= implementations, f"missing from the matrix: {sorted(expected - implementations)}: {RERUN}"
    pythons = {run["python"].rpartition(".")[0] for run in matrix()["runs"] if run["implementation"] == "multiprocessing.pool:ThreadPool"}
    assert {"3.8", "3.9", "3.10", "3.11", "3.12", "3.13"} <= pythons, f"the stdlib ran on {sorted(pythons)} only: {RERUN}"


def test_the_table_is_collected_from_kit_reports(tmp_path: Path) -> None:
    def report(spec: str, python: str, outcome: str) -> Dict[str, Any]:
        test = {"outcome": outcome, "message": f"why it fails ({Path.cwd() / 'baselines' / 'x.txt'}:3)\nmore"}
        clauses = {clause_id: {"outcome": "passed", "tests": []} for clause_id in CLAUSES}
        clauses["map.order"] = {"outcome": outcome, "tests": [test]}
        return {"implementation": {"spec": spec, "version": "1"}, "python": {"version": python, "implementation": "cpython"}, "profile": "ci", "clauses": clauses}

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.json").write_text(json.dumps(report("x:Pool", "3.8.18", "failed")))
    (tmp_path / "y.json").write_text(json.dumps(report("x:Pool", "3.13.0", "passed")))
    output, data = tmp_path / "C.md", tmp_path / "m.json"
    assert compliance.main([str(tmp_path), "--output", str(output), "--data", str(data)]) == 0
    page = output.read_text()
    assert "| `map.order` | ✗ 3.8 ✓ 3.13 |" in page
    assert f"- `map.order` (fail on 3.8): why it fails (baselines{os.sep}x.txt:3)" in page
    assert page == compliance.render(json.loads(data.read_text()))

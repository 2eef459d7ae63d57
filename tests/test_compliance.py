"""COMPLIANCE.md: rendered from the matrix data and the current clause registry.

The runs need not cover every clause of the registry: a clause added since shows as "not run on
this version of the kit", so adding one never makes these tests wait for a new matrix run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict

from poolspec.conformance import compliance
from poolspec.conformance.clauses import CLAUSES, Clause

ROOT = Path(__file__).resolve().parent.parent
RERUN = "run python3 dev.py compliance"
RENDER = "run python3 dev.py pages (renders it again from compliance/matrix.json)"


def matrix() -> Dict[str, Any]:
    return json.loads((ROOT / "compliance" / "matrix.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_compliance_md_is_rendered_from_the_matrix_data() -> None:
    expected = compliance.expected_runs(ROOT / "tox.ini")
    assert (ROOT / "COMPLIANCE.md").read_text(encoding="utf-8") == compliance.render(matrix(), CLAUSES, expected), f"COMPLIANCE.md is out of date: {RENDER}"


def test_the_runs_of_the_matrix_are_well_formed() -> None:
    assert not compliance.malformed_runs(matrix()), f"compliance/matrix.json was not written by the kit: {RERUN}"


def test_the_expected_runs_are_read_from_the_tox_matrix() -> None:
    expected = compliance.expected_runs(ROOT / "tox.ini")
    assert {"multiprocessing.pool:ThreadPool on 3.8", "poolspec.reference on 3.14t", "multiprocessing.pool:ThreadPool (PyPy) on any Python"} <= set(expected)


def test_a_run_of_the_tox_matrix_the_data_lacks_is_named_as_not_run_yet() -> None:
    run = {"implementation": "poolspec.reference", "version": "1", "python": "3.14.7t", "profile": "ci", "outcomes": {}, "notes": {}}
    data = {"generated": "2026-01-01", "poolspec": "0.1.0", "runs": [run]}
    page = compliance.render(data, CLAUSES, ["poolspec.reference on 3.14t", "poolspec.reference on 3.16"])
    assert "No run on this version of the kit yet (added to the tox matrix since): `poolspec.reference on 3.16`." in page


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
    assert page == compliance.render(json.loads(data.read_text()), CLAUSES)


def test_a_clause_the_runs_predate_shows_as_not_run_on_this_version(tmp_path: Path) -> None:
    run = {"implementation": "x:Pool", "version": "1", "python": "3.11.7", "profile": "ci", "outcomes": {"map.order": "passed"}, "notes": {}}
    data = {"generated": "2026-01-01", "poolspec": "0.1.0", "runs": [run]}
    registry = {"map.order": CLAUSES["map.order"], "map.new": Clause("map.new", "new behaviour", "documented", "the docs")}
    page = compliance.render(data, registry)
    assert "| `map.order` | ✓ |" in page and "| `map.new` | ○ |" in page
    assert "Not run on this version of the kit (○): `map.new` (" in page
    assert "○ not run on this version of the kit" in page
    assert "Not run on this version" not in compliance.render(data, {"map.order": CLAUSES["map.order"]})
    (tmp_path / "m.json").write_text(json.dumps(data))
    assert compliance.main(["--render-only", "--output", str(tmp_path / "C.md"), "--data", str(tmp_path / "m.json")]) == 0
    assert (tmp_path / "C.md").read_text() == compliance.render(data, CLAUSES)


def test_malformed_runs_are_named() -> None:
    good = {"implementation": "x:Pool", "version": "1", "python": "3.11.7", "profile": "ci", "outcomes": {"map.order": "failed"}, "notes": {"map.order": "why"}}
    assert compliance.malformed_runs({"runs": [good]}) == []
    odd = dict(good, outcomes={"map.order": "passed", "map.new": "not-in-run"})
    assert compliance.malformed_runs({"runs": [odd, {"implementation": "y"}]}) == [
        "x:Pool on 3.11.7: unknown outcomes ['not-in-run']",
        "x:Pool on 3.11.7: notes for clauses it did not fail ['map.order']",
        "y on None: no version, python, profile, outcomes, notes",
    ]

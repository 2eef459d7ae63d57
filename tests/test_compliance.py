"""COMPLIANCE.md: rendered from the matrix data and the current clause registry.

The runs need not cover every clause of the registry: a clause added since shows as "not run on
this version of the kit", so adding one never makes these tests wait for a new matrix run.
"""

from __future__ import annotations

import configparser
import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Set, Tuple

from conformance import compliance
from conformance.clauses import CLAUSES, Clause

ROOT = Path(__file__).resolve().parent.parent
RERUN = "run python3 dev.py compliance"
RENDER = "run python3 dev.py pages (renders it again from compliance/matrix.json)"


def matrix() -> Dict[str, Any]:
    return json.loads((ROOT / "compliance" / "matrix.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_compliance_md_is_rendered_from_the_matrix_data() -> None:
    assert (ROOT / "COMPLIANCE.md").read_text(encoding="utf-8") == compliance.render(matrix(), CLAUSES), f"COMPLIANCE.md is out of date: {RENDER}"


def test_the_runs_of_the_matrix_are_well_formed() -> None:
    assert not compliance.malformed_runs(matrix()), f"compliance/matrix.json was not written by the kit: {RERUN}"


def tox_matrix() -> Set[Tuple[str, str]]:
    """The runs of tox.ini's kit matrix (its ``compliance`` label): each implementation (as the table names
    it) with the CPython version its environment asks for (``py314t`` asks for 3.14), or ``""`` for any."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini", encoding="utf-8")
    labels = {label.strip(): envs for label, _, envs in (line.partition("=") for line in tox["tox"]["labels"].strip().splitlines())}
    runs = set()
    for env in (name.strip() for name in labels["compliance"].split(",")):
        commands = tox[f"testenv:{env}"]["commands"] if tox.has_option(f"testenv:{env}", "commands") else tox["testenv"]["commands"]
        python = re.fullmatch(r"py3(\d+)t?", env)
        for spec in re.findall(r"--impl=(\S+)", commands):
            runs.add((spec + (" (PyPy)" if env.startswith("pypy") else ""), f"3.{python.group(1)}" if python else ""))
    return runs


def test_the_matrix_has_every_run_of_the_tox_matrix() -> None:
    done = {(run["implementation"], run["python"].rpartition(".")[0]) for run in matrix()["runs"]}
    expected = tox_matrix()
    assert ("multiprocessing.pool:ThreadPool", "3.8") in expected and ("reference", "3.8") in expected, "tox.ini's matrix was not read"
    missing = sorted(f"{spec} on {python or 'any Python'}" for spec, python in expected if not any(spec == ran and python in ("", on) for ran, on in done))
    assert not missing, f"missing from the matrix: {missing}: {RERUN}"


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

"""COMPLIANCE.md: generated from the matrix data, and the data current with the clause registry."""

from __future__ import annotations

import configparser
import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Set, Tuple

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
    assert page == compliance.render(json.loads(data.read_text()))

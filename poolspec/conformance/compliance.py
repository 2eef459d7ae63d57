"""The compliance table: clauses × implementations × Python versions, from the kit's JSON reports.

``python -m poolspec.conformance.compliance REPORTS_DIR --output COMPLIANCE.md --data matrix.json`` reads
every report that ``--poolspec-report`` wrote under ``REPORTS_DIR`` (one per implementation and
Python), keeps what the table needs in ``matrix.json``, and renders the Markdown from it.
``--render-only`` (no ``REPORTS_DIR``) renders the Markdown again from ``matrix.json`` alone.

The Markdown is a pure function of the data and the clause registry (:func:`render`), so a test
can check that a checked-in table is current; it is never edited by hand. The runs stay as they
were measured: a clause of the registry that a run did not report (added since the matrix ran)
shows as "not run on this version of the kit" in that run's cells, and a sentence names it, so
adding a clause needs no new matrix run to keep the table true.
"""

from __future__ import annotations

import argparse
import configparser
import datetime
import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .clauses import CLAUSES, Clause
from .report import kit_version

NOT_IN_RUN = "not-in-run"
"""A cell's outcome for a clause the run did not report: the run predates it."""
SYMBOLS = {"passed": "✓", "failed": "✗", "xfailed": "xfail", "xpassed": "xpass", "unobserved": "?", "skipped": "n/a", "not-run": "·", NOT_IN_RUN: "○"}
OUTCOME_NAMES = {
    "passed": "pass",
    "failed": "fail",
    "xfailed": "expected fail",
    "xpassed": "passed, though its baseline expects a failure",
    "unobserved": "not observed by the kit",
    "skipped": "not applicable",
    "not-run": "not run",
    NOT_IN_RUN: "not run on this version of the kit",
}
RUN_FIELDS = ("implementation", "version", "python", "profile", "outcomes", "notes")
"""The keys of every run in the matrix data."""


def collect(reports: Path) -> Dict[str, Any]:
    """The matrix data from every JSON report under ``reports``."""
    runs = []
    for path in sorted(reports.rglob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        runs.append(
            {
                "implementation": _label(report),
                "version": report["implementation"]["version"],
                "python": report["python"]["version"] + ("t" if report["python"].get("free_threaded") else ""),
                "profile": report["profile"],
                "outcomes": {clause_id: clause["outcome"] for clause_id, clause in report["clauses"].items()},
                "notes": {clause_id: _note(clause) for clause_id, clause in report["clauses"].items() if clause["outcome"] in ("failed", "xfailed")},
            }
        )
    runs.sort(key=lambda run: (run["implementation"], _version_key(run["python"])))
    return {"generated": datetime.date.today().isoformat(), "poolspec": kit_version(), "runs": runs}


def _label(report: Dict[str, Any]) -> str:
    spec = str(report["implementation"]["spec"])
    return f"{spec} (PyPy)" if report["python"]["implementation"] == "pypy" else spec


def _note(clause: Dict[str, Any]) -> str:
    """Why a clause failed: the first failing (or expected-failing) test's message, first line.

    Paths under the current directory (the checkout the matrix ran in) are made relative to it,
    so the table does not depend on where it was generated.
    """
    for test in clause["tests"]:
        if test["outcome"] == clause["outcome"] and test["message"]:
            return _portable(str(test["message"]).strip().splitlines()[0].replace(f"{Path.cwd()}{os.sep}", ""))[:200]
    return ""


def _portable(note: str) -> str:
    """``note`` without the install location of the kit's files (``.tox/py38/lib/python3.8/site-packages/``)."""
    return re.sub(r"[^\s(]*site-packages/", "", note)


def expected_runs(tox_ini: Path) -> List[str]:
    """The runs of tox.ini's kit matrix (its ``compliance`` label), as ``implementation on X.Y``.

    The implementation is named as the table names it; X.Y is the CPython its environment asks
    for (``py314t``: ``3.14t``), or ``any Python``.
    """
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(tox_ini, encoding="utf-8")
    labels = {label.strip(): envs for label, _, envs in (line.partition("=") for line in tox["tox"]["labels"].strip().splitlines())}
    runs = []
    for env in (name.strip() for name in labels["compliance"].split(",")):
        section = f"testenv:{env}" if tox.has_option(f"testenv:{env}", "commands") else "testenv"
        python = re.fullmatch(r"py3(\d+)(t?)", env)
        for spec in re.findall(r"--impl=(\S+)", tox[section]["commands"]):
            label = spec + (" (PyPy)" if env.startswith("pypy") else "")
            runs.append(f"{label} on {f'3.{python.group(1)}{python.group(2)}' if python else 'any Python'}")
    return sorted(set(runs))


def _not_yet_run(data: Dict[str, Any], expected: Sequence[str]) -> List[str]:
    """The runs of ``expected`` that the matrix ``data`` has no run for."""
    done = {(run["implementation"], _minor(run["python"])) for run in data["runs"]}
    missing = []
    for run in expected:
        implementation, _, python = run.rpartition(" on ")
        if not any(implementation == ran and python in ("any Python", on) for ran, on in done):
            missing.append(run)
    return missing


def _minor(python: str) -> str:
    """``3.14.7t`` → ``3.14t``."""
    return ".".join(python.rstrip("t").split(".")[:2]) + ("t" if python.endswith("t") else "")


def _version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def render(data: Dict[str, Any], clauses: Mapping[str, Clause], expected: Sequence[str] = ()) -> str:
    """COMPLIANCE.md for the matrix ``data``, its tables listing the registry ``clauses``.

    Runs of the tox matrix (``expected``, from :func:`expected_runs`) that the data has none of are
    named as not run on this version of the kit.
    """
    columns = _columns(data["runs"])
    lines = [
        "# Compliance",
        "",
        "<!-- Generated by `python3 dev.py compliance` (poolspec/conformance/compliance.py), rendered again from compliance/matrix.json by `python3 dev.py pages`: do not edit. -->",
        "",
        f"The kit (poolspec {data['poolspec']}) run on {data['generated']} against every implementation of the "
        f"tox matrix, {len(data['runs'])} runs in all. A cell gives a clause's outcome on every Python the "
        "implementation ran on, or the outcome per Python where they differ: "
        + ", ".join(f"{symbol} {OUTCOME_NAMES[outcome]}" for outcome, symbol in SYMBOLS.items())
        + ". Expected failures are the entries of the implementation's baseline. Clauses are listed in "
        "[docs/clauses.md](docs/clauses.md).",
        "",
    ]
    unreported = [clause_id for clause_id in clauses if any(clause_id not in run["outcomes"] for run in data["runs"])]
    if unreported:
        lines += [
            f"Not run on this version of the kit ({SYMBOLS[NOT_IN_RUN]}): "
            + ", ".join(f"`{clause_id}`" for clause_id in unreported)
            + " (clauses added since the runs that show this mark).",
            "",
        ]
    not_yet_run = _not_yet_run(data, expected)
    if not_yet_run:
        lines += ["No run on this version of the kit yet (added to the tox matrix since): " + ", ".join(f"`{run}`" for run in not_yet_run) + ".", ""]
    lines += [
        "## Runs",
        "",
        "| implementation | version | Python | profile | passed | failed | expected fail | not applicable |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in data["runs"]:
        counts = _counts(run["outcomes"])
        lines.append(
            f"| `{run['implementation']}` | {run['version']} | {run['python']} | {run['profile']} | "
            f"{counts['passed']} | {counts['failed']} | {counts['xfailed']} | {counts['skipped']} |"
        )
    lines += ["", "## Deviations", "", "Every clause an implementation fails, expected (baseline) or not, with the first failure's message.", ""]
    for implementation, runs in columns:
        deviations = _deviations(runs, clauses)
        if deviations:
            lines += [f"### `{implementation}`", ""]
            lines += [f"- `{clause_id}` ({where}): {note}" if note else f"- `{clause_id}` ({where})" for clause_id, where, note in deviations]
            lines.append("")
    families: Dict[str, List[str]] = defaultdict(list)
    for clause_id, clause in clauses.items():
        families[clause.family].append(clause_id)
    header = "| clause | " + " | ".join(f"`{implementation}`" for implementation, _ in columns) + " |"
    for family, clause_ids in families.items():
        lines += [f"## {family}", "", header, "|---|" + "---|" * len(columns)]
        for clause_id in clause_ids:
            lines.append(f"| `{clause_id}` | " + " | ".join(_cell(runs, clause_id) for _, runs in columns) + " |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _columns(runs: Sequence[Dict[str, Any]]) -> List[Tuple[str, List[Dict[str, Any]]]]:
    grouped: Dict[str, List[Dict[str, Any]]] = {}
    for run in runs:
        grouped.setdefault(run["implementation"], []).append(run)
    return list(grouped.items())


def _counts(outcomes: Dict[str, str]) -> Dict[str, int]:
    counts = dict.fromkeys(SYMBOLS, 0)
    for outcome in outcomes.values():
        counts[outcome] += 1
    return counts


def _cell(runs: Sequence[Dict[str, Any]], clause_id: str) -> str:
    outcomes = [(run["python"], run["outcomes"].get(clause_id, NOT_IN_RUN)) for run in runs]
    if len({outcome for _, outcome in outcomes}) == 1:
        return SYMBOLS[outcomes[0][1]]
    return " ".join(f"{SYMBOLS[outcome]} {_minor(python)}" for python, outcome in outcomes)


def _deviations(runs: Sequence[Dict[str, Any]], clauses: Mapping[str, Clause]) -> List[Tuple[str, str, str]]:
    """(clause id, where and how it fails, note) for every clause of ``clauses`` failed on some Python."""
    found = []
    for clause_id in clauses:
        failing = [(run["python"], run["outcomes"].get(clause_id), run["notes"].get(clause_id, "")) for run in runs]
        failing = [(python, outcome, note) for python, outcome, note in failing if outcome in ("failed", "xfailed")]
        if failing:
            kinds = sorted({OUTCOME_NAMES[str(outcome)] for _, outcome, _ in failing})
            pythons = ", ".join(_minor(python) for python, _, _ in failing)
            found.append((clause_id, f"{' / '.join(kinds)} on {pythons}", _portable(failing[0][2])))
    return found


def malformed_runs(data: Dict[str, Any]) -> List[str]:
    """What is wrong with the runs of the matrix ``data`` (nothing, for data :func:`collect` wrote).

    Each run has every field of :data:`RUN_FIELDS`, only the kit's clause outcomes, and a note only
    for a clause it failed (or failed as expected). A run need not report every clause of the
    current registry.
    """
    problems = []
    for run in data["runs"]:
        name = f"{run.get('implementation')} on {run.get('python')}"
        missing = [key for key in RUN_FIELDS if key not in run]
        if missing:
            problems.append(f"{name}: no {', '.join(missing)}")
            continue
        unknown = sorted({outcome for outcome in run["outcomes"].values() if outcome not in OUTCOME_NAMES or outcome == NOT_IN_RUN})
        if unknown:
            problems.append(f"{name}: unknown outcomes {unknown}")
        stray = sorted(clause_id for clause_id in run["notes"] if run["outcomes"].get(clause_id) not in ("failed", "xfailed"))
        if stray:
            problems.append(f"{name}: notes for clauses it did not fail {stray}")
    return problems


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Render the compliance table from kit JSON reports.")
    parser.add_argument("reports", type=Path, nargs="?", help="a directory holding --poolspec-report JSON files")
    parser.add_argument("--output", type=Path, required=True, help="the Markdown table to write")
    parser.add_argument("--data", type=Path, required=True, help="where to keep the matrix data the table is rendered from")
    parser.add_argument("--tox-ini", type=Path, help="the tox.ini whose kit matrix (its compliance label) the table should cover")
    parser.add_argument("--render-only", action="store_true", help="render --output again from --data and the current clause registry, reading no reports")
    args = parser.parse_args(argv)
    if args.render_only == (args.reports is not None):
        parser.error("give either REPORTS_DIR or --render-only")
    if args.render_only:
        data = json.loads(args.data.read_text(encoding="utf-8"))
    else:
        data = collect(args.reports)
        if not data["runs"]:
            print(f"no reports under {args.reports}: run the matrix first (python3 dev.py compliance)", file=sys.stderr)
            return 1
        args.data.parent.mkdir(parents=True, exist_ok=True)
        args.data.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = expected_runs(args.tox_ini) if args.tox_ini else []
    args.output.write_text(render(data, CLAUSES, expected), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the run found, clause by clause: the terminal compliance summary and the JSON report.

The findings are gathered from pytest's own test reports (``pytest_runtest_logreport``), which
pytest-xdist forwards from its workers to the controller, together with the ``user_properties``
the plugin attaches to each report (also written into junit XML by ``--junitxml``):

* ``clauses``: the ids of the clauses the test checks, space-separated;
* ``poolspec_kind``, ``poolspec_broken``, ``poolspec_message``: for a failure, its kind (see
  :mod:`conformance.failures`), the clauses it breaks and a short message.

A clause's outcome is the worst of its tests': ``failed`` (a test failed in a way that breaks it),
then ``xfailed`` (it fails as its baseline expects), ``passed``, ``skipped`` (not applicable here),
and ``not-run`` (no test of it was selected).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List

import pytest

from .clauses import CLAUSES, Clause

CLAUSE_OUTCOMES = ("failed", "xfailed", "passed", "skipped", "not-run")
"""From worst to best: a clause takes the worst outcome of its tests."""


@dataclass
class TestFinding:
    """What happened to one test, over its setup, call and teardown."""

    nodeid: str
    clauses: List[str]
    outcome: str = "passed"
    kind: str = ""
    broken: List[str] = field(default_factory=list)
    message: str = ""
    duration: float = 0.0


@dataclass
class ClauseFinding:
    clause: Clause
    outcome: str = "not-run"
    tests: List[TestFinding] = field(default_factory=list)


class Findings:
    """Test findings gathered from reports, and the clause outcomes they add up to."""

    def __init__(self) -> None:
        self.tests: Dict[str, TestFinding] = {}

    def add(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        if "clauses" not in properties:
            return
        test = self.tests.setdefault(report.nodeid, TestFinding(report.nodeid, str(properties["clauses"]).split()))
        test.duration += report.duration
        if test.outcome == "failed":
            return
        if report.failed:
            test.outcome = "failed"
            test.kind = str(properties.get("poolspec_kind", "assertion"))
            test.broken = str(properties.get("poolspec_broken", "")).split()
            test.message = str(properties.get("poolspec_message", ""))
        elif report.skipped and hasattr(report, "wasxfail"):
            test.outcome, test.message = "xfailed", str(report.wasxfail)
        elif report.skipped:
            test.outcome, test.message = "skipped", _skip_reason(report.longrepr)

    def clauses(self) -> Dict[str, ClauseFinding]:
        """Every registered clause with its outcome in this run."""
        findings = {clause_id: ClauseFinding(clause) for clause_id, clause in CLAUSES.items()}
        for test in self.tests.values():
            for clause_id in dict.fromkeys([*test.clauses, *test.broken]):
                finding = findings[clause_id]
                finding.tests.append(test)
                outcome = test.outcome
                if outcome == "failed" and clause_id not in test.broken:
                    outcome = "passed"  # the test failed over another clause (threads left behind)
                if CLAUSE_OUTCOMES.index(outcome) < CLAUSE_OUTCOMES.index(finding.outcome):
                    finding.outcome = outcome
        return findings


def _skip_reason(longrepr: Any) -> str:
    if isinstance(longrepr, (tuple, list)) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "", 1)
    return str(longrepr)


def summary_lines(findings: Dict[str, ClauseFinding]) -> List[str]:
    """Per clause family: how many clauses had each outcome; then the failed clauses, by id."""
    families: Dict[str, Counter[str]] = defaultdict(Counter)
    for finding in findings.values():
        families[finding.clause.family][finding.outcome] += 1
    width = max(len(family) for family in families)
    lines = []
    for family, counts in families.items():
        total = sum(counts.values())
        parts = ", ".join(f"{counts[outcome]} {outcome}" for outcome in CLAUSE_OUTCOMES if counts[outcome])
        lines.append(f"{family:<{width}}  {total:>2} clause{'s' if total != 1 else ' '}: {parts}")
    for outcome, label in (("failed", "failed clauses"), ("xfailed", "expected failures (baseline)")):
        named = [_with_kinds(finding) for finding in findings.values() if finding.outcome == outcome]
        if named:
            lines.append(f"{label}: {', '.join(named)}")
    return lines


def _with_kinds(finding: ClauseFinding) -> str:
    kinds = sorted({test.kind for test in finding.tests if test.outcome == "failed" and test.kind not in ("", "assertion")})
    return f"{finding.clause.id} ({', '.join(kinds)})" if kinds else finding.clause.id


def kit_version() -> str:
    """The installed poolspec's version."""
    try:
        from importlib import metadata

        return metadata.version("poolspec")
    except Exception:  # noqa: BLE001 - running from a source tree that is not installed
        return "unknown"


def write_json(path: Path, header: Dict[str, Any], findings: Dict[str, ClauseFinding], exit_status: int) -> None:
    """The run as JSON: what was checked, how, and every clause's outcome with its tests."""
    document = {
        **header,
        "python": {"version": sys.version.split()[0], "implementation": sys.implementation.name},
        "exit_status": exit_status,
        "summary": dict(Counter(finding.outcome for finding in findings.values())),
        "clauses": {
            clause_id: {
                "family": finding.clause.family,
                "level": finding.clause.level,
                "source": finding.clause.source,
                "statement": finding.clause.statement,
                "outcome": finding.outcome,
                "tests": [asdict(test) for test in finding.tests],
            }
            for clause_id, finding in findings.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


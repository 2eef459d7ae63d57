"""What the run found, clause by clause: the terminal compliance summary and the JSON report.

The findings are gathered from pytest's own test reports (``pytest_runtest_logreport``), which
pytest-xdist forwards from its workers to the controller, each turned into a plain record
(:func:`record_of`) with the ``user_properties`` the plugin attaches (also written into junit XML
by ``--junitxml``):

* ``clauses``: the ids of the clauses the test checks, space-separated;
* ``poolspec_kind``, ``poolspec_broken``, ``poolspec_message``: for a failure (or an UNOBSERVED
  test), its kind (see :mod:`poolspec.conformance.failures`), the clauses it breaks and a short message;
* ``poolspec_notes``: what the kit noticed that is no clause's verdict (a pool it could not stop;
  a scenario that passed, then failed when run again), one line each;
* ``poolspec_flaky``: where the baseline entry that expects the test to fail says that the
  failure shows only some of the time (a pass of such a test is a plain pass).

The same records go to the journal (:mod:`poolspec.conformance.journal`) as they come, so a run that dies
can still be summed up from it: ``python -m poolspec.conformance.report JOURNAL --output REPORT.json``.

A clause's outcome is the first of its tests' outcomes in this order: ``failed`` (a test failed
in a way that breaks it), ``xfailed`` (it fails as its baseline expects: some of its tests fail),
``unobserved`` (the kit could not observe some of its behaviour, see :mod:`poolspec.conformance.unobserved`,
or the pool refused a test's call for a signature deviation: :func:`outcome_for`),
``xpassed`` (its baseline expects it to fail, but every one of its tests passed: the entry is
stale, which fails the run), ``passed``, ``skipped`` (not applicable here, or
not run after an earlier failure of the clause), and ``not-run`` (tests of it were selected, but
none ran: the run ended first). A clause none of whose tests was selected (``--clause``, ``-k``,
test ids) has no outcome: it is *not selected*, counted apart in the summary and listed in the
JSON report's ``not_selected``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest

from .clauses import CLAUSES, Clause

CLAUSE_OUTCOMES = ("failed", "xfailed", "unobserved", "xpassed", "passed", "skipped", "not-run")
"""In order of precedence: a clause takes the first of its tests' outcomes in this order."""

Record = Dict[str, Any]
"""A test report as plain data: what :func:`record_of` keeps, as the journal stores it."""


def record_of(report: pytest.TestReport) -> Record:
    """What the findings need of one test report, as JSON-able data."""
    return {
        "nodeid": report.nodeid,
        "when": report.when,
        "outcome": report.outcome,
        "wasxfail": getattr(report, "wasxfail", None),
        "skip_reason": _skip_reason(report.longrepr) if report.skipped else "",
        "duration": report.duration,
        "properties": {str(name): str(value) for name, value in report.user_properties},
    }


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
    notes: List[str] = field(default_factory=list)


@dataclass
class ClauseFinding:
    clause: Clause
    outcome: str = "not-run"
    tests: List[TestFinding] = field(default_factory=list)


class Findings:
    """Test findings gathered from report records, and the clause outcomes they add up to."""

    def __init__(self) -> None:
        self.tests: Dict[str, TestFinding] = {}
        self.running: List[str] = []
        """The tests that have started and not yet finished (several at once under pytest-xdist)."""

    def start(self, nodeid: str) -> None:
        self.running.append(nodeid)

    def died(self) -> None:
        """The process ended during the running tests: each failed, as ``died``, for all its clauses."""
        for nodeid in self.running:
            self._died(nodeid, "the process ended while this test was running (the journal has no later line)")

    def _died(self, nodeid: str, message: str) -> None:
        test = self.tests.get(nodeid)
        if test is not None:
            test.outcome, test.kind, test.broken, test.message = "failed", "died", list(test.clauses), message

    def add(self, record: Record) -> None:
        properties: Dict[str, str] = record["properties"]
        nodeid = record["nodeid"]
        if record["when"] == "teardown" and nodeid in self.running:
            self.running.remove(nodeid)
        if "clauses" not in properties:
            # pytest-xdist's report of a worker that crashed during the test carries nothing else.
            if record["outcome"] == "failed" and nodeid in self.tests:
                self._died(nodeid, "the process running this test ended (pytest-xdist: the worker crashed)")
                if nodeid in self.running:
                    self.running.remove(nodeid)
            return
        test = self.tests.setdefault(nodeid, TestFinding(nodeid, properties["clauses"].split()))
        test.duration += record["duration"]
        test.notes += [note for note in properties.get("poolspec_notes", "").split("\n") if note and note not in test.notes]
        if test.outcome == "failed":
            return
        if record["outcome"] == "failed":
            test.outcome = "failed"
            test.kind = properties.get("poolspec_kind", "assertion")
            test.broken = properties.get("poolspec_broken", "").split()
            test.message = properties.get("poolspec_message", "")
        elif record["wasxfail"] is not None and record["outcome"] == "skipped":
            test.outcome, test.message = "xfailed", record["wasxfail"]
            # A leak of threads or a signature refusal expected by the baseline: that clause only.
            test.broken = properties.get("poolspec_broken", "").split()
            test.kind = properties.get("poolspec_kind", "")
        elif record["wasxfail"] is not None and "poolspec_flaky" not in properties:
            test.outcome, test.message = "xpassed", record["wasxfail"]
        elif properties.get("poolspec_kind") == "unobserved":
            test.outcome, test.kind, test.message = "unobserved", "unobserved", properties.get("poolspec_message", "")
        elif record["outcome"] == "skipped":
            test.outcome, test.message = "skipped", record["skip_reason"]

    def clauses(self, selected: Optional[Sequence[str]] = None) -> Dict[str, ClauseFinding]:
        """The clauses with their outcome in this run: every registered clause, or those ``selected``
        and any other that a test broke (a leak of threads breaks ``shutdown.join-ends-threads``)."""
        findings = {clause_id: ClauseFinding(clause) for clause_id, clause in CLAUSES.items() if selected is None or clause_id in selected}
        for test in self.tests.values():
            for clause_id in dict.fromkeys([*test.clauses, *test.broken]):
                if clause_id not in findings and clause_id in test.broken and clause_id in CLAUSES:
                    findings[clause_id] = ClauseFinding(CLAUSES[clause_id])
                finding = findings.get(clause_id)
                if finding is None:
                    continue
                finding.tests.append(test)
                outcome = outcome_for(test, clause_id)
                if CLAUSE_OUTCOMES.index(outcome) < CLAUSE_OUTCOMES.index(finding.outcome):
                    finding.outcome = outcome
        return findings

    def notes(self) -> Dict[str, int]:
        """Each note on what the kit could not do, with the number of tests it came up in."""
        return dict(Counter(note for test in self.tests.values() for note in test.notes))


def outcome_for(test: TestFinding, clause_id: str) -> str:
    """What ``test`` tells of one of its clauses, ``clause_id``.

    A test that failed, or failed as its baseline expects, over another clause tells nothing
    against its own: it passed them when its scenario ran to the end and only left threads behind
    (``threads-left``), and did not observe them when the pool refused its call (``signature``).
    """
    if (test.outcome == "failed" or (test.outcome == "xfailed" and test.broken)) and clause_id not in test.broken:
        return "unobserved" if test.kind == "signature" else "passed"
    return test.outcome


def _skip_reason(longrepr: Any) -> str:
    if isinstance(longrepr, (tuple, list)) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "", 1)
    return str(longrepr)


def summary_lines(findings: Dict[str, ClauseFinding], notes: Dict[str, int], running: Sequence[str] = ()) -> List[str]:
    """Per clause family: how many clauses had each outcome; then the clauses to look at, by id."""
    families: Dict[str, Counter[str]] = defaultdict(Counter)
    for finding in findings.values():
        families[finding.clause.family][finding.outcome] += 1
    width = max((len(family) for family in families), default=0)
    lines = []
    for family, counts in families.items():
        total = sum(counts.values())
        parts = ", ".join(f"{counts[outcome]} {outcome}" for outcome in CLAUSE_OUTCOMES if counts[outcome])
        lines.append(f"{family:<{width}}  {total:>2} clause{'s' if total != 1 else ' '}: {parts}")
    unselected = not_selected(findings)
    if unselected:
        lines.append(f"not selected: {len(unselected)} of the kit's {len(CLAUSES)} clauses (--clause, -k or test ids)")
    labels = (
        ("failed", "failed clauses"),
        ("xpassed", "expected to fail by the baseline, but every test passed (remove the entry, or a family's entry for its other clauses)"),
        ("xfailed", "expected failures (baseline)"),
        ("unobserved", "not observed: no verdict on these clauses, for the reason in brackets"),
    )
    for outcome, label in labels:
        named = [_with_kinds(finding) for finding in findings.values() if finding.outcome == outcome]
        if outcome == "unobserved":  # clauses not observed for the same reasons: their ids, then the reasons once
            grouped: Dict[str, List[str]] = defaultdict(list)
            for finding in findings.values():
                if finding.outcome == outcome:
                    grouped["; ".join(_causes(finding))].append(finding.clause.id)
            named = [f"{', '.join(clause_ids)} ({causes})" for causes, clause_ids in grouped.items()]
        if named:
            lines.append(f"{label}: {', '.join(named)}")
    stopped = [test for finding in findings.values() for test in finding.tests if test.message.startswith(STOPPED_PREFIX)]
    if stopped:
        lines.append(f"{len({test.nodeid for test in stopped})} test(s) not run after an earlier HANG or failure of their clause")
    for note, count in sorted(notes.items()):
        lines.append(f"note ({count} test{'s' if count != 1 else ''}): {note}")
    for nodeid in running:
        lines.append(f"the run ended while this test was running: {nodeid}")
    return lines


def not_selected(findings: Dict[str, ClauseFinding]) -> List[str]:
    """The clauses of the kit that are not among ``findings`` (none of their tests was selected)."""
    return [clause_id for clause_id in CLAUSES if clause_id not in findings]


STOPPED_PREFIX = "not run after "
"""How the reason of a test skipped after its clause hung or failed begins (see the plugin)."""


def _with_kinds(finding: ClauseFinding) -> str:
    kinds = sorted({test.kind for test in finding.tests if test.outcome in ("failed", "unobserved") and test.kind not in ("", "assertion", "unobserved")})
    return f"{finding.clause.id} ({', '.join(kinds)})" if kinds else finding.clause.id


def _causes(finding: ClauseFinding) -> List[str]:
    """Why a clause was not observed, each reason once: the first line of its tests' messages."""
    messages = [test.message for test in finding.tests if outcome_for(test, finding.clause.id) == "unobserved"]
    return sorted({message.strip().partition("\n")[0] for message in messages})


def kit_version() -> str:
    """The installed poolspec's version."""
    try:
        from importlib import metadata

        return metadata.version("poolspec")
    except Exception:  # noqa: BLE001 - running from a source tree that is not installed
        return "unknown"


def document(header: Dict[str, Any], findings: Findings, selected: Optional[Sequence[str]], exit_status: Optional[int]) -> Dict[str, Any]:
    """The run as JSON data: what was checked, how, and every clause's outcome with its tests.

    ``exit_status`` is None for a run that did not finish; ``running`` then names the tests that
    were running when it ended.
    """
    clauses = findings.clauses(selected)
    return {
        **header,
        "complete": exit_status is not None,
        "exit_status": exit_status,
        "running": list(findings.running) if exit_status is None else [],
        "summary": dict(Counter(finding.outcome for finding in clauses.values())),
        "not_selected": not_selected(clauses),
        "notes": findings.notes(),
        "clauses": {
            clause_id: {
                "family": finding.clause.family,
                "level": finding.clause.level,
                "source": finding.clause.source,
                "statement": finding.clause.statement,
                "outcome": finding.outcome,
                "tests": [asdict(test) for test in finding.tests],
            }
            for clause_id, finding in clauses.items()
        },
    }


def write_json(path: Path, data: Dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m poolspec.conformance.report JOURNAL [--output REPORT.json]``: sum up a run from its journal.

    For a run that died: prints the compliance summary of what it had found and the test that was
    running, and writes the JSON report. Exits 1 if the run did not finish or found failures.
    """
    from . import journal

    parser = argparse.ArgumentParser(prog="python -m poolspec.conformance.report", description=main.__doc__)
    parser.add_argument("journal", type=Path, help="the journal of a kit run (REPORT.jsonl beside --poolspec-report=REPORT.json)")
    parser.add_argument("--output", type=Path, help="write the JSON report here")
    args = parser.parse_args(argv)
    try:
        run = journal.replay(args.journal)
    except OSError as exc:
        parser.error(f"cannot read the journal {args.journal}: {exc.strerror}")
    if not run.header:
        parser.error(f"{args.journal} is not the journal of a kit run (it has no header line)")
    for line in summary_lines(run.findings.clauses(run.selected), run.findings.notes(), run.findings.running if run.exit_status is None else ()):
        print(line)
    if run.exit_status is None:
        print("the run did not finish: this is what it had found")
    if args.output:
        write_json(args.output, document(run.header, run.findings, run.selected, run.exit_status))
    failing = any(finding.outcome in ("failed", "xpassed") for finding in run.findings.clauses(run.selected).values())
    return 1 if run.exit_status != 0 or failing else 0


if __name__ == "__main__":
    sys.exit(main())

"""The run's recorder: gathers every test report, and writes the summary, the journal and the JSON report.

See :mod:`poolspec.conformance.report` for what the findings hold, and :mod:`poolspec.conformance.journal` for the
journal that outlives a run that dies.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path
from typing import Any, Dict, Generator, List, Optional

import pytest

from . import journal
from .clauses import CLAUSES
from .impl import Implementation, package_version
from .kit import Kit
from .report import (
    Findings,
    document,
    kit_version,
    record_of,
    summary_lines,
    write_json,
)


class Recorder:
    """Gathers the findings from every test report and writes the summary and the JSON report.

    Registered as a plugin of its own when an implementation is checked. Under pytest-xdist it
    runs on the controller, which receives every worker's reports; workers write nothing. Every
    report also goes to the journal as it comes (:mod:`poolspec.conformance.journal`): beside the JSON
    report with ``--poolspec-report``, else in pytest's cache folder (``.pytest_cache``), so a run
    that dies still leaves what it had found. A run that finds the journal of a run that died in
    the cache folder says so in its header and keeps that journal aside.
    """

    def __init__(self, config: pytest.Config, kit: Kit) -> None:
        self.config = config
        self.kit = kit
        self.findings = Findings()
        self.is_worker = hasattr(config, "workerinput")
        path = config.getoption("poolspec_report")
        self.report_path = Path(path) if path and not self.is_worker else None
        self.previous_death: Optional[str] = None
        self.journal: Optional[journal.Journal] = None
        self.selected_clauses: Optional[List[str]] = sorted(kit.selected) if kit.selected is not None else None
        """The clauses of the tests collected and selected; until they are known, ``--clause``'s (None: all)."""

    def pytest_sessionstart(self) -> None:
        """Open the journal (pytest's cache folder is known by now), before the header is shown."""
        journal_path = self._journal_path()
        if journal_path is None:
            return
        if self.report_path is None:
            self.previous_death = _keep_a_dead_run(journal_path)
        try:
            self.journal = journal.Journal(journal_path, self.header())
        except OSError as exc:
            if self.report_path is not None:
                raise pytest.UsageError(f"--poolspec-report={self.report_path}: cannot write its journal {journal_path}: {exc.strerror}") from None
            # The cache folder's journal is a convenience: the run goes on without it.

    def _journal_path(self) -> Optional[Path]:
        if self.is_worker:
            return None
        if self.report_path is not None:
            return journal.path_beside(self.report_path)
        cache = getattr(self.config, "cache", None)  # None with -p no:cacheprovider
        return Path(cache.mkdir("poolspec")) / "journal.jsonl" if cache is not None else None

    def pytest_report_header(self) -> Optional[str]:
        return f"poolspec: {self.previous_death}" if self.previous_death else None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._select([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: List[str]) -> None:
        """On the pytest-xdist controller: what a worker collected (each worker collects the same)."""
        self._select(ids)

    def _select(self, nodeids: List[str]) -> None:
        """The selected clauses are those of the tests collected and not deselected (``--clause``,
        ``-k``, test ids): a clause no such test checks is *not selected*, never *not run*."""
        if self.is_worker:
            return
        clauses = sorted({clause_id for nodeid in nodeids for clause_id in clauses_in_test_id(nodeid)})
        if clauses == self.selected_clauses:
            return
        self.selected_clauses = clauses
        if self.journal is not None:
            self.journal.selected(clauses)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.findings.start(nodeid)
        if self.journal is not None:
            self.journal.start(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = record_of(report)
        self.findings.add(record)
        if self.journal is not None:
            self.journal.report(record)

    def selected(self) -> Optional[List[str]]:
        return self.selected_clauses

    @pytest.hookimpl(hookwrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, Any, None]:
        """A clause its baseline expects to fail, every test of which passed, fails a run that was otherwise green."""
        if not self.is_worker and session.exitstatus == pytest.ExitCode.OK and any(finding.outcome == "xpassed" for finding in self.findings.clauses(self.selected()).values()):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        yield
        if self.journal is not None:
            self.journal.finish(int(session.exitstatus))
        if self.report_path is not None:
            write_json(self.report_path, document(self.header(), self.findings, self.selected(), int(session.exitstatus)))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        terminalreporter.write_sep("=", f"poolspec compliance of {self.kit.impl.spec}")
        if self.previous_death:
            terminalreporter.write_line(self.previous_death)
        for line in summary_lines(self.findings.clauses(self.selected()), self.findings.notes()):
            terminalreporter.write_line(line)
        if self.report_path:
            terminalreporter.write_line(f"JSON report: {self.report_path} (journal: {journal.path_beside(self.report_path)})")

    def header(self) -> Dict[str, Any]:
        impl = self.kit.impl
        made = self.kit.probe.pool_type
        return {
            "poolspec": kit_version(),
            "implementation": {
                "spec": impl.spec,
                "version": impl.version,
                "file": impl.file,
                "timeout_error": f"{impl.timeout_error.__module__}.{impl.timeout_error.__qualname__}",
                "pool_class": f"{made.__module__}.{made.__qualname__}" if made is not None else None,
                "pool_class_version": package_version(made.__module__) if made is not None else None,
                "missing_methods": sorted(self.kit.probe.missing_methods),
                "signature_deviations": [str(deviation) for deviation in self.kit.probe.signature_deviations],
            },
            "python": python_header(),
            "profile": self.kit.profile,
            "hypothesis_seed": self.kit.seed,
            "strict": self.kit.strict,
            "hang_limit": self.kit.hang_limit,
            "clause_maxfail": self.kit.clause_maxfail,
            "stress": self.kit.stress,
            "selected_clauses": self.selected(),
            "baselines": list(self.kit.baseline_files),
        }


def python_header() -> Dict[str, Any]:
    """The header's account of the Python the kit runs on."""
    return {
        "version": sys.version.split()[0],
        "implementation": sys.implementation.name,
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    }


def journal_the_probe(config: pytest.Config, impl: Implementation) -> None:
    """With ``--poolspec-report``, a journal saying that the capability probe of ``impl`` is running.

    Written before the probe (see :mod:`poolspec.conformance.journal`); the run's journal replaces it.
    Nothing is written on a pytest-xdist worker, nor where the report cannot be written (the
    run's own journal then says so).
    """
    path = config.getoption("poolspec_report")
    if not path or hasattr(config, "workerinput"):
        return
    header = {"poolspec": kit_version(), "implementation": {"spec": impl.spec, "version": impl.version, "file": impl.file}, "python": python_header()}
    try:
        early = journal.Journal(journal.path_beside(Path(path)), header)
    except OSError:
        return
    early.start(journal.PROBE)
    early.close()


def _keep_a_dead_run(path: Path) -> Optional[str]:
    """If the journal at ``path`` is of a run that did not finish, move it aside and say what it was running.

    Such a run died, or is still running in the same folder (two runs at once share the journal).
    """
    try:
        run = journal.replay(path)
    except OSError:
        return None  # no journal yet, or one that cannot be read: nothing to tell
    if run.exit_status is not None:
        return None
    kept = path.with_name("died.jsonl")
    path.replace(kept)
    running = f" while running {', '.join(run.findings.running)}" if run.findings.running else ""
    return f"the last run in this folder did not finish (it died, or is still running){running}; its journal is {kept} (python -m poolspec.conformance.report {kept})"


def clauses_in_test_id(nodeid: str) -> List[str]:
    """The clause ids that the plugin (``pytest_generate_tests``) put in the test id ``nodeid`` (none if it has none).

    A pytest-xdist controller has the ids of the tests its workers collected, not the tests.
    """
    rest = nodeid.rpartition("::")[2].partition("[")[2]
    found: List[str] = []
    while True:
        clause_id = max((known for known in CLAUSES if rest.startswith(known) and rest[len(known) : len(known) + 1] in ("+", "-", "]")), key=len, default=None)
        if clause_id is None:
            return found
        found.append(clause_id)
        if rest[len(clause_id)] != "+":
            return found
        rest = rest[len(clause_id) + 1 :]

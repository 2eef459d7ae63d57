"""The journal of a kit run: every test report written as it comes, so a dying run leaves a report.

Some pools end the whole process (native code calling ``exit``, a crashed helper process). So, as
the run goes, the plugin appends one JSON line per event to the journal and flushes it at once:

* ``{"event": "header", ...}``: what is checked and how (the JSON report's header), first;
* ``{"event": "selected", "clauses": [...]}``: the clauses of the tests collected and selected
  (by ``--clause``, ``-k``, test ids), once they are known;
* ``{"event": "start", "nodeid": ...}``: a test starts;
* ``{"event": "report", "record": ...}``: a phase of a test ended (:func:`poolspec.conformance.report.record_of`);
* ``{"event": "finish", "exit_status": ...}``: the run ended normally.

The kit builds and calls the pool once before any test (:mod:`poolspec.conformance.capabilities`); a pool
that ends the process there would leave nothing. So with ``--poolspec-report``, a journal whose
header names the implementation and whose running "test" is :data:`PROBE` is written first, and
the run's own journal replaces it once the probe is over.

:func:`replay` reads it back into the findings the JSON report is made from; a journal without a
``finish`` line is a run that died, and the last test started and not finished is the one that was
running: it counts as failed, of kind ``died``, for its clauses (``python -m poolspec.conformance.report
JOURNAL`` shows both).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, List, Optional

from .report import Findings, Record


def path_beside(report: Path) -> Path:
    """The journal of the JSON report ``report``: ``x.json`` → ``x.jsonl``, else ``report`` + ``.jsonl``."""
    return report.with_suffix(".jsonl") if report.suffix == ".json" else report.with_name(report.name + ".jsonl")


PROBE = "the capability probe, before any test (the kit builds the pool and calls it: poolspec/conformance/capabilities.py)"
"""What the journal says was running while the kit probed the pool."""


class Journal:
    """An open journal; every line is flushed to the operating system as soon as it is written."""

    def __init__(self, path: Path, header: Dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] = path.open("w", encoding="utf-8")
        self._write({"event": "header", **header})

    def selected(self, clauses: List[str]) -> None:
        self._write({"event": "selected", "clauses": clauses})

    def start(self, nodeid: str) -> None:
        self._write({"event": "start", "nodeid": nodeid})

    def report(self, record: Record) -> None:
        self._write({"event": "report", "record": record})

    def finish(self, exit_status: int) -> None:
        self._write({"event": "finish", "exit_status": exit_status})
        self.close()

    def close(self) -> None:
        self._file.close()

    def _write(self, event: Dict[str, Any]) -> None:
        self._file.write(json.dumps(event) + "\n")
        self._file.flush()


@dataclass
class Run:
    """A run as its journal tells it."""

    header: Dict[str, Any] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)
    exit_status: Optional[int] = None
    """None if the run did not finish."""
    selection: Optional[List[str]] = None
    """The clauses of the tests the run collected and selected, once it had collected them."""

    @property
    def selected(self) -> Optional[List[str]]:
        """The clauses the run selected (``--clause``, ``-k``, test ids), or None for all."""
        return self.selection if self.selection is not None else self.header.get("selected_clauses")


def replay(path: Path) -> Run:
    """The run written to the journal at ``path``. A line that is not a well-formed event (a torn
    last line, from a death mid-write) is passed over; ``OSError`` if the file cannot be read."""
    run = Run()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
            kind = event.pop("event")
            if kind == "header":
                run.header = event
            elif kind == "selected":
                run.selection = [str(clause_id) for clause_id in event["clauses"]]
            elif kind == "start":
                run.findings.start(str(event["nodeid"]))
            elif kind == "report":
                run.findings.add(event["record"])
            elif kind == "finish":
                run.exit_status = int(event["exit_status"])
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    if run.exit_status is None:
        run.findings.died()
    return run

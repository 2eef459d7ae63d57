"""Running the kit on one pool as a user would: a subprocess of its own, bounded in time.

The self-checks on the broken pools (:mod:`tests.broken_pools`) and on the foreign pools
(:mod:`tests.foreign_pools`) and ``tools/kill_matrix.py`` all run the kit this way: pytest's
defaults (``compliance/kit.ini``), strict clauses on, a JSON report per run. A run that outlives
its limit is killed and counts as killed by a hang; its journal (beside the report) still names
the test that was running.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from poolspec.conformance.journal import path_beside

ROOT = Path(__file__).resolve().parent.parent
KIT_INI = ROOT / "compliance" / "kit.ini"


@dataclass(frozen=True)
class KitRun:
    """One run of the kit: its command, how long it took, and its JSON report (None if it was killed)."""

    command: Sequence[str]
    seconds: float
    report: Optional[Dict[str, Any]]
    journal: Path

    @property
    def outcomes(self) -> Dict[str, str]:
        """Each clause's outcome (the run must have finished)."""
        assert self.report is not None, "the run was killed: it has no report"
        return {clause_id: clause["outcome"] for clause_id, clause in self.report["clauses"].items()}

    def running_when_killed(self) -> str:
        """The test a killed run was in, as its journal tells it (or why that is unknown)."""
        if not self.journal.exists():
            return "unknown (no journal)"
        started = [json.loads(line)["nodeid"] for line in self.journal.read_text(encoding="utf-8").splitlines() if '"event": "start"' in line]
        return started[-1] if started else "none (no test had started)"


def run_kit_on(spec: str, options: Sequence[str], report: Path, limit: float) -> KitRun:
    """The kit run on ``spec`` with ``options``, writing ``report``; killed after ``limit`` seconds.

    A run that ends within the limit without writing its report is the kit's own failure:
    :class:`RuntimeError`, with the end of the run's output.
    """
    command = [sys.executable, "-m", "pytest", "-c", str(KIT_INI), "-p", "no:cacheprovider", "-q", "--poolspec-strict", f"--impl={spec}", *options, f"--poolspec-report={report}"]
    journal = path_beside(report)
    started = time.monotonic()
    try:
        finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        return KitRun(command, time.monotonic() - started, None, journal)
    seconds = time.monotonic() - started
    if not report.exists():
        output = (finished.stdout + finished.stderr)[-3000:]
        raise RuntimeError(f"the kit on {spec} wrote no report (exit status {finished.returncode}): {' '.join(command)}\n{output}")
    return KitRun(command, seconds, json.loads(report.read_text(encoding="utf-8")), journal)

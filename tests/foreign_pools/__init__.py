"""Foreign pools: implementations the project did not write, with the outcome the kit must give each clause.

The broken pools (:mod:`tests.broken_pools`) are small changes of pools the kit knows. These are
pools as their authors would write them, each far from the reference in its own way, as the kit
meets them in the hands of new users:

* :mod:`.futures_port`: a port onto ``concurrent.futures.ThreadPoolExecutor``, with the
  deviations such ports have; it fails about a third of the clauses;
* :mod:`.slots_wrapper`: the stdlib's pool behind a class with ``__slots__`` (no weak references);
* :mod:`.thread_bound`: the stdlib's pool, usable only on the thread that built it (as gevent's
  and Ray's pools are);
* :mod:`.exiting`: the stdlib's pool, ending the process from its callback thread when a callback
  raises (as billiard's does);
* :mod:`.gevent_pool`: gevent's ``ThreadPool`` behind the stdlib's constructor signature.

Each module's docstring says what the pool is and what a user of the kit should see. :data:`POOLS`
says how the kit runs on each (its options: the stdlib's baseline for the pools made from the
stdlib's), and ``expected/<name>.txt`` the outcome of every clause in that run: one
``clause-id outcome`` line per clause, sorted, after a comment giving the Python version the
outcomes were recorded on. An outcome that is a fault of the kit's own, not the pool's behaviour,
carries a trailing ``# kit fault: ...`` comment saying so.

``tests/test_foreign_pools.py`` (marker ``foreign``, tox environment ``foreign``) runs the kit on
each pool and fails when any clause's outcome differs from the expected one. After a change of the
kit or of a clause, ``python -m tests.foreign_pools --update [NAME ...]`` runs the kit again and
rewrites the files (a ``# kit fault`` comment is kept while the outcome it explains stays the same);
review the difference before committing it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..kit_runs import KitRun, run_kit_on

EXPECTED = Path(__file__).resolve().parent / "expected"
RUN_LIMIT = 600
"""Seconds one kit run on a foreign pool may take before it is killed (the target is under 180)."""

PYTHON = re.compile(r"^# Python (\d+\.\d+)$")


@dataclass(frozen=True)
class ForeignPool:
    """A foreign pool, and how the kit runs on it."""

    name: str
    options: Tuple[str, ...] = ()
    requires: Optional[str] = None
    """A module the pool needs that may not be installed."""

    @property
    def spec(self) -> str:
        return f"tests.foreign_pools.{self.name}:ThreadPool"

    @property
    def expected_file(self) -> Path:
        return EXPECTED / f"{self.name}.txt"


POOLS = (
    ForeignPool("futures_port"),
    ForeignPool("slots_wrapper", ("--xfails-file=stdlib",)),
    ForeignPool("thread_bound", ("--xfails-file=stdlib",)),
    ForeignPool("exiting", ("--xfails-file=stdlib",)),
    # It fails nearly every clause, most after waiting for tasks that never start: stopping each
    # clause at its first failure gives the same outcomes in half the time.
    ForeignPool("gevent_pool", ("--clause-maxfail=1",), requires="gevent"),
)


@dataclass(frozen=True)
class Expected:
    """A pool's expected outcomes: per clause, the outcome and the kit-fault note (or '')."""

    python: str
    outcomes: Dict[str, Tuple[str, str]]


def read_expected(pool: ForeignPool) -> Expected:
    """The outcomes recorded for ``pool`` in ``expected/<name>.txt``."""
    python = ""
    outcomes: Dict[str, Tuple[str, str]] = {}
    for line in pool.expected_file.read_text(encoding="utf-8").splitlines():
        header = PYTHON.match(line)
        if header:
            python = header.group(1)
            continue
        text, _, comment = line.partition("#")
        if not text.strip():
            continue
        clause_id, outcome = text.split()
        outcomes[clause_id] = (outcome, comment.strip())
    return Expected(python, outcomes)


def write_expected(pool: ForeignPool, outcomes: Dict[str, str], notes: Dict[str, str]) -> None:
    """``expected/<name>.txt`` for ``outcomes`` on this Python, with ``notes`` for some clauses."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    lines = [f"# Python {version}"]
    for clause_id in sorted(outcomes):
        note = notes.get(clause_id, "")
        lines.append(f"{clause_id} {outcomes[clause_id]}" + (f"  # {note}" if note else ""))
    pool.expected_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(pool: ForeignPool, report: Path) -> KitRun:
    """The kit run on ``pool``, writing its JSON report to ``report``."""
    return run_kit_on(pool.spec, pool.options, report, RUN_LIMIT)


def differences(expected: Expected, report: Dict[str, Any]) -> List[str]:
    """One line per clause whose outcome in ``report`` (a kit JSON report) is not the expected one.

    Each line gives both outcomes and what the kit said about the clause's tests.
    """
    found = report["clauses"]
    lines = []
    for clause_id in sorted(set(expected.outcomes) | set(found)):
        want = expected.outcomes[clause_id][0] if clause_id in expected.outcomes else "(none recorded)"
        got = found[clause_id]["outcome"] if clause_id in found else "(not in the report)"
        if want != got:
            said = _messages(found[clause_id]["tests"]) if clause_id in found else ""
            lines.append(f"{clause_id}: expected {want}, got {got}{said}")
    return lines


def _messages(tests: List[Dict[str, Any]]) -> str:
    """What the kit said about the tests of a clause that did not pass (first line of each, once)."""
    said = dict.fromkeys(
        f"{test['outcome']}: {str(test['message']).strip().splitlines()[0][:300]}" for test in tests if test["outcome"] != "passed" and str(test.get("message", "")).strip()
    )
    return "".join(f"\n    {line}" for line in said) if said else f" (its {len(tests)} test(s) passed or were not run)"

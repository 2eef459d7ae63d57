"""The clause registry: every behaviour the kit checks, as data.

A clause has a stable id (``family.name``), a one-line statement, where it comes from, the
Python versions it applies to, the capabilities an implementation needs for it to apply, and a
level. Tests declare the clauses they check (:func:`conformance.checks`); baselines, reports and
the generated clause page are all keyed by clause id, so renaming a test never breaks them.

Levels:

* ``required``: what the docs promise, or what code relies on (always checked);
* ``strict``: stdlib-incidental behaviour (messages, ``repr``, exception types the docs do not
  name), checked only with ``--poolspec-strict``.

Sources: ``documented`` (with the docs sentence), ``cpython-behaviour`` (observed, not promised),
``cpython-bug`` (the clause states the correct behaviour; the stdlib fails it, has it in its
shipped baseline, and the upstream issue is named).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional, Tuple

LEVELS = ("required", "strict")
SOURCES = ("documented", "cpython-behaviour", "cpython-bug")
CAPABILITIES = {
    "threads": "tasks run in threads of the calling process, so they can share objects with the test",
}


@dataclass(frozen=True)
class Clause:
    id: str
    statement: str
    source: str
    reference: str
    level: str = "required"
    since: Tuple[int, int] = (3, 8)
    until: Optional[Tuple[int, int]] = None  # the last Python version it applies to
    needs: FrozenSet[str] = field(default_factory=frozenset)

    @property
    def family(self) -> str:
        return self.id.partition(".")[0]


def _clauses(*clauses: Clause) -> Dict[str, Clause]:
    return {clause.id: clause for clause in clauses}


DOCS = "https://docs.python.org/3/library/multiprocessing.html#module-multiprocessing.pool"

CLAUSES: Dict[str, Clause] = _clauses(
    Clause(
        "construction.processes-honoured",
        "ThreadPool(n) runs exactly n tasks at the same time, never more.",
        "documented",
        "processes is the number of worker processes to use.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "construction.processes-below-one-rejected",
        "ThreadPool(processes) with processes 0 or negative raises ValueError.",
        "cpython-behaviour",
        "Pool.__init__ raises ValueError('Number of processes must be at least 1').",
    ),
    Clause(
        "map.order",
        "map() returns a list of func(x) for every item, in input order.",
        "documented",
        "A parallel equivalent of the map() built-in function.",
    ),
    Clause(
        "imap.order",
        "imap() yields func(x) for every item, in input order.",
        "documented",
        "A lazier version of map().",
    ),
    Clause(
        "imap-unordered.permutation",
        "imap_unordered() yields func(x) for every item exactly once, in any order.",
        "documented",
        "The same as imap() except that the ordering of the results from the returned iterator should be considered arbitrary.",
    ),
    Clause(
        "asyncresult.get-timeout",
        "get(timeout) on a result that is not ready raises the timeout error after about timeout seconds.",
        "documented",
        "If timeout is not None and the result does not arrive within timeout seconds then multiprocessing.TimeoutError is raised.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "timeout.class",
        "The error raised on a time-out is multiprocessing.TimeoutError (or a subclass).",
        "documented",
        "multiprocessing.TimeoutError is raised.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "shutdown.close-rejects-submit",
        "After close() or terminate(), every submission method raises ValueError.",
        "cpython-behaviour",
        "close(): Prevents any more tasks from being submitted to the pool.",
    ),
    Clause(
        "shutdown.join-while-running-rejected",
        "join() before close() or terminate() raises ValueError.",
        "documented",
        "One must call close() or terminate() before using join().",
    ),
    Clause(
        "shutdown.repr",
        "repr(pool) is '<module.Class state=RUN|CLOSE|TERMINATE pool_size=n>'.",
        "cpython-behaviour",
        "Pool.__repr__ since Python 3.8.",
        level="strict",
    ),
)

"""Clauses of the construction family: building a pool."""

from __future__ import annotations

from ._model import Clause

CLAUSES = (
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
)

"""Clauses of the shutdown family: close, terminate, join and the pool's lifecycle."""

from __future__ import annotations

from ._model import Clause

CLAUSES = (
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
        "shutdown.join-ends-threads",
        "Once join() has returned after close() or terminate(), no thread the pool started is still running.",
        "documented",
        "join(): Wait for the worker processes to exit.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "shutdown.repr",
        "repr(pool) is '<module.Class state=RUN|CLOSE|TERMINATE pool_size=n>'.",
        "cpython-behaviour",
        "Pool.__repr__ since Python 3.8.",
        level="strict",
    ),
)

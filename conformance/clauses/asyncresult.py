"""Clauses of the asyncresult and timeout families: the result objects and their time-outs."""

from __future__ import annotations

from ._model import Clause

CLAUSES = (
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
)

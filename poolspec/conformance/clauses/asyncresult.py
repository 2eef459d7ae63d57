"""Clauses of the asyncresult and timeout families: the result objects and their time-outs."""

from __future__ import annotations

from ._model import Clause

GET_DOCS = "If timeout is not None and the result does not arrive within timeout seconds then multiprocessing.TimeoutError is raised."
WAIT_DOCS = "wait([timeout]): Wait until the result is available or until timeout seconds pass."

CLAUSES = (
    Clause(
        "asyncresult.get-timeout",
        "get(timeout) on a result that is not ready raises the timeout error after about timeout seconds.",
        "documented",
        GET_DOCS,
        needs=frozenset({"threads"}),
    ),
    Clause(
        "asyncresult.get-timeout-nonpositive",
        "get(timeout) with a timeout of 0 or below on a result that is not ready raises the timeout error at once.",
        "documented",
        GET_DOCS,
        needs=frozenset({"threads"}),
    ),
    Clause(
        "asyncresult.get-after-timeout",
        "A result whose get(timeout) timed out stays pending: once the call completes, get() returns its value.",
        "cpython-behaviour",
        "ApplyResult.get(timeout) only waits on the result's event; a time-out changes nothing in the result.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "asyncresult.ready",
        "ready() is False until the call (every chunk of a map) has completed, and True from then on.",
        "documented",
        "ready(): Return whether the call has completed.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "asyncresult.successful",
        "successful() raises ValueError while the result is not ready; once ready, it is True if the call returned and False if it raised.",
        "documented",
        "successful(): Return whether the call completed without raising an exception. Will raise ValueError if the result is not ready.",
    ),
    Clause(
        "asyncresult.wait-timeout",
        "wait(timeout) on a result that is not ready returns after about timeout seconds.",
        "documented",
        WAIT_DOCS,
        needs=frozenset({"threads"}),
    ),
    Clause(
        "asyncresult.wait-returns-when-ready",
        "wait(timeout) returns promptly once the result is ready, whether it was ready before the call or became ready during it.",
        "documented",
        WAIT_DOCS,
        needs=frozenset({"threads"}),
    ),
    Clause(
        "asyncresult.wait-returns-none",
        "wait(timeout) returns None, whether the result became ready or the wait timed out.",
        "cpython-behaviour",
        "ApplyResult.wait() returns None in every case; it does not return the outcome of the underlying Event.wait().",
        level="strict",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "asyncresult.map-ready-after-all-chunks",
        "A map_async() or starmap_async() result with a failing chunk becomes ready only after every one of its chunks has finished.",
        "cpython-behaviour",
        "MapResult._set: only consider the result ready once all jobs are done (every Python 3).",
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
        "timeout.imap-next",
        "next(timeout) on the iterator of imap() or imap_unordered() with chunksize 1 raises the timeout error when no result arrives within about timeout seconds.",
        "documented",
        "if chunksize is 1 then the next() method of the iterator returned by the imap() method has an optional timeout parameter: "
        "next(timeout) will raise multiprocessing.TimeoutError if the result cannot be returned within timeout seconds.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "timeout.nan-does-not-wait",
        "A timeout of NaN waits for nothing, as a timeout of 0: get(nan) and next(nan) of an imap() or imap_unordered() iterator "
        "raise the timeout error at once while no result is ready, and wait(nan) returns at once.",
        "cpython-behaviour",
        "threading.Condition.wait blocks only when timeout > 0, which is false for NaN; ApplyResult.get/wait and IMapIterator.next all wait through it.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "timeout.imap-next-resumes",
        "After next(timeout) timed out, the iterator stays usable: a later next() returns the result that was pending, then the rest.",
        "cpython-behaviour",
        "IMapIterator.next(timeout) raises without consuming anything; the next call returns the same pending item.",
        needs=frozenset({"threads"}),
    ),
)

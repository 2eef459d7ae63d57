"""Clauses of the errors family: how a task's or an input's exception reaches the caller."""

from __future__ import annotations

from ._model import Clause

CLAUSES = (
    Clause(
        "errors.reraised-as-is",
        "A failed task's exception is raised, with its own type and args, by apply(), map(), starmap(), by every get() of its result and by next() of an imap iterator; never returned as a value.",
        "documented",
        "get(): If the remote call raised an exception then that exception will be reraised by get().",
    ),
    Clause(
        "errors.reraised-same-object",
        "apply(), map(), starmap(), every get() of a result and next() of an imap iterator raise the very exception object the task raised.",
        "cpython-behaviour",
        "ThreadPool does not wrap exceptions (_wrap_exception is False): ApplyResult.get raises the stored object.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "errors.map-raises-a-failure",
        "map(), map_async(), starmap() and starmap_async() with several failing items raise the exception of one of them, and the pool keeps working afterwards.",
        "documented",
        "get(): If the remote call raised an exception then that exception will be reraised by get().",
    ),
    Clause(
        "errors.map-raises-first-failure",
        "On a pool of one worker, map(), map_async(), starmap() and starmap_async() with several failing items raise the "
        "exception of the first failing item in input order, the first failure to complete, whatever the chunksize.",
        "cpython-behaviour",
        "MapResult._set stores only the first exception to arrive ('only store first exception'); one worker runs the "
        "chunks in input order, and a chunk stops at its first failing item.",
    ),
    Clause(
        "errors.imap-continues-after-failure",
        "imap() and imap_unordered() with chunksize 1 raise each failing item's exception once (imap() at the item's place) and then go on yielding the other results.",
        "cpython-behaviour",
        "IMapIterator._set stores each task's (success, value) separately; next() raises a failed one and the iteration goes on.",
    ),
    Clause(
        "errors.input-error-map",
        "map(), map_async(), starmap() and starmap_async() over an input that raises part-way raise that exception, at the call or from get().",
        "cpython-behaviour",
        "Pool._map_async calls list(iterable) in the caller's thread, so the exception propagates from the call.",
    ),
    Clause(
        "errors.input-error-imap",
        "imap() over an input that raises part-way yields the results of the items before it (with chunksize k at least those of the complete chunks) in order, then raises that exception, then stops; imap_unordered() with chunksize 1 yields every one of those results and raises the exception once.",
        "cpython-behaviour",
        "Pool._guarded_task_generation turns the input's exception into a failed task at the position where the input failed (bpo-28699).",
    ),
    Clause(
        "errors.base-exception-fails-result",
        "A task that raises a BaseException that is not an Exception makes its result raise that exception, instead of never completing.",
        "cpython-bug",
        "The stdlib's worker catches only Exception: the worker thread dies and the result never becomes ready (PR #101081, no issue).",
    ),
)

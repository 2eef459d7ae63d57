"""Clauses of the callbacks family: callback and error_callback of the *_async methods."""

from __future__ import annotations

from ._model import Clause

RESULT_THREAD_DOCS = "Callbacks should complete immediately since otherwise the thread which handles the results will get blocked."

CLAUSES = (
    Clause(
        "callbacks.called-once-with-value",
        "callback is called exactly once, with the value: for map_async() and starmap_async() a list equal to what get() returns, in input order.",
        "documented",
        "If callback is specified then it should be a callable which accepts a single argument. When the result becomes ready callback is applied to it.",
    ),
    Clause(
        "callbacks.error-callback-once",
        "When the call fails, error_callback is called exactly once, with the exception object get() raises, and callback is not called.",
        "documented",
        "If error_callback is specified then it should be a callable which accepts a single argument. If the target function fails, "
        "then the error_callback is called with the exception instance.",
    ),
    Clause(
        "callbacks.none-for-discarded-tasks",
        "Neither callback nor error_callback is ever called for a job none of whose tasks had started when terminate() was called (directly or by leaving a with block).",
        "documented",
        "When the result becomes ready callback is applied to it, that is unless the call failed, in which case the error_callback is applied instead; "
        "terminate(): Stops the worker processes immediately without completing outstanding work.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "callbacks.done-before-ready",
        "A result's callback (or error_callback) has returned before ready() is True and before get() or wait() return because the result is ready.",
        "cpython-behaviour",
        "ApplyResult._set calls the callback before it sets the event that ready(), wait() and get() use.",
    ),
    Clause(
        "callbacks.serialised",
        "The callbacks of a pool never run at the same time as one another.",
        "documented",
        RESULT_THREAD_DOCS,
    ),
    Clause(
        "callbacks.not-on-submitting-thread",
        "A callback never runs on the thread that submitted the job, not even when that thread waits for the result.",
        "documented",
        RESULT_THREAD_DOCS,
    ),
    Clause(
        "callbacks.empty-map-no-callback",
        "map_async() and starmap_async() of an empty input call neither callback nor error_callback.",
        "cpython-behaviour",
        "Pool._map_async: a MapResult of length 0 is ready at once and never calls back.",
        level="strict",
    ),
    Clause(
        "callbacks.raising-callback-fails-result",
        "When a callback or error_callback raises, get() of that result raises the callback's exception; an error_callback's "
        "exception has the task's exception at the end of its __context__ chain, once, as if the error_callback had raised it "
        "while handling the task's exception (the chain is left as it is when it already holds it), so the task's failure is not lost.",
        "cpython-bug",
        "gh-83371 (bpo-39190): the exception kills the result-handler thread, so the result never completes; observed on every CPython of the matrix, "
        "3.16.0a0 (main of 2026-08-21) included. The stdlib calls error_callback outside any except block, so its exception carries no chain to the "
        "task's; the chain is PEP 3134's implicit chaining of an exception raised while another is handled.",
    ),
    Clause(
        "callbacks.raising-callback-keeps-pool",
        "When a callback or error_callback raises, results submitted afterwards still complete, and close(); join() returns.",
        "cpython-bug",
        "gh-83371 (bpo-39190): the exception kills the result-handler thread, so no later result completes and join() hangs; observed on every CPython of the matrix, 3.16.0a0 (main of 2026-08-21) included.",
    ),
)

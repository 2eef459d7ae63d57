"""Clauses of the resources family: what a pool must let go of, and when.

A pool that keeps what it no longer needs (a task's arguments until its worker gets another task,
every value it ever computed, the pool itself through a finished result) leaks memory in a
long-running program, and nothing else the kit checks would notice. Each clause names a moment
after which the pool holds no reference to an object; the suite checks it with weak references to
objects of its own, while the pool goes on running.
"""

from __future__ import annotations

from ._model import Clause

THREADS = frozenset({"threads"})

DELIVERED = "apply() returned or raised, get() of its result returned or raised, map() or starmap() returned or raised, an imap() or imap_unordered() iterator was exhausted"
"""When a task's outcome counts as delivered, in every clause of the family."""

CLAUSES = (
    Clause(
        "resources.arguments-released",
        f"Once a task's outcome has been delivered ({DELIVERED}), the pool holds no reference to the task's arguments: "
        "when the caller drops its own, they are collected while the pool goes on running.",
        "cpython-behaviour",
        "bpo-29861 (Python 3.7): a worker drops its task before it takes the next one (task = job = result = func = args = kwds = None); CPython's test_release_task_refs.",
    ),
    Clause(
        "resources.values-released",
        "Once a task's value has been delivered, the pool holds no reference to it: when the caller drops the value and the "
        "result object or iterator, the value is collected while the pool goes on running.",
        "cpython-behaviour",
        "bpo-29861: the worker drops the value it computed, and the result handler the value it handed over (task = job = obj = None), before each takes the next.",
    ),
    Clause(
        "resources.exceptions-released",
        "Once a task's exception has been delivered, the pool holds no reference to it or to its traceback: when the caller "
        "drops the exception and the result object or iterator, the exception and the frames of its traceback (the task's own "
        "locals) are collected while the pool goes on running.",
        "cpython-behaviour",
        "bpo-29861: the worker drops the outcome of each task, a failure included, before it takes the next one.",
    ),
    Clause(
        "resources.functions-released",
        "Once a job has been delivered and the caller has dropped its result object or iterator, the pool holds no reference "
        "to the job's function, callback or error_callback: when the caller drops them, they are collected while the pool "
        "goes on running.",
        "cpython-behaviour",
        "bpo-29861: the worker drops func with the task; results keep only their callbacks and the task handler drops the job's task generator (task = taskseq = job = None).",
    ),
    Clause(
        "resources.ended-imap-released",
        "Once an imap() or imap_unordered() iterator has ended and the caller has dropped it, the pool holds nothing of its "
        "job, also when a failed chunk (chunksize above 1) ended it early: the function, and the outcomes the iterator never "
        "yielded with their exceptions' tracebacks, are collected while the pool goes on running.",
        "cpython-bug",
        "Pool._handle_tasks clears task, taskseq and job after each job but not set_length, so it keeps the last imap's "
        "IMapIterator until the next submission; with chunksize above 1 a failed chunk ends the iteration, and the later "
        "chunks' exceptions, their tracebacks and the function stay alive with it (no upstream issue found).",
        needs=THREADS,
    ),
    Clause(
        "resources.pool-not-kept-by-finished-results",
        "A pool that nothing references but its completed results and exhausted imap() and imap_unordered() iterators is collected.",
        "cpython-behaviour",
        "bpo-35378 (Python 3.8): a result or iterator holds its pool only until it completes (ApplyResult._set and IMapIterator._set set self._pool = None).",
    ),
    Clause(
        "resources.abandoned-imap-releases-pool",
        "A pool that nothing references but imap() and imap_unordered() iterators that terminate() abandoned, each of which has raised since, is collected.",
        "cpython-behaviour",
        "bpo-35378 (Python 3.8): a result or iterator holds its pool only until it completes (IMapIterator._set sets "
        "self._pool = None); an iterator that raised because the pool gave it up is complete. The stdlib's iterators "
        "never raise after terminate() (gh-79659), so there the check is not observed.",
        needs=THREADS,
    ),
    Clause(
        "resources.timed-out-waits-released",
        "A wait on a result leaves nothing behind, whether it timed out on a result still pending or returned at once on "
        "one already delivered (get(timeout), wait(timeout), next(timeout) of an imap() iterator, an exhausted one "
        "included): polling a pending result, or a delivered one, a thousand times grows the memory the process holds "
        "(as tracemalloc counts it) by less than 16 bytes a poll.",
        "cpython-behaviour",
        "threading.Condition.wait removes its waiter lock from the condition when it times out; ApplyResult.wait waits "
        "on a threading.Event (a Condition), IMapIterator.next on a Condition. Event.wait on a set event returns without "
        "making a waiter lock, and IMapIterator.next of an exhausted iterator raises StopIteration without waiting.",
        needs=THREADS,
    ),
)

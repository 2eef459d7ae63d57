"""Clauses of the construction family: building a pool."""

from __future__ import annotations

from ._model import Clause

THREADS = frozenset({"threads"})

CLAUSES = (
    Clause(
        "construction.processes-honoured",
        "ThreadPool(n) runs exactly n tasks at the same time, never more.",
        "documented",
        "processes is the number of worker processes to use.",
        needs=THREADS,
    ),
    Clause(
        "construction.processes-below-one-rejected",
        "ThreadPool(processes) with processes 0 or negative raises ValueError.",
        "cpython-behaviour",
        "Pool.__init__ raises ValueError('Number of processes must be at least 1').",
    ),
    Clause(
        "construction.processes-default",
        "ThreadPool() and ThreadPool(None) run exactly as many tasks at once as the stdlib's CPU count: os.process_cpu_count() or 1 from Python 3.13, os.cpu_count() or 1 before.",
        "documented",
        "If processes is None then the number returned by os.cpu_count() is used (os.process_cpu_count() from 3.13).",
        needs=THREADS,
    ),
    Clause(
        "construction.processes-type-checked",
        "ThreadPool(processes) with a processes that is not an integer (a str, a float) raises TypeError or ValueError.",
        "cpython-behaviour",
        "Pool.__init__ raises TypeError: processes < 1 fails for a str, range(processes) for a float.",
    ),
    Clause(
        "construction.initializer-per-worker",
        "initializer(*initargs) runs exactly once in each worker thread, on that thread, before it runs any task.",
        "documented",
        "If initializer is not None then each worker process will call initializer(*initargs) when it starts.",
        needs=THREADS,
    ),
    Clause(
        "construction.initializer-not-callable-rejected",
        "ThreadPool(processes, initializer) with an initializer that is neither None nor callable raises TypeError.",
        "cpython-behaviour",
        "Pool.__init__ raises TypeError('initializer must be a callable').",
    ),
    Clause(
        "construction.initializer-error-fails-results",
        "When the initializer raises, the results of the pool and its imap() and imap_unordered() iterators (over an empty input too) "
        "fail with an exception that is, or is caused by, the initializer's, instead of never completing or ending as if they had succeeded.",
        "cpython-bug",
        "bpo-43306 / gh-87472: the worker dies, and its results never complete (3.6 and 3.7 respawn workers in a loop).",
        needs=THREADS,
    ),
    Clause(
        "construction.process-arguments-rejected",
        "ThreadPool(processes, maxtasksperchild=...) and ThreadPool(processes, context=...) raise TypeError.",
        "documented",
        "Unlike Pool, maxtasksperchild and context cannot be provided.",
        needs=THREADS,
    ),
    Clause(
        "construction.pools-independent",
        "Pools are independent: stopping one (close() then join(), or terminate() then join()) leaves every other pool, built before it or after it with the same arguments, running its tasks.",
        "cpython-behaviour",
        "Every ThreadPool() builds its own worker threads, task queue and state; nothing is shared between pools.",
    ),
    Clause(
        "construction.pickling-rejected",
        "pickle.dumps(pool) raises NotImplementedError.",
        "cpython-behaviour",
        "Pool.__reduce__ raises NotImplementedError('pool objects cannot be passed between processes or pickled').",
        level="strict",
    ),
    Clause(
        "construction.collected-running-pool-warns",
        "A running pool that nothing references is collected with a ResourceWarning; a closed or terminated one without.",
        "cpython-behaviour",
        "Pool.__del__ warns 'unclosed running multiprocessing pool' since Python 3.8 (bpo-35424).",
        level="strict",
    ),
)

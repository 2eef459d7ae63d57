"""Clauses of the shutdown family: close, terminate, join and the pool's lifecycle."""

from __future__ import annotations

from ._model import Clause

THREADS = frozenset({"threads"})

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
        needs=THREADS,
    ),
    Clause(
        "shutdown.repr",
        "repr(pool) is '<module.Class state=RUN|CLOSE|TERMINATE pool_size=n>'.",
        "cpython-behaviour",
        "Pool.__repr__ since Python 3.8.",
        level="strict",
    ),
    Clause(
        "shutdown.close-join-waits-for-all",
        "close(); join() returns only after every task submitted before close(), the whole input of an outstanding imap() included, has run and its callbacks have returned; every result is ready then.",
        "documented",
        "close(): Once all the tasks have been completed the worker processes will exit.",
        needs=THREADS,
    ),
    Clause(
        "shutdown.join-waits-for-slow-input",
        "close(); join() called while an imap() or imap_unordered() still waits for items of its input returns only once that input has ended and the task of every item has run; the iterator then yields every item's result.",
        "documented",
        "close(): Prevents any more tasks from being submitted to the pool. Once all the tasks have been completed the worker processes will exit. "
        "join(): Wait for the worker processes to exit.",
        needs=THREADS,
    ),
    Clause(
        "shutdown.idempotent",
        "close(), terminate() and join() may each be called again, and close() after terminate(), without error.",
        "cpython-behaviour",
        "Pool.close, Pool.terminate (a Finalize that runs once) and Pool.join do nothing when called again.",
    ),
    Clause(
        "shutdown.terminate-does-not-wait",
        "terminate() returns while a task is still running.",
        "documented",
        "terminate(): Stops the worker processes immediately without completing outstanding work.",
        needs=THREADS,
    ),
    Clause(
        "shutdown.terminate-discards-queued",
        "A task still queued when terminate() is called never starts.",
        "documented",
        "terminate(): Stops the worker processes immediately without completing outstanding work.",
        needs=THREADS,
    ),
    Clause(
        "shutdown.terminate-abandons-results",
        "After terminate(), no result that had not completed ever completes successfully, and an imap() iterator yields none of them: waiting blocks or raises.",
        "documented",
        "terminate(): Stops the worker processes immediately without completing outstanding work.",
        needs=THREADS,
    ),
    Clause(
        "shutdown.terminate-fails-results",
        "After terminate(), get() of a result that had not completed, and next() of an imap() or imap_unordered() iterator "
        "that had not ended (one with buffersize waiting for room included, where imap() accepts it), raise an exception "
        "instead of blocking for ever; an iterator does not report the end of its input (StopIteration).",
        "cpython-bug",
        "bpo-35478 / gh-79659 and gh-126743 (open): ApplyResult.get() blocks for ever once the pool is terminated, and so "
        "does IMapIterator.next(); the docs: terminate() stops the worker processes immediately without completing "
        "outstanding work.",
        needs=THREADS,
    ),
    Clause(
        "shutdown.terminate-ends-join",
        "terminate() called while join() (after close()) waits for an imap() or imap_unordered() input that is blocked "
        "returns without waiting for that input, and the join() returns too.",
        "cpython-bug",
        "terminate(): Stops the worker processes immediately without completing outstanding work. The stdlib's "
        "Pool._terminate_pool joins the task-handler thread, which is blocked reading the input, so terminate() and "
        "join() return only once the input yields its next item (observed; no upstream issue found).",
        needs=THREADS,
    ),
    Clause(
        "shutdown.terminate-from-task",
        "terminate() called from a task or from a callback of the same pool returns None, and the pool is terminated.",
        "cpython-behaviour",
        "Pool._terminate_pool does not join the thread it is called from.",
        needs=THREADS,
    ),
    Clause(
        "shutdown.exit-abandons-running-tasks",
        "A process that reaches its end with a pool still busy, running a task or reading the input of an imap() or "
        "imap_unordered() (an endless iterator, itertools.count()), exits at once, with status 0, without waiting for the "
        "task or the rest of the input.",
        "cpython-behaviour",
        "Worker threads and the task handler, which reads an imap()'s input, are daemons, and an atexit hook "
        "(util._exit_function) terminates the pool; the task handler stops before the input's next item once the pool is terminated.",
        needs=THREADS,
    ),
    Clause(
        "shutdown.enter-returns-pool",
        "with pool as p: binds p to the pool itself.",
        "documented",
        "Pool objects now support the context management protocol: __enter__() returns the pool object.",
    ),
    Clause(
        "shutdown.enter-not-running-rejected",
        "Entering a with block on a closed or terminated pool raises ValueError.",
        "cpython-behaviour",
        "Pool.__enter__ calls _check_running() since Python 3.8: ValueError('Pool not running').",
    ),
    Clause(
        "shutdown.with-exit-terminates",
        "Leaving a with block terminates the pool: a task still queued never runs, and submissions raise ValueError.",
        "documented",
        "__exit__() calls terminate().",
        needs=THREADS,
    ),
    Clause(
        "shutdown.lifecycle-model",
        "Any sequence of submissions (succeeding, failing, blocked), gate openings, close(), terminate(), join() and get() behaves as the lifecycle model: ValueError once not running, every result right after close(); join(), none completing successfully after terminate().",
        "documented",
        "close(): Prevents any more tasks from being submitted; terminate(): Stops the worker processes immediately; join(): One must call close() or terminate() before using join().",
        needs=THREADS,
    ),
)

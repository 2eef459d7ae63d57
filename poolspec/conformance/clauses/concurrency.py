"""Clauses of the concurrency family: many submitters, parallel tasks, results outliving the pool."""

from __future__ import annotations

from ._model import Clause

CLAUSES = (
    Clause(
        "concurrency.threaded-submission",
        "Jobs submitted from several threads at once, by any submission method, each get their own results, complete and correct.",
        "cpython-behaviour",
        "Job numbers come from one itertools.count and every queue is thread-safe; 8 threads submitting at once all got correct results on 3.8-3.13.",
    ),
    Clause(
        "concurrency.parallel-jobs",
        "Tasks of separate submissions run at the same time, up to the number of workers.",
        "documented",
        "A process pool object which controls a pool of worker processes to which jobs can be submitted.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "concurrency.interrupted-waiter",
        "When two threads wait on one result, in get() or wait(), an exception raised in one of them while it waits "
        "(KeyboardInterrupt, a signal handler's exception) does not keep the other waiting: it returns once the result is ready.",
        "cpython-behaviour",
        "ApplyResult.wait waits on a threading.Event: its Condition gives each waiter a lock of its own, takes its own lock back in a finally, and Event.set() wakes every waiter.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "concurrency.interrupted-consumer",
        "When two threads wait in next() of one imap() or imap_unordered() iterator, an exception raised in one of them "
        "while it waits (KeyboardInterrupt, a signal handler's exception) does not keep the other waiting: it gets the "
        "result that the interrupted one did not take.",
        "cpython-bug",
        "IMapIterator._set wakes one consumer per result (Condition.notify()); when that consumer is interrupted as it "
        "wakes, the result stays unconsumed and the other consumer waits for ever (no upstream issue found).",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "concurrency.results-outlive-pool",
        "A result or imap iterator is still delivered after the last reference to its pool has been dropped.",
        "cpython-behaviour",
        "bpo-35378 (Python 3.8): results and iterators keep their pool alive until they complete.",
        needs=frozenset({"threads"}),
    ),
)

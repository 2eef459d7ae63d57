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
        "concurrency.results-outlive-pool",
        "A result or imap iterator is still delivered after the last reference to its pool has been dropped.",
        "cpython-behaviour",
        "bpo-35378 (Python 3.8): results and iterators keep their pool alive until they complete.",
        needs=frozenset({"threads"}),
    ),
)

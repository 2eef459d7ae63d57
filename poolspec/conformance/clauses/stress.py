"""Clauses of the stress family: what must hold while many threads use one pool at once.

Each clause's test runs rounds of a scenario drawn before it starts, with all its threads
released together by a barrier. A plain run checks a small version (4 threads, a few rounds);
``--poolspec-stress=N`` runs N threads and many more rounds, so that on a free-threaded Python,
where the threads really run at the same time, a race in the pool's bookkeeping shows.
"""

from __future__ import annotations

from ._model import Clause
from .callbacks import RESULT_THREAD_DOCS

STDLIB_LOCKS = (
    "Pool: job numbers come from one itertools.count, results wait in a dict keyed by them, and one "
    "result-handler thread completes them, under each result's own Event or Condition; observed with "
    "8 threads on the free-threaded 3.14t."
)

CLAUSES = (
    Clause(
        "stress.results-once",
        "With many threads submitting at once by every form, each job's result (value or exception) is delivered exactly once, to the job that submitted it, and is correct.",
        "cpython-behaviour",
        STDLIB_LOCKS,
    ),
    Clause(
        "stress.callbacks-once-serialised",
        "With many threads submitting jobs with callbacks at once, each job's callback or error_callback is called exactly once, "
        "and no two callbacks of the pool run at the same time.",
        "documented",
        RESULT_THREAD_DOCS,
    ),
    Clause(
        "stress.no-lost-wakeup",
        "Many threads waiting in get(), wait() or next() on results that complete at about the same moment all return once their result is complete.",
        "documented",
        "wait([timeout]): Wait until the result is available or until timeout seconds pass.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "stress.no-uncaught-exception",
        "No thread of the pool ends with an uncaught exception (threading.excepthook) while many threads submit, wait and call back on it at once.",
        "cpython-behaviour",
        STDLIB_LOCKS,
    ),
)

"""What the implementation under test can do, found by asking it, so inapplicable clauses are skipped.

The one capability so far is ``threads``: tasks run in threads of the calling process, so a test
can share gates, lists and exception objects with them. A process pool (``multiprocessing.pool:Pool``,
billiard's, joblib's) lacks it, and the clauses that need it are skipped with that reason instead
of failing. The probe builds one pool with one worker and asks a task for its process id, bounded
by the hang limit; a pool that cannot be probed is assumed to have every capability, so that the
clauses themselves report what is wrong with it.
"""

from __future__ import annotations

import os
from typing import FrozenSet

from .clauses import CAPABILITIES
from .impl import Implementation
from .watchdog import run_bounded


def detect(impl: Implementation, limit: float) -> FrozenSet[str]:
    """The capabilities (names from :data:`conformance.clauses.CAPABILITIES`) ``impl`` has."""

    def tasks_run_in_this_process() -> bool:
        pool = impl.new_pool(1)
        try:
            return bool(pool.apply(os.getpid) == os.getpid())
        finally:
            pool.terminate()
            pool.join()

    try:
        in_process = run_bounded(tasks_run_in_this_process, limit, "the capability probe")
    except BaseException:  # noqa: BLE001 - an implementation that cannot be probed is checked in full
        return frozenset(CAPABILITIES)
    return frozenset(CAPABILITIES) if in_process else frozenset(CAPABILITIES) - {"threads"}

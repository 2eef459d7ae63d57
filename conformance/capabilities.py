"""What the implementation under test can do, found by asking it, so inapplicable clauses are skipped.

The one capability so far is ``threads``: tasks run in threads of the calling process, so a test
can share gates, lists and exception objects with them. A process pool (``multiprocessing.pool:Pool``,
billiard's, joblib's) lacks it, and the clauses that need it are skipped with that reason instead
of failing. The probe builds one pool with one worker on the kit's home thread and asks a task for
its process id, bounded by the hang limit; a pool that cannot be probed is assumed to have every
capability, so that the clauses themselves report what is wrong with it. The probe also tells the
class of the pools the factory makes, which the report header names with its package's version.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, FrozenSet, List, Optional

from .clauses import CAPABILITIES
from .impl import Implementation
from .pools import Pools
from .watchdog import Hang


@dataclass(frozen=True)
class Probe:
    """What the probe found: the capabilities (names from :data:`CAPABILITIES`) and the pools' class."""

    capabilities: FrozenSet[str]
    pool_type: Optional[type]


def detect(impl: Implementation, limit: float) -> Probe:
    """Ask ``impl`` what it can do, by building one pool and running one task on it.

    The pool is then stopped as the kit stops a scenario's pools; what happens then does not
    change what the probe found.
    """
    pools = Pools(impl, limit)
    made: List[Any] = []

    def tasks_run_in_this_process() -> bool:
        made.append(pools.build(1))
        return bool(made[0].apply(os.getpid) == os.getpid())

    in_process: Optional[bool] = None
    try:
        in_process = pools.bounded(tasks_run_in_this_process, "the capability probe")
    except BaseException as failure:  # noqa: BLE001 - an implementation that cannot be probed is checked in full
        if isinstance(failure, Hang):
            pools.abandon()  # forgets the pool: the stop() below has nothing left to stop
    pools.stop()
    lacking = {"threads"} if in_process is False else set()
    return Probe(frozenset(CAPABILITIES) - lacking, type(made[0]) if made else None)

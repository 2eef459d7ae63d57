"""What the implementation under test can do, found by asking it, so inapplicable clauses are skipped.

``threads``: tasks run in threads of the calling process, so a test can share gates, lists and
exception objects with them. A process pool (``multiprocessing.pool:Pool``, billiard's, joblib's)
lacks it, and the clauses that need it are skipped with that reason instead of failing.

``any-thread``: the pool may be called from a thread other than the one that built it, as the kit
does to watch a call that blocks (``join()``, ``get()``). A pool bound to the thread that built it
(one over an event loop, gevent's) lacks it; that is a deviation, which
``concurrency.threaded-submission`` reports, and the tests that need it are reported as not
observed (UNOBSERVED) rather than failing for the kit's way of looking.

The probe builds one pool with one worker on the kit's home thread, asks a task for its process
id, then calls ``get()`` of a result made on the home thread, and ``apply()``, from a thread of
its own, bounded by half the hang limit. If they raise or do not return there while the same calls
work on the home thread, the pool lacks ``any-thread``. A pool that cannot be probed, or gives no
answer anywhere, is assumed to have the capability, so that the clauses themselves report what is
wrong with it. The probe also tells the
class of the pools the factory makes, which the report header names with its package's version,
and which methods of the API its pool lacks: a failure that reports the absence of one of those
is MISSING (:mod:`poolspec.conformance.failures`), however the test came to touch it; and where its
methods take other parameters than the stdlib's (:mod:`poolspec.conformance.signatures`): a test whose call
one of those refuses fails as SIGNATURE, a failure of ``api.signatures``, not of its own clauses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, FrozenSet, List, Optional, Tuple

from .clauses import CAPABILITIES
from .impl import Implementation
from .limits import Limits
from .scenario import Scenario
from .signatures import Deviation, deviations
from .watchdog import Hang, run_bounded

API = ("apply", "apply_async", "map", "map_async", "starmap", "starmap_async", "imap", "imap_unordered", "close", "join", "terminate", "__enter__", "__exit__")
"""The methods of ``multiprocessing.pool.ThreadPool`` that the clauses call."""


@dataclass(frozen=True)
class Probe:
    """What the probe found: the capabilities (names from :data:`CAPABILITIES`), the pools' class,
    the methods of :data:`API` that its pool lacks, and how the others take other parameters than
    the stdlib's (none known if no pool could be built)."""

    capabilities: FrozenSet[str]
    pool_type: Optional[type]
    missing_methods: FrozenSet[str] = frozenset()
    signature_deviations: Tuple[Deviation, ...] = ()


def detect(impl: Implementation, limit: float) -> Probe:
    """Ask ``impl`` what it can do, by building one pool and running one task on it.

    The pool is then stopped as the kit stops a scenario's pools; what happens then does not
    change what the probe found.
    """
    scenario = Scenario(impl, Limits(limit))
    made: List[Any] = []

    def tasks_run_in_this_process() -> bool:
        made.append(scenario.build(1))
        return bool(made[0].apply(os.getpid) == os.getpid())

    def usable_from_another_thread() -> bool:
        pending = made[0].apply_async(abs, (-1,))  # on the home thread, as a scenario makes it
        try:
            # get() first: on a pool whose tasks run only when the thread that built it waits
            # (gevent's), apply() from elsewhere would wait for ever behind the pending task.
            run_bounded(lambda: (pending.get(), made[0].apply(abs, (-1,))), limit / 2, "the capability probe: calls from another thread")
        except Exception:  # noqa: BLE001 - refused there: bound to its thread if the same calls work here
            return not calls_work_here()
        except Hang:
            return not calls_work_here()  # no answer there: bound to its thread if the same calls work here
        return True

    def calls_work_here() -> bool:
        try:
            made[0].apply_async(abs, (-1,)).get()
            made[0].apply(abs, (-1,))
        except Exception:  # noqa: BLE001 - a pool broken on every thread: its clauses say how
            return False
        return True

    in_process: Optional[bool] = None
    any_thread = True
    try:
        in_process = scenario.bounded(tasks_run_in_this_process, "the capability probe")
        any_thread = scenario.bounded(usable_from_another_thread, "the capability probe: calls from another thread")
    except BaseException as failure:  # noqa: BLE001 - an implementation that cannot be probed is checked in full
        if isinstance(failure, Hang):
            scenario.lifecycle.abandon()  # forgets the pool: the stop() below has nothing left to stop
    missing = frozenset(name for name in API if made and _lacks(made[0], name))
    deviating = deviations(made[0], [name for name in API if name not in missing]) if made else ()
    scenario.lifecycle.stop()
    lacking = ({"threads"} if in_process is False else set()) | (set() if any_thread else {"any-thread"})
    return Probe(frozenset(CAPABILITIES) - lacking, type(made[0]) if made else None, missing, deviating)


def _lacks(pool: Any, name: str) -> bool:
    """Whether looking ``name`` up on ``pool`` raises ``AttributeError``; any other error there is
    left for the clauses that call it to report."""
    try:
        getattr(pool, name)
    except AttributeError:
        return True
    except Exception:  # noqa: BLE001 - not an absence
        return False
    return False

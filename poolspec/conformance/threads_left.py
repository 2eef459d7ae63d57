"""The leaked-thread check: no thread a scenario started may outlive the ``join()`` of its pools.

A :class:`ThreadCensus` notes the threads running when a scenario begins; after the scenario's
pools were terminated and joined, :meth:`ThreadCensus.check` waits a short grace for the threads
started since, then raises :class:`ThreadsLeft` naming those still running, with their stacks.
The report charges that to the clause ``shutdown.join-ends-threads``, whichever test saw it.
"""

from __future__ import annotations

import threading
import time
from typing import List, Set

from .watchdog import RUNNER_PREFIX, thread_stacks

THREAD_END_GRACE = 1.0
"""Seconds a thread of the pool may take to end after join() has returned (at most half the hang limit).

join() of a correct pool has joined its threads already; the grace only spares a pool whose
helper threads end on their own just after, and bounds the wait for one that leaves them running.
"""


class ThreadsLeft(BaseException):
    """Threads a scenario started were still running after its pools were terminated and joined.

    A ``BaseException``, like :class:`~poolspec.conformance.watchdog.Hang`, so that hypothesis
    reports it at once instead of repeating a check that waits for the grace each time.
    """


class ThreadCensus:
    """The threads started since :meth:`start`: the suspects of a hang, and those a pool must not leave."""

    def __init__(self, hang_limit: float) -> None:
        self._hang_limit = hang_limit
        self._before: Set[threading.Thread] = set()

    def start(self) -> None:
        """A scenario begins: the threads running now are not its own."""
        self._before = set(threading.enumerate())

    def new_threads(self) -> List[threading.Thread]:
        """Threads started since :meth:`start` (the pools' threads among them)."""
        return [thread for thread in threading.enumerate() if thread not in self._before]

    def check(self) -> None:
        """Every thread started since :meth:`start` has ended, or ends within :data:`THREAD_END_GRACE`."""
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        grace = min(THREAD_END_GRACE, self._hang_limit / 2)
        deadline = time.monotonic() + grace
        # Threads started outside the threading module (_DummyThread) cannot be joined or watched.
        started = [thread for thread in self.new_threads() if not thread.name.startswith(RUNNER_PREFIX) and not isinstance(thread, threading._DummyThread)]
        for thread in started:
            thread.join(max(0.0, deadline - time.monotonic()))
        left = [thread for thread in started if thread.is_alive()]
        if left:
            names = ", ".join(repr(thread.name) for thread in left)
            raise ThreadsLeft(f"THREADS LEFT: {len(left)} thread(s) still running {grace:g} s after join() returned: {names}\n\n{thread_stacks(left)}")

"""What a test of the suite is handed (the ``scenario`` fixture): pools of the implementation under test, gates, bounded calls, time limits.

A :class:`Scenario` makes what the test uses and hands it to its :class:`~poolspec.conformance.lifecycle.Lifecycle`,
which stops it after the scenario; the plugin runs the test (or each of its hypothesis examples)
through :meth:`Lifecycle.guard <poolspec.conformance.lifecycle.Lifecycle.guard>`, bounded by the hang limit.
"""

from __future__ import annotations

import os
import weakref
from typing import Any, Callable, Hashable, List, Optional, Sequence, TypeVar

import pytest

from .gates import Gate
from .home import abandoned_here
from .impl import Implementation
from .lifecycle import Lifecycle
from .limits import Limits
from .process_gate import ProcessGate
from .sequencer import Sequencer
from .unobserved import unobserved
from .watchdog import Hang

T = TypeVar("T")

SCENARIOS = pytest.StashKey[List["Scenario"]]()
"""On a test's item: every :class:`Scenario` its scenarios were given (the ``scenario`` fixture, or
one per example of a stateful or stress test), whose lifecycle notes go into the test's report."""

GUARDED = pytest.StashKey["Scenario"]()
"""On a test's item: the :class:`Scenario` of the ``scenario`` fixture, whose lifecycle the plugin
wraps around the test (or each of its hypothesis examples)."""


class Scenario:
    """Builds pools of the implementation under test, and what their tasks wait on; bounds the calls that could block."""

    def __init__(self, impl: Implementation, limits: Limits) -> None:
        self.impl = impl
        self.limits = limits
        """The suite's time limits, derived from the hang limit (:mod:`poolspec.conformance.limits`)."""
        self.lifecycle = Lifecycle(limits)

    def pool(self, processes: int = 2, initializer: Any = None, initargs: Any = ()) -> Any:
        """A new pool; a constructor that raises fails the test in one line."""
        try:
            return self.build(processes, initializer, initargs)
        except Exception as exc:  # noqa: BLE001 - reported as one line, not a traceback
            pytest.fail(f"cannot construct the pool: {self.impl.spec}({processes}, {initializer!r}, {initargs!r}) raised {exc!r}", pytrace=False)

    def build(self, processes: Any, initializer: Any = None, initargs: Any = (), **kwargs: Any) -> Any:
        """:meth:`Implementation.new_pool`, its exceptions passed on (for clauses about them).

        A scenario the kit abandoned after a HANG (still running on its retired home thread) gets
        a :class:`Hang` instead: it may not build pools nobody will stop.
        """
        if abandoned_here():
            raise Hang("HANG: no new pool for a scenario abandoned after a HANG")
        pool = self.impl.new_pool(processes, initializer, initargs, **kwargs)
        self.lifecycle.track(pool)
        return pool

    def adopt(self, pool: Any) -> None:
        """Stop ``pool``, which the test built itself, with the scenario's own pools after it.

        For a pool the test had to let go of (so it did not come from :meth:`build`) and that is
        still alive: stopping it is the kit's cleanup, never the clause's concern.
        """
        self.lifecycle.track(pool)

    def weak_reference(self, pool: Any) -> weakref.ref[Any]:
        """A weak reference to ``pool``; a pool that cannot have one leaves the test UNOBSERVED.

        Such a pool is then stopped with the scenario's own.
        """
        try:
            return weakref.ref(pool)
        except TypeError as exc:
            self.adopt(pool)
            unobserved(f"the kit needs a weak reference to the pool to see whether it was collected, and {type(pool).__name__} objects cannot have one ({exc})")

    def gate(self) -> Gate:
        """A gate that the kit opens after the scenario, if the scenario has not."""
        gate = Gate(self.limits.hang)
        self.lifecycle.open_after(gate)
        return gate

    def process_gate(self) -> ProcessGate:
        """A :class:`ProcessGate` (tasks in worker processes can wait at it), opened by the kit after the scenario.

        Where the platform has no named pipes, the test is skipped.
        """
        if not hasattr(os, "mkfifo"):
            pytest.skip("this clause's check of a process pool needs os.mkfifo")
        gate = ProcessGate()
        self.lifecycle.open_after(gate)
        return gate

    def sequencer(self, order: Sequence[Hashable]) -> Sequencer:
        """A :class:`Sequencer` for ``order``, opened by the kit after the scenario."""
        sequencer = Sequencer(order, self.limits.hang)
        self.lifecycle.open_after(sequencer)
        return sequencer

    def bounded(self, call: Callable[[], T], what: str, limit: Optional[float] = None) -> T:
        """``call()`` on the home thread, or a :class:`Hang` if it blocks past ``limit`` (the hang limit)."""
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        return self.lifecycle.bounded(call, what, limit)

    def check_no_thread_left(self) -> None:
        """Every thread the scenario started has ended, or ends within the grace (:mod:`poolspec.conformance.threads_left`)."""
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        self.lifecycle.census.check()

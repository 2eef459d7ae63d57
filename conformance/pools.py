"""Making pools of the implementation under test, and running scenarios on them without hanging.

A :class:`Pools` object is the suite's ``make_pool`` fixture. Every scenario (a test, or one
hypothesis example) runs on a daemon thread under the hang limit; afterwards every gate is opened
and every pool it made is terminated and joined, again under the limit. After a HANG the pools are
abandoned: their threads cannot be killed, and the next scenario makes fresh ones.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, List, Set, TypeVar

import pytest

from .impl import Implementation
from .watchdog import Hang, run_bounded

T = TypeVar("T")


class Gate:
    """An event a task waits on until the scenario opens it; it never waits past the hang limit."""

    def __init__(self, limit: float) -> None:
        self._event = threading.Event()
        self._limit = limit

    def open(self) -> None:
        self._event.set()

    def wait(self) -> None:
        if not self._event.wait(self._limit):
            raise Hang("HANG: a gate of the scenario was never opened")


class Pools:
    """Builds pools of the implementation under test and cleans up after each scenario."""

    def __init__(self, impl: Implementation, hang_limit: float) -> None:
        self.impl = impl
        self.hang_limit = hang_limit
        self._made: List[Any] = []
        self._gates: List[Gate] = []
        self._threads_before: Set[threading.Thread] = set()

    def __call__(self, processes: int = 2, initializer: Any = None, initargs: Any = ()) -> Any:
        """A new pool; a constructor that raises fails the test in one line."""
        try:
            return self.build(processes, initializer, initargs)
        except Exception as exc:  # noqa: BLE001 - reported as one line, not a traceback
            pytest.fail(f"cannot construct the pool: {self.impl.spec}({processes}, {initializer!r}, {initargs!r}) raised {exc!r}", pytrace=False)

    def build(self, processes: Any, initializer: Any = None, initargs: Any = ()) -> Any:
        """``factory(processes, initializer, initargs)``, its exceptions passed on (for clauses about them)."""
        pool = self.impl.factory(processes, initializer, initargs)
        self._made.append(pool)
        return pool

    def gate(self) -> Gate:
        gate = Gate(self.hang_limit)
        self._gates.append(gate)
        return gate

    def bounded(self, call: Callable[[], T], what: str) -> T:
        """``call()``, or a :class:`Hang` if it blocks past the hang limit."""
        return run_bounded(call, self.hang_limit, what, self.new_threads)

    def new_threads(self) -> List[threading.Thread]:
        """Threads started since the scenario began (the pools' threads among them)."""
        return [thread for thread in threading.enumerate() if thread not in self._threads_before]

    def guard(self, scenario: Callable[..., Any]) -> Callable[..., Any]:
        """``scenario`` run under the hang limit, then cleaned up after."""

        @functools.wraps(scenario)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self._threads_before = set(threading.enumerate())
            try:
                result = self.bounded(lambda: scenario(*args, **kwargs), "the scenario")
            except Hang:
                self._abandon()
                raise
            except BaseException:
                self._cleanup()
                raise
            self._cleanup()
            return result

        return guarded

    def _release(self) -> List[Any]:
        """Open every gate and forget the scenario's pools: the pools to stop."""
        gates, self._gates = self._gates, []
        for gate in gates:
            gate.open()
        made, self._made = self._made, []
        return made

    def _cleanup(self) -> None:
        for pool in self._release():
            self.bounded(pool.terminate, "terminate() after the scenario")
            self.bounded(pool.join, "join() after terminate()")

    def _abandon(self) -> None:
        for pool in self._release():
            try:
                run_bounded(pool.terminate, 1.0, "terminate() of a hung pool")
            except BaseException:  # noqa: BLE001 - the pool is abandoned either way
                pass

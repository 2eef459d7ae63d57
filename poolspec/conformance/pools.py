"""Making pools of the implementation under test, and running scenarios on them without hanging.

A :class:`Pools` object is the suite's ``make_pool`` fixture. Every scenario (a test, or one
hypothesis example) runs on the kit's home thread (:mod:`poolspec.conformance.home`) under the hang limit;
afterwards every gate and sequencer is opened and every pool it made is terminated and joined on
that thread, again under the limit. Then no thread the scenario started may still be running
(:class:`ThreadsLeft` otherwise). After a HANG the pools are abandoned: their threads cannot be
killed, and the next scenario makes fresh ones. A pool thread calling ``os._exit()`` fails the
scenario as ``EXIT`` instead of ending the run (:mod:`poolspec.conformance.exits`).

Stopping the pools is the kit's business, not a clause's: when a pool cannot be stopped (it has no
``terminate()``, or ``terminate()`` or ``join()`` raises or hangs), the scenario's outcome stands,
the threads-left check is skipped, and what happened is kept in :attr:`Pools.notes`, which the
report shows apart from the clauses.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
import warnings
import weakref
from typing import (
    Any,
    Callable,
    Hashable,
    List,
    Optional,
    Sequence,
    Set,
    TypeVar,
    Union,
)

import pytest

from .exits import GUARD, ExitWarning, exit_failure
from .home import HOME, abandoned_here
from .impl import Implementation
from .limits import Limits
from .process_gate import ProcessGate
from .sequencer import Sequencer
from .unobserved import unobserved
from .watchdog import RUNNER_PREFIX, Hang, run_bounded, thread_stacks

T = TypeVar("T")

THREAD_END_GRACE = 1.0
"""Seconds a thread of the pool may take to end after join() has returned (at most half the hang limit).

join() of a correct pool has joined its threads already; the grace only spares a pool whose
helper threads end on their own just after, and bounds the wait for one that leaves them running.
"""


KEPT: List[Any] = []
"""Every pool the kit abandoned or could not stop, referenced until the end of the run.

Collecting such a pool runs its finalizer at whatever moment the garbage collector picks: the
stdlib's joins its handler threads, and if that happens inside ``threading.enumerate()`` (which
holds the lock those threads need to end) the run deadlocks. So none is ever collected mid-run.
"""

HUNG_STEPS: Set[str] = set()
"""The steps of stopping a pool (``terminate``, ``join``) that have hung after a scenario of this run."""


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

    def task(self, *_arguments: Any) -> None:
        """A task for the pool that ignores its arguments and waits for this gate (bound to this
        gate, unlike a lambda over a loop variable that a later round rebinds)."""
        self.wait()


class ThreadsLeft(BaseException):
    """Threads a scenario started were still running after its pools were terminated and joined.

    A ``BaseException``, like :class:`Hang`, so that hypothesis reports it at once instead of
    repeating a check that waits for the grace each time.
    """


SCENARIO_POOLS = pytest.StashKey[List["Pools"]]()
"""On a test's item: the :class:`Pools` its scenarios were given (``make_pool``, or one per example
of a stateful test), whose :attr:`Pools.notes` go into the test's report."""


class Pools:
    """Builds pools of the implementation under test and cleans up after each scenario."""

    def __init__(self, impl: Implementation, hang_limit: float) -> None:
        self.impl = impl
        self.limits = Limits(hang_limit)
        """The suite's time limits, derived from the hang limit (:mod:`poolspec.conformance.limits`)."""
        self._made: List[Any] = []
        self._to_open: List[Union[Gate, ProcessGate, Sequencer]] = []
        self._threads_before: Set[threading.Thread] = set()
        self.notes: List[str] = []
        """What the kit noticed that is no clause's verdict, one line each: a pool it could not
        stop; a scenario that passed, then failed when run again."""

    def __call__(self, processes: int = 2, initializer: Any = None, initargs: Any = ()) -> Any:
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
        self._made.append(pool)
        return pool

    def adopt(self, pool: Any) -> None:
        """Stop ``pool``, which the test built itself, with the scenario's own pools after it.

        For a pool the test had to let go of (so it did not come from :meth:`build`) and that is
        still alive: stopping it is the kit's cleanup, never the clause's concern.
        """
        self._made.append(pool)

    def gate(self) -> Gate:
        """A gate that the kit opens after the scenario, if the scenario has not."""
        gate = Gate(self.limits.hang)
        self._to_open.append(gate)
        return gate

    def process_gate(self) -> ProcessGate:
        """A :class:`ProcessGate` (tasks in worker processes can wait at it), opened by the kit after the scenario.

        Where the platform has no named pipes, the test is skipped.
        """
        if not hasattr(os, "mkfifo"):
            pytest.skip("this clause's check of a process pool needs os.mkfifo")
        gate = ProcessGate()
        self._to_open.append(gate)
        return gate

    def sequencer(self, order: Sequence[Hashable]) -> Sequencer:
        """A :class:`Sequencer` for ``order``, opened by the kit after the scenario."""
        sequencer = Sequencer(order, self.limits.hang)
        self._to_open.append(sequencer)
        return sequencer

    def bounded(self, call: Callable[[], T], what: str, limit: Optional[float] = None) -> T:
        """``call()`` on the home thread, or a :class:`Hang` if it blocks past ``limit`` (the hang limit)."""
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        return HOME.run(call, self.limits.hang if limit is None else limit, what, self.new_threads)

    def weak_reference(self, pool: Any) -> weakref.ref[Any]:
        """A weak reference to ``pool``; a pool that cannot have one leaves the test UNOBSERVED.

        Such a pool is then stopped with the scenario's own.
        """
        try:
            return weakref.ref(pool)
        except TypeError as exc:
            self.adopt(pool)
            unobserved(f"the kit needs a weak reference to the pool to see whether it was collected, and {type(pool).__name__} objects cannot have one ({exc})")

    def new_threads(self) -> List[threading.Thread]:
        """Threads started since the scenario began (the pools' threads among them)."""
        return [thread for thread in threading.enumerate() if thread not in self._threads_before]

    def guard(self, scenario: Callable[..., Any], confirmations: int = 0) -> Callable[..., Any]:
        """``scenario`` run under the hang limit, between :meth:`begin` and :meth:`end`.

        A scenario that passes is run ``confirmations`` more times; if one of them fails, that
        failure is raised, with a note that the scenario is flaky.
        """

        @functools.wraps(scenario)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
            result = self._run(scenario, args, kwargs)
            for _ in range(confirmations):
                try:
                    self._run(scenario, args, kwargs)
                except BaseException:
                    self.notes.append("flaky: the scenario passed, then failed when the kit ran it again")
                    raise
            return result

        return guarded

    def _run(self, scenario: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback

        def the_scenario() -> Any:
            __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
            return scenario(*args, **kwargs)

        self.begin()
        try:
            result = self.bounded(the_scenario, "the scenario")
        except BaseException as failure:
            self.end(failure)
            raise
        self.end(None)
        return result

    def begin(self) -> None:
        """A scenario starts: the threads running now are not its own, and ``os._exit`` is guarded.

        A pool thread that called ``os._exit`` since the last scenario ended gives an :class:`ExitWarning`.
        """
        GUARD.install()
        late = GUARD.take()
        if late:
            warnings.warn(ExitWarning(f"between scenarios, {'; '.join(late)}: intercepted by the conformance kit"), stacklevel=2)
        self._threads_before = set(threading.enumerate())

    def end(self, failure: Optional[BaseException]) -> None:
        """The scenario is over, with ``failure`` or without: stop its pools.

        After a :class:`Hang`, or a call of ``os._exit`` by a pool thread (which fails the test as
        ``EXIT`` whatever the scenario's own outcome, also when made while its pools are stopped),
        the pools are abandoned; otherwise they are terminated and joined. A pool that cannot be
        stopped is a note (:attr:`notes`), never the scenario's failure; after success, if every
        pool stopped, no thread the scenario started may be left. A stateful test, whose example is
        not one call, calls these two itself.
        """
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        exits = GUARD.take()
        if exits:
            self.abandon()
            raise exit_failure(exits, "during the scenario")
        if isinstance(failure, Hang):
            self.abandon()
            return
        stopped = self.stop()
        exits = GUARD.take()
        if exits:
            raise exit_failure(exits, "while the kit terminated and joined the scenario's pools")
        if failure is None and stopped:
            self.check_no_thread_left()

    def _release(self) -> List[Any]:
        """Open every gate and sequencer and forget the scenario's pools: the pools to stop."""
        to_open, self._to_open = self._to_open, []
        for waiting in to_open:
            waiting.open()
        made, self._made = self._made, []
        return made

    def stop(self) -> bool:
        """Terminate and join every pool of the scenario, each in turn: whether all of them stopped.

        A pool that has no ``terminate()`` or ``join()``, or whose call raises or hangs (the
        stdlib's ``join()`` after a callback raised), is left as it is and noted; the others are
        still stopped.
        """
        stopped = True
        for pool in self._release():
            for step, after in (("terminate", "after the scenario"), ("join", "after terminate()")):
                problem = self._stop_step(pool, step, after)
                if problem is not None:
                    KEPT.append(pool)
                    self.notes.append(f"the kit could not stop a pool of the scenario: {problem}; the kit left it as it was, unchecked for threads left behind")
                    stopped = False
                    break
        if not stopped:
            HOME.retire()  # the next scenario builds its pools on a new thread, where nothing of these runs
        return stopped

    def _stop_step(self, pool: Any, step: str, after: str) -> Optional[str]:
        """Call ``pool.<step>()`` bounded: None if it returned, else what happened instead.

        Once ``terminate()`` or ``join()`` has hung after a scenario, the kit does not call it after
        any later scenario of the run (:data:`HUNG_STEPS`): each call would cost the hang limit.
        """
        method = getattr(pool, step, None)
        if not callable(method):
            return f"it has no {step}()"
        if step in HUNG_STEPS:
            return f"{step}() not called: it hung after an earlier scenario of this run"
        try:
            self.bounded(method, f"{step}() {after}")
        except Hang as hang:
            HUNG_STEPS.add(step)
            return str(hang).partition("\n")[0].replace("HANG: ", "", 1)
        except BaseException as error:  # noqa: BLE001 - noted; the next pool is still stopped
            return f"{step}() {after} raised {error!r}"
        return None

    def abandon(self) -> None:
        """Forget the scenario's pools after a HANG or an EXIT, each told to terminate, bounded by a second."""
        for pool in self._release():
            KEPT.append(pool)
            with contextlib.suppress(BaseException):  # the pool is abandoned either way
                run_bounded(pool.terminate, 1.0, "terminate() of a hung pool")

    def check_no_thread_left(self) -> None:
        """Every thread the scenario started has ended, or ends within :data:`THREAD_END_GRACE`."""
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        grace = min(THREAD_END_GRACE, self.limits.hang / 2)
        deadline = time.monotonic() + grace
        # Threads started outside the threading module (_DummyThread) cannot be joined or watched.
        started = [thread for thread in self.new_threads() if not thread.name.startswith(RUNNER_PREFIX) and not isinstance(thread, threading._DummyThread)]
        for thread in started:
            thread.join(max(0.0, deadline - time.monotonic()))
        left = [thread for thread in started if thread.is_alive()]
        if left:
            names = ", ".join(repr(thread.name) for thread in left)
            raise ThreadsLeft(f"THREADS LEFT: {len(left)} thread(s) still running {grace:g} s after join() returned: {names}\n\n{thread_stacks(left)}")

"""A scenario's lifecycle: run it bounded by the hang limit, then stop what it made, then check for threads left.

Every scenario (a test, or one hypothesis example) runs on the kit's home thread
(:mod:`poolspec.conformance.home`) under the hang limit; afterwards every gate and sequencer it
made is opened and every pool it made is terminated and joined on that thread, again under the
limit. Then no thread the scenario started may still be running
(:class:`~poolspec.conformance.threads_left.ThreadsLeft` otherwise). After a HANG the pools are
abandoned: their threads cannot be killed, and the next scenario makes fresh ones. A pool thread
calling ``os._exit()`` fails the scenario as ``EXIT`` instead of ending the run
(:mod:`poolspec.conformance.exits`).

Stopping the pools is the kit's business, not a clause's: when a pool cannot be stopped (it has no
``terminate()``, or ``terminate()`` or ``join()`` raises or hangs), the scenario's outcome stands,
the threads-left check is skipped, and what happened is kept in :attr:`Lifecycle.notes`, which the
report shows apart from the clauses.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from typing import Any, Callable, List, Optional, Set, TypeVar

from .exits import GUARD, ExitWarning, exit_failure
from .gates import Opens
from .home import HOME
from .limits import Limits
from .threads_left import ThreadCensus
from .watchdog import Hang, run_bounded

T = TypeVar("T")

KEPT: List[Any] = []
"""Every pool the kit abandoned or could not stop, referenced until the end of the run.

Collecting such a pool runs its finalizer at whatever moment the garbage collector picks: the
stdlib's joins its handler threads, and if that happens inside ``threading.enumerate()`` (which
holds the lock those threads need to end) the run deadlocks. So none is ever collected mid-run.
"""

HUNG_STEPS: Set[str] = set()
"""The steps of stopping a pool (``terminate``, ``join``) that have hung after a scenario of this run."""


class Lifecycle:
    """What one scenario made (pools, gates), the bounds it runs under, and the cleanup after it."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.census = ThreadCensus(limits.hang)
        self._made: List[Any] = []
        self._to_open: List[Opens] = []
        self.notes: List[str] = []
        """What the kit noticed that is no clause's verdict, one line each: a pool it could not
        stop; a scenario that passed, then failed when run again."""

    def track(self, pool: Any) -> None:
        """Stop ``pool`` after the scenario (or abandon it after a HANG)."""
        self._made.append(pool)

    def open_after(self, waiting: Opens) -> None:
        """Open ``waiting`` after the scenario, before its pools are stopped."""
        self._to_open.append(waiting)

    def bounded(self, call: Callable[[], T], what: str, limit: Optional[float] = None) -> T:
        """``call()`` on the home thread, or a :class:`Hang` if it blocks past ``limit`` (the hang limit)."""
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        return HOME.run(call, self.limits.hang if limit is None else limit, what, self.census.new_threads)

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
        self.census.start()

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
            self.census.check()

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

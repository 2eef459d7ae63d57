"""The kit's home thread: one long-lived thread on which pools are built, used and stopped.

Some pools bind what they make to the thread that made them, or to its lifetime: gevent's results
belong to the hub of the thread that built the pool, and Ray ends the whole process when the thread
that started it ends. So the kit runs every scenario, the cleanup after it and the capability probe
on one thread that lives for the whole run (named ``poolspec: home``), and a bounded call that the
scenario itself makes on that thread runs right there, inline.

The caller (pytest's thread) hands a call to the home thread and supervises it: it wakes whenever
a call starts or ends on the home thread, and when the call it handed over, or any call nested in
it, has passed its own limit, the caller gets :class:`Hang` with the stacks of the threads
involved. A nested call with a shorter limit is thus reported at that limit, by name. The home
thread is then retired: it cannot be killed and may never return, so a new one takes over from the
next call. A retired thread that does return parks for ever instead of ending, because its end
could end the process (Ray) or the pools it built; and the abandoned scenario it was running is
stopped at its next bounded call (:class:`Hang`), so it cannot go on building pools.

A caller interrupted while it supervises (Ctrl-C, a signal) retires the home thread too, as the
call it handed over may still be running there; so does a pool the kit could not stop after a
scenario (:meth:`Home.retire`), whose leftover work could otherwise run in the next scenario.

A thread other than the home thread (one that a scenario started) calling while the home thread is
busy does not wait for it: its call runs bounded on a fresh thread of its own
(:func:`poolspec.conformance.watchdog.run_bounded`).

What the kit assumes of the thread that builds a pool: that it lives as long as the pool is used,
and that the pool may be used from it for the whole scenario. Clauses that need several threads
(tasks, callbacks, concurrent submitters) use others, as the stdlib allows.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any, Callable, Generic, Iterable, List, Optional, Tuple, TypeVar

from .watchdog import RUNNER_PREFIX, Hang, run_bounded, thread_stacks

T = TypeVar("T")

NAME = f"{RUNNER_PREFIX}home"
_THIS = threading.local()
"""``_THIS.home``: on a home thread, its :class:`_HomeThread` (retired or not)."""


@dataclass(frozen=True)
class _Call:
    """A bounded call in progress on the home thread."""

    what: str
    limit: float
    started: float

    @property
    def deadline(self) -> float:
        return self.started + self.limit


class _Job(Generic[T]):
    """A call handed to the home thread, and its outcome once it has returned or raised."""

    def __init__(self, call: Callable[[], T], entry: _Call) -> None:
        self.call = call
        self.entry = entry
        self.outcome: Optional[Tuple[bool, Any]] = None

    def result(self) -> T:
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        assert self.outcome is not None
        ok, value = self.outcome
        if ok:
            return value  # type: ignore[no-any-return]
        raise value


class _HomeThread:
    """One home thread: the jobs handed to it, and the calls in progress on it, outermost first.

    ``_changed`` (a condition on one lock) guards ``_calls``, ``busy`` and each job's outcome, and
    is notified whenever a call starts or ends, so the supervisor always judges the live calls.
    ``retired`` is a plain attribute, written once (True) by the supervisor and read by this
    thread between jobs; a store and a load of one attribute are atomic with or without the GIL.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._calls: List[_Call] = []
        self._jobs: SimpleQueue[_Job[Any]] = SimpleQueue()
        self.busy = False
        self.retired = False
        self.thread = threading.Thread(target=self._serve, name=NAME, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        _THIS.home = self
        while not self.retired:
            job = self._jobs.get()
            self._enter(job.entry)
            outcome: Tuple[bool, Any]
            try:
                outcome = (True, job.call())
            except BaseException as exc:  # noqa: BLE001 - handed back to the supervising caller
                outcome = (False, exc)
            self._leave(job.entry, job, outcome)
        threading.Event().wait()  # retired: park, never end (see the module docstring)

    def inline(self, call: Callable[[], T], what: str, limit: float) -> T:
        """``call()`` on this thread, registered as in progress so the supervisor can bound it.

        On a retired thread, the abandoned scenario is stopped here instead.
        """
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        if self.retired:
            raise Hang(f"HANG: {what} not called: the scenario was abandoned after a HANG")
        entry = _Call(what, limit, time.monotonic())
        self._enter(entry)
        try:
            return call()
        finally:
            self._leave(entry)

    def _enter(self, entry: _Call) -> None:
        with self._changed:
            self._calls.append(entry)
            self._changed.notify_all()

    def _leave(self, entry: _Call, job: Optional[_Job[Any]] = None, outcome: Optional[Tuple[bool, Any]] = None) -> None:
        with self._changed:
            self._calls.remove(entry)
            if job is not None:
                job.outcome = outcome
            self._changed.notify_all()

    def claim(self) -> bool:
        """Whether the caller got the thread (it was idle); it must :meth:`release` it after."""
        with self._changed:
            if self.busy or self.retired:
                return False
            self.busy = True
            return True

    def release(self) -> None:
        with self._changed:
            self.busy = False

    def supervise(self, job: _Job[T], suspects: Callable[[], Iterable[threading.Thread]]) -> T:
        """Hand ``job`` over and wait until it is done or a call in progress passes its limit."""
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        with self._changed:
            self._jobs.put(job)
            while job.outcome is None:
                calls = [job.entry, *(call for call in self._calls if call is not job.entry)]
                now = time.monotonic()
                expired = [call for call in calls if call.deadline <= now]
                if expired:
                    self.retired = True
                    raise Hang(f"{hang_message(expired[-1], calls[-1], now)}\n\n{thread_stacks([self.thread, *suspects()])}")
                self._changed.wait(min(call.deadline for call in calls) - now)
        return job.result()


class Home:
    """The home thread of the run, replaced after a hang."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: Optional[_HomeThread] = None

    def run(self, call: Callable[[], T], limit: float, what: str, suspects: Callable[[], Iterable[threading.Thread]] = lambda: ()) -> T:
        """``call()`` on the home thread: its value or exception, or :class:`Hang` past ``limit`` s.

        ``suspects`` gives the other threads whose stacks explain a hang (the pool's threads).
        """
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
        here: Optional[_HomeThread] = getattr(_THIS, "home", None)
        if here is not None:  # the scenario's own call
            return here.inline(call, what, limit)
        home = self._idle_home()
        if home is None:
            return run_bounded(call, limit, what, suspects)
        job = _Job(call, _Call(what, limit, time.monotonic()))
        try:
            return home.supervise(job, suspects)
        except BaseException:
            if job.outcome is None:
                home.retired = True  # the job may still run there: nobody may queue behind it
            raise
        finally:
            home.release()

    def retire(self) -> None:
        """Retire the current home thread between two calls: the next call gets a new one.

        For a pool the kit could not stop: whatever it left to run on the thread that built it
        (gevent runs a pool's greenlets whenever that thread waits) must not run inside the next
        scenario's calls. The retired thread stays blocked, waiting for a call that never comes.
        Called on a home thread (within a call), it does nothing: that call is still running.
        """
        if getattr(_THIS, "home", None) is not None:
            return
        with self._lock:
            if self._current is not None:
                self._current.retired = True

    def _idle_home(self) -> Optional[_HomeThread]:
        """The current home thread, claimed for the caller; None if it is busy with another call."""
        with self._lock:
            if self._current is None or self._current.retired:
                self._current = _HomeThread()
            current = self._current
        return current if current.claim() else None


def abandoned_here() -> bool:
    """Whether the caller is a retired home thread, running a scenario the kit has abandoned."""
    here: Optional[_HomeThread] = getattr(_THIS, "home", None)
    return here is not None and here.retired


def hang_message(expired: _Call, innermost: _Call, now: float) -> str:
    """What was seen: which call passed its limit, and where the home thread was at that moment."""
    message = f"HANG: {expired.what} did not return within {expired.limit:g} s"
    if innermost is not expired:
        message += f" (it was in {innermost.what} for the last {now - innermost.started:.1f} s)"
    return message


HOME = Home()
"""The one home thread manager of the run."""

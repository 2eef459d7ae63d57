"""The kit's home thread: one long-lived thread on which pools are built, used and stopped.

Some pools bind what they make to the thread that made them, or to its lifetime: gevent's results
belong to the hub of the thread that built the pool, and Ray ends the whole process when the thread
that started it ends. So the kit runs every scenario, the cleanup after it and the capability probe
on one thread that lives for the whole run (named ``poolspec: home``), and a bounded call that the
scenario itself makes on that thread runs right there, inline, with its own limit.

The caller (pytest's thread) hands a call to the home thread and supervises it: when the outermost
call, or any call nested in it, passes its limit, the caller gets :class:`Hang` with the stacks of
the threads involved. The home thread is then retired: it cannot be killed and may never return, so
a new one takes over from the next call. A retired thread that does return parks for ever instead
of ending, because its end could end the process (Ray) or the pools it built.

A thread other than the home thread (one that a scenario started) calling while the home thread is
busy does not wait for it: its call runs bounded on a fresh thread of its own
(:func:`conformance.watchdog.run_bounded`).

What the kit assumes of the thread that builds a pool: that it lives as long as the pool is used,
and that the pool may be used from it for the whole scenario. Clauses that need several threads
(tasks, callbacks, concurrent submitters) use others, as the stdlib allows.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any, Callable, Iterable, List, Optional, Tuple, TypeVar

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


class _Job:
    """A call handed to the home thread, and its outcome once it has returned or raised."""

    def __init__(self, call: Callable[[], Any], what: str, limit: float) -> None:
        self.call = call
        self.what = what
        self.limit = limit
        self.done = threading.Event()
        self.outcome: Optional[Tuple[bool, Any]] = None


class _HomeThread:
    """One home thread: the jobs handed to it, and the calls it is running, outermost first.

    ``_lock`` guards ``_calls`` (pushed and popped on the home thread, read by the supervisor) and
    ``busy`` (claimed by the supervising caller).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: List[_Call] = []
        self._jobs: SimpleQueue[_Job] = SimpleQueue()
        self.busy = False
        self.retired = False
        self.thread = threading.Thread(target=self._serve, name=NAME, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        _THIS.home = self
        while not self.retired:
            job = self._jobs.get()
            try:
                job.outcome = (True, self.inline(job.call, job.what, job.limit))
            except BaseException as exc:  # noqa: BLE001 - handed back to the supervising caller
                job.outcome = (False, exc)
            job.done.set()
        threading.Event().wait()  # retired: park, never end (see the module docstring)

    def inline(self, call: Callable[[], T], what: str, limit: float) -> T:
        """``call()`` on this thread, registered as in progress so the supervisor can bound it."""
        entry = _Call(what, limit, time.monotonic())
        with self._lock:
            self._calls.append(entry)
        try:
            return call()
        finally:
            with self._lock:
                self._calls.remove(entry)

    def claim(self) -> bool:
        """Whether the caller got the thread (it was idle); it must :meth:`release` it after."""
        with self._lock:
            if self.busy or self.retired:
                return False
            self.busy = True
            return True

    def release(self) -> None:
        with self._lock:
            self.busy = False

    def submit(self, job: _Job) -> None:
        self._jobs.put(job)

    def calls(self) -> List[_Call]:
        with self._lock:
            return list(self._calls)


class Home:
    """The home thread of the run, replaced after a hang."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: Optional[_HomeThread] = None

    def run(self, call: Callable[[], T], limit: float, what: str, suspects: Callable[[], Iterable[threading.Thread]] = lambda: ()) -> T:
        """``call()`` on the home thread: its value or exception, or :class:`Hang` past ``limit`` s.

        ``suspects`` gives the other threads whose stacks explain a hang (the pool's threads).
        """
        here: Optional[_HomeThread] = getattr(_THIS, "home", None)
        if here is not None:  # the scenario's own call (on a retired thread: nobody supervises it)
            return here.inline(call, what, limit)
        home = self._idle_home()
        if home is None:
            return run_bounded(call, limit, what, suspects)
        try:
            return self._supervise(home, _Job(call, what, limit), suspects)  # type: ignore[no-any-return]
        finally:
            home.release()

    def _idle_home(self) -> Optional[_HomeThread]:
        """The current home thread, claimed for the caller; None if it is busy with another call."""
        with self._lock:
            if self._current is None or self._current.retired:
                self._current = _HomeThread()
            current = self._current
        return current if current.claim() else None

    def _supervise(self, home: _HomeThread, job: _Job, suspects: Callable[[], Iterable[threading.Thread]]) -> Any:
        """Wait for ``job`` on ``home`` until it is done or a call in progress passes its limit."""
        outer = _Call(job.what, job.limit, time.monotonic())
        home.submit(job)
        while True:
            calls = [outer, *home.calls()]
            first = min(calls, key=lambda entry: entry.deadline)
            if job.done.wait(max(0.0, first.deadline - time.monotonic())):
                break
            now = time.monotonic()
            expired = [entry for entry in calls if entry.deadline <= now]
            if expired:
                home.retired = True
                raise Hang(f"{hang_message(expired[-1], calls[-1], now)}\n\n{thread_stacks([home.thread, *suspects()])}")
        assert job.outcome is not None
        ok, value = job.outcome
        if ok:
            return value
        raise value


def hang_message(expired: _Call, innermost: _Call, now: float) -> str:
    """What was seen: which call passed its limit, and where the home thread was at that moment."""
    message = f"HANG: {expired.what} did not return within {expired.limit:g} s"
    if innermost is not expired:
        message += f" (it was in {innermost.what} for the last {now - innermost.started:.1f} s)"
    return message


HOME = Home()
"""The one home thread manager of the run."""

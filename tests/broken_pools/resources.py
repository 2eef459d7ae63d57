"""Broken pools of the resources family: pools that keep what they have delivered, or are kept by it.

Each is the reference pool with a bookkeeping feature that never forgets, built on its public
API only: the task functions are wrapped on their way in
(:class:`~tests.broken_pools.wrappers.WrappingTasks`), or what the public methods return is kept
or wrapped.
"""

from __future__ import annotations

import _thread
import collections
import threading
from typing import Any, Callable, Counter, Deque, List, Optional

from poolspec.reference import ThreadPool

from .wrappers import Proxied, ResultProxy, WrappingTasks


class KeepsLastArguments(WrappingTasks):
    """Each worker records the arguments of the task it runs (for a "what is this thread doing" view) and never clears the record.

    Nothing looks wrong, but the last arguments of every worker stay in memory until that worker
    runs another task, which on an idle pool is never: the leak of bpo-29861, where one large
    argument (a data frame, an image) outlives its job by hours.
    """

    BREAKS = ("resources.arguments-released",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.current_task = threading.local()
        super().__init__(*args, **kwargs)

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        record = self.current_task

        def call(*args: Any, **kwds: Any) -> Any:
            record.arguments = (args, kwds)
            return func(*args, **kwds)

        return call


class KeepsRecentValues(WrappingTasks):
    """The pool keeps the last 100 values its tasks returned (for a progress display), in a ring buffer on the pool.

    The results are right, but every value stays in memory until 100 later ones have pushed it out:
    a program that maps over large values holds up to 100 of them for as long as the pool lives.
    """

    BREAKS = ("resources.values-released",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.recent_values: Deque[Any] = collections.deque(maxlen=100)
        super().__init__(*args, **kwargs)

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        recent = self.recent_values

        def call(*args: Any, **kwds: Any) -> Any:
            value = func(*args, **kwds)
            recent.append(value)
            return value

        return call


class _RecordsLastFailure(WrappingTasks):
    """Each worker records something of the last exception its tasks raised (:meth:`record`), never cleared."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.last_failure = threading.local()
        super().__init__(*args, **kwargs)

    def record(self, record: Any, exc: BaseException) -> None:
        raise NotImplementedError

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        record, keep = self.last_failure, self.record

        def call(*args: Any, **kwds: Any) -> Any:
            try:
                return func(*args, **kwds)
            except BaseException as exc:
                keep(record, exc)
                raise

        return call


class KeepsLastError(_RecordsLastFailure):
    """Each worker records the last exception its tasks raised (for a health check) and never clears the record.

    The caller gets the exception as it should, but the pool keeps it, and through its traceback
    every local of the failed task's frames, until that worker's next failure.
    """

    BREAKS = ("resources.exceptions-released",)

    def record(self, record: Any, exc: BaseException) -> None:
        record.error = exc


class KeepsLastTraceback(_RecordsLastFailure):
    """Each worker keeps the traceback of the last exception its tasks raised (to print it in a health check), not the exception.

    The exception object itself is let go, but its traceback holds the frames of the failed task,
    and with them every local of the task: a failed task's working data stays in memory until
    that worker's next failure.
    """

    BREAKS = ("resources.exceptions-released",)

    def record(self, record: Any, exc: BaseException) -> None:
        record.traceback = exc.__traceback__


class CountsCallsPerFunction(WrappingTasks):
    """The pool counts the tasks it ran per function (a statistics feature), in a Counter keyed by the function, never pruned.

    Every function ever submitted stays alive with the pool, and with it whatever it refers to: a
    closure over a large object, a bound method and its instance.
    """

    BREAKS = ("resources.functions-released",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.calls_per_function: Counter[Any] = collections.Counter()
        super().__init__(*args, **kwargs)

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        counts = self.calls_per_function

        def call(*args: Any, **kwds: Any) -> Any:
            counts[func] += 1
            return func(*args, **kwds)

        return call


class KeepsLastImapIterator(ThreadPool):
    """The pool keeps the iterator of its last imap() or imap_unordered() until the next one replaces it (as the stdlib's task handler does).

    After an imap that ended and was dropped, its function, and everything the iterator still
    holds, stay in memory until the program's next imap, which may never come.
    """

    BREAKS = ("resources.ended-imap-released",)

    last_imap: Optional[Any] = None

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        self.last_imap = super().imap(*args, **kwargs)
        return self.last_imap

    def imap_unordered(self, *args: Any, **kwargs: Any) -> Any:
        self.last_imap = super().imap_unordered(*args, **kwargs)
        return self.last_imap


class FinishedResultsKeepThePool(ThreadPool):
    """Results and imap iterators hold their pool for as long as they live (an attribute set when they are made), not only until they complete.

    A program that keeps finished results (a list of every result, a cache) keeps every pool it
    dropped alive, with its threads: such a pool is never collected, so never terminated.
    """

    BREAKS = ("resources.pool-not-kept-by-finished-results",)

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        return _holding(self, super().apply_async(*args, **kwargs))

    def map_async(self, *args: Any, **kwargs: Any) -> Any:
        return _holding(self, super().map_async(*args, **kwargs))

    def starmap_async(self, *args: Any, **kwargs: Any) -> Any:
        return _holding(self, super().starmap_async(*args, **kwargs))

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        return _holding(self, super().imap(*args, **kwargs))

    def imap_unordered(self, *args: Any, **kwargs: Any) -> Any:
        return _holding(self, super().imap_unordered(*args, **kwargs))


def _holding(pool: ThreadPool, result: Any) -> Any:
    result.pool = pool
    return result


class AbandonedImapKeepsThePool(ThreadPool):
    """An imap() or imap_unordered() iterator holds its pool until it is exhausted, not until it
    has ended otherwise: one that terminate() abandoned keeps its dropped pool alive after it has
    raised, for as long as the program keeps the iterator (a list of pending iterators, say)."""

    BREAKS = ("resources.abandoned-imap-releases-pool",)

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        return _HeldUntilExhausted(self, super().imap(*args, **kwargs))

    def imap_unordered(self, *args: Any, **kwargs: Any) -> Any:
        return _HeldUntilExhausted(self, super().imap_unordered(*args, **kwargs))


class _HeldUntilExhausted:
    """An imap iterator that holds ``pool`` until it raises StopIteration."""

    def __init__(self, pool: Optional[ThreadPool], inner: Any) -> None:
        self.pool = pool
        self._inner = inner

    def __iter__(self) -> _HeldUntilExhausted:
        return self

    def next(self, timeout: Optional[float] = None) -> Any:
        try:
            return self._inner.next(timeout)
        except StopIteration:
            self.pool = None
            raise

    __next__ = next


class _KeepsTimedOutWaiters(ResultProxy):
    """A result that keeps a lock for every wait of it that timed out, until it is ready."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.timed_out: List[_thread.LockType] = []

    def kept(self) -> None:
        if self.inner.ready():
            self.timed_out.clear()
        else:
            self.timed_out.append(_thread.allocate_lock())  # the bug: nothing takes it back until the result completes

    def wait(self, timeout: Optional[float] = None) -> None:
        self.inner.wait(timeout)
        self.kept()

    def get(self, timeout: Optional[float] = None) -> Any:
        try:
            return self.inner.get(timeout)
        finally:
            self.kept()


class TimedOutWaitersKept(Proxied):
    """A get(timeout) or wait(timeout) that times out leaves its waiter lock on the result until the
    result completes: a program that polls a long task (``while not r.ready(): r.wait(1)``) grows by
    one lock a poll for as long as the task runs."""

    BREAKS = ("resources.timed-out-waits-released",)
    result_proxy = _KeepsTimedOutWaiters


class _KeepsWaitersOfReadyResults(ResultProxy):
    """A result whose wait() registers a waiter lock before it looks whether the result is ready,
    and takes it back only when the wait timed out."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.waiters: List[_thread.LockType] = []

    def wait(self, timeout: Optional[float] = None) -> None:
        waiter = _thread.allocate_lock()
        self.waiters.append(waiter)  # the bug: also when the result is ready already, and then nothing takes it back
        self.inner.wait(timeout)
        if not self.inner.ready():
            self.waiters.remove(waiter)


class ReadyWaitersKept(Proxied):
    """wait() on a result that has already completed leaves a waiter lock on the result, one per
    call, for as long as the result lives (waits that time out take theirs back): a program that
    keeps its results and waits on them again (``for r in results: r.wait()`` in a loop, a status
    page) grows by one lock a wait."""

    BREAKS = ("resources.timed-out-waits-released",)
    result_proxy = _KeepsWaitersOfReadyResults

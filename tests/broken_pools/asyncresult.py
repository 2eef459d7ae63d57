"""Broken pools of the asyncresult and timeout families: results and iterators that get time-outs, ready(), successful() or wait() wrong.

Each is the reference pool with its results wrapped in a proxy that changes one method
(:class:`~tests.broken_pools.wrappers.Proxied`); the two that get a map's readiness wrong also
watch its tasks, through the task function.
"""

from __future__ import annotations

import builtins
import math
import multiprocessing
import threading
import time
from typing import Any, Callable, Iterable, Optional

from poolspec.reference import ThreadPool

from .wrappers import IteratorProxy, Proxied, ResultProxy

# -- get(timeout) ----------------------------------------------------------------------------------


class _MillisecondGet(ResultProxy):
    def get(self, timeout: Optional[float] = None) -> Any:
        return self.inner.get(None if timeout is None else timeout / 1000)


class GetTimeoutInMilliseconds(Proxied):
    """get(timeout) takes its timeout in milliseconds: get(0.2) gives up after 0.2 ms.

    A user polling with get(1) spins a hundred times faster than meant and sees time-outs for
    results that were a few milliseconds away.
    """

    BREAKS = ("asyncresult.get-timeout",)
    result_proxy = _MillisecondGet


class _UnboundedGet(ResultProxy):
    def get(self, timeout: Optional[float] = None) -> Any:
        return self.inner.get()


class GetIgnoresTheTimeout(Proxied):
    """get(timeout) accepts a timeout and ignores it: it waits until the result is ready.

    A user's get(5) on a stuck task blocks for ever instead of raising TimeoutError after 5 s.
    """

    BREAKS = ("asyncresult.get-timeout",)
    result_proxy = _UnboundedGet


class _ZeroMeansNoTimeout(ResultProxy):
    def get(self, timeout: Optional[float] = None) -> Any:
        return self.inner.get(timeout or None)


class GetZeroTimeoutBlocks(Proxied):
    """get(0) waits without a bound: the timeout goes through ``timeout or None``, and 0 is falsy.

    A user polling with get(0) ("is it there yet?") blocks until the task is done.
    """

    BREAKS = ("asyncresult.get-timeout-nonpositive",)
    result_proxy = _ZeroMeansNoTimeout


class _GiveUpOnTimeout(ResultProxy):
    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self._timed_out: Optional[BaseException] = None

    def get(self, timeout: Optional[float] = None) -> Any:
        if self._timed_out is not None:
            raise self._timed_out
        try:
            return self.inner.get(timeout)
        except multiprocessing.TimeoutError as exc:
            self._timed_out = exc
            raise


class TimedOutResultIsLost(Proxied):
    """A result whose get(timeout) timed out remembers the time-out: every later get() raises it again.

    A user who waits in slices (get(1) in a loop, checking for cancellation in between) never
    gets the value, however long the loop runs.
    """

    BREAKS = ("asyncresult.get-after-timeout",)
    result_proxy = _GiveUpOnTimeout


class GetRaisesTheBuiltinTimeoutError(Proxied):
    """get(timeout) raises the builtin TimeoutError (as concurrent.futures does), not multiprocessing.TimeoutError.

    ``except multiprocessing.TimeoutError:`` in a user's code no longer catches the time-out.
    """

    BREAKS = ("timeout.class",)

    class result_proxy(ResultProxy):  # noqa: N801 - the class attribute Proxied looks for
        def get(self, timeout: Optional[float] = None) -> Any:
            try:
                return self.inner.get(timeout)
            except multiprocessing.TimeoutError:
                raise builtins.TimeoutError(f"no result within {timeout} s") from None


# -- ready(), successful(), when a map result is ready ---------------------------------------------


class _SuccessfulWhilePending(ResultProxy):
    def successful(self) -> bool:
        return self.inner.ready() and self.inner.successful()  # type: ignore[no-any-return]


class SuccessfulFalseBeforeReady(Proxied):
    """successful() on a pending result returns False instead of raising ValueError.

    A user's ``if not result.successful(): handle_failure()`` treats every job still running as
    failed.
    """

    BREAKS = ("asyncresult.successful",)
    result_proxy = _SuccessfulWhilePending


class _Tally:
    """What a map's tasks did so far, recorded by the task function: how many items finished, the first failure."""

    def __init__(self, items: int) -> None:
        self.items = items
        self.finished = 0
        self.failure: Optional[BaseException] = None
        self._lock = threading.Lock()

    def counting(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def task(*args: Any) -> Any:
            try:
                return func(*args)
            except BaseException as exc:
                with self._lock:
                    self.failure = self.failure or exc
                raise
            finally:
                with self._lock:
                    self.finished += 1

        return task


class _TalliedMaps(ThreadPool):
    """The map forms hand out ``tallied(result, tally)`` in place of their result."""

    def tallied(self, result: Any, tally: _Tally) -> Any:
        raise NotImplementedError

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        items = list(iterable)
        tally = _Tally(len(items))
        return self.tallied(super().map_async(tally.counting(func) if callable(func) else func, items, *args, **kwargs), tally)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        items = list(iterable)
        tally = _Tally(len(items))
        return self.tallied(super().starmap_async(tally.counting(func) if callable(func) else func, items, *args, **kwargs), tally)


class _ReadyOneEarly(ResultProxy):
    def __init__(self, inner: Any, tally: _Tally) -> None:
        super().__init__(inner)
        self.tally = tally

    def ready(self) -> bool:
        return self.inner.ready() or self.tally.finished >= self.tally.items - 1


class MapReadyOneChunkEarly(_TalliedMaps):
    """A map result counts its finished tasks off by one: ready() is True while the last one still runs.

    A user who polls ready() and then calls get(0) gets a TimeoutError for a "ready" result.
    (Counted by item, which with chunksize 1 is by chunk.)
    """

    BREAKS = ("asyncresult.ready",)

    def tallied(self, result: Any, tally: _Tally) -> Any:
        return _ReadyOneEarly(result, tally)


class _FailsAtOnce(_ReadyOneEarly):
    """Ready, and failed, as soon as one task failed."""

    def ready(self) -> bool:
        return self.inner.ready() or self.tally.failure is not None

    def successful(self) -> bool:
        return self.tally.failure is None and self.inner.successful()

    def wait(self, timeout: Optional[float] = None) -> None:
        if self.tally.failure is None:
            self.inner.wait(timeout)

    def get(self, timeout: Optional[float] = None) -> Any:
        if self.tally.failure is not None:
            raise self.tally.failure
        return self.inner.get(timeout)


class MapReadyOnFirstFailure(_TalliedMaps):
    """A map result with a failing chunk fails as soon as that chunk fails, while its other chunks still run.

    A user's map() raises while tasks of it are still running: cleanup that follows (closing
    files the tasks write to) races with them.
    """

    BREAKS = ("asyncresult.map-ready-after-all-chunks",)

    def tallied(self, result: Any, tally: _Tally) -> Any:
        return _FailsAtOnce(result, tally)


# -- wait(timeout) ---------------------------------------------------------------------------------


class _WaitPolls(ResultProxy):
    def wait(self, timeout: Optional[float] = None) -> None:
        self.inner.wait(None if timeout is None else 0)


class WaitReturnsAtOnce(Proxied):
    """wait(timeout) only looks whether the result is ready and returns at once, never waiting.

    A user's ``while not r.ready(): r.wait(1)`` loop spins a CPU instead of sleeping.
    """

    BREAKS = ("asyncresult.wait-timeout",)
    result_proxy = _WaitPolls


class _WaitSleeps(ResultProxy):
    def wait(self, timeout: Optional[float] = None) -> None:
        if timeout is None or self.inner.ready():
            self.inner.wait(timeout)
        else:
            time.sleep(timeout)  # the bug itself, not a synchronisation: the whole timeout spent, ready or not


class WaitSleepsTheWholeTimeout(Proxied):
    """wait(timeout) on a pending result sleeps the whole timeout, even when the result arrives sooner.

    A user's wait(60) on a job that needs one second takes a minute.
    """

    BREAKS = ("asyncresult.wait-returns-when-ready",)
    result_proxy = _WaitSleeps


class _WaitTellsReadiness(ResultProxy):
    def wait(self, timeout: Optional[float] = None) -> bool:  # type: ignore[override]
        self.inner.wait(timeout)
        return self.inner.ready()  # type: ignore[no-any-return]


class WaitReturnsReadiness(Proxied):
    """wait(timeout) returns True or False (as threading.Event.wait does), not None.

    Harmless until code written for this pool (``if r.wait(1): ...``) meets the stdlib's, whose
    wait() always returns None, so the branch is never taken.
    """

    BREAKS = ("asyncresult.wait-returns-none",)
    result_proxy = _WaitTellsReadiness


# -- imap next(timeout) ----------------------------------------------------------------------------


class _MillisecondNext(IteratorProxy):
    def next(self, timeout: Optional[float] = None) -> Any:
        return self.inner.next(None if timeout is None else timeout / 1000)


class ImapNextTimeoutInMilliseconds(Proxied):
    """next(timeout) of an imap iterator takes its timeout in milliseconds.

    A user's next(5) raises TimeoutError after 5 ms, not 5 s.
    """

    BREAKS = ("timeout.imap-next",)
    iterator_proxy = _MillisecondNext


class _SkipAfterTimeout(IteratorProxy):
    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self._skip = 0
        self._lock = threading.Lock()

    def next(self, timeout: Optional[float] = None) -> Any:
        try:
            with self._lock:
                while self._skip:
                    self.inner.next(timeout)  # the slot given up by a time-out
                    self._skip -= 1
                return self.inner.next(timeout)
        except multiprocessing.TimeoutError:
            with self._lock:
                self._skip = 1
            raise


class ImapNextLosesTheItemItTimedOutOn(Proxied):
    """After next(timeout) timed out, the iterator drops the result it was waiting for.

    A user who waits with next(1) in a loop silently loses one result per time-out.
    """

    BREAKS = ("timeout.imap-next-resumes",)
    iterator_proxy = _SkipAfterTimeout


class _NanRejectingNext(IteratorProxy):
    def next(self, timeout: Optional[float] = None) -> Any:
        if timeout is not None and math.isnan(timeout):
            raise ValueError("timeout must be a number, not NaN")
        return self.inner.next(timeout)


class ImapNextRejectsNan(Proxied):
    """next(timeout) of an imap iterator raises ValueError for a timeout of NaN, where get(nan) and wait(nan) time out at once.

    A timeout computed from a measurement that went wrong (0/0) stops a consumer with an error
    that the same timeout given to get() would not raise. Built on the public API only.
    """

    BREAKS = ("timeout.nan-does-not-wait",)
    iterator_proxy = _NanRejectingNext

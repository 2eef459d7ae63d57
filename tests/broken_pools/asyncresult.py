"""Broken pools of the asyncresult and timeout families: results and iterators that get time-outs, ready(), successful() or wait() wrong.

Most are the reference pool with its results wrapped in a proxy that changes one method. A few
change the reference's result classes themselves, through :class:`ResultClasses`, which the
callbacks module uses too.
"""

from __future__ import annotations

import builtins
import math
import multiprocessing
import threading
import time
from typing import Any, Callable, Iterable, List, Mapping, Optional, Type

from reference import ThreadPool, _arguments
from reference._results import ApplyResult, MapResult
from reference.pool import _NO_KEYWORDS, _check_callbacks

# -- helpers: not broken pools themselves (no BREAKS) ---------------------------------------------


class ResultProxy:
    """A result of the reference pool, passed through; a subclass changes one method."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get(self, timeout: Optional[float] = None) -> Any:
        return self._inner.get(timeout)

    def wait(self, timeout: Optional[float] = None) -> None:
        return self._inner.wait(timeout)  # type: ignore[no-any-return]

    def ready(self) -> bool:
        return self._inner.ready()  # type: ignore[no-any-return]

    def successful(self) -> bool:
        return self._inner.successful()  # type: ignore[no-any-return]


class IteratorProxy:
    """An imap iterator of the reference pool, passed through; a subclass changes next()."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __iter__(self) -> IteratorProxy:
        return self

    def __next__(self) -> Any:
        return self.next()

    def next(self, timeout: Optional[float] = None) -> Any:
        return self._inner.next(timeout)


class Proxied(ThreadPool):
    """The reference pool, handing out its results and iterators wrapped in the classes below."""

    result_proxy: Type[ResultProxy] = ResultProxy
    iterator_proxy: Type[IteratorProxy] = IteratorProxy

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.result_proxy(super().apply_async(*args, **kwargs))

    def map_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.result_proxy(super().map_async(*args, **kwargs))

    def starmap_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.result_proxy(super().starmap_async(*args, **kwargs))

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        return self.iterator_proxy(super().imap(*args, **kwargs))

    def imap_unordered(self, *args: Any, **kwargs: Any) -> Any:
        return self.iterator_proxy(super().imap_unordered(*args, **kwargs))


class ResultClasses(ThreadPool):
    """The reference pool, building its results with :meth:`new_apply_result` and :meth:`new_map_result`.

    ``apply_async`` and ``_map_async`` are the reference's own, but for the classes they build.
    """

    apply_result: Type[ApplyResult[Any]] = ApplyResult
    map_result: Type[MapResult[Any]] = MapResult

    def new_apply_result(self, callback: Any, error_callback: Any) -> ApplyResult[Any]:
        return self.apply_result(self._engine, self, callback, error_callback)

    def new_map_result(self, func: Any, star: bool, length: int, chunks: int, callback: Any, error_callback: Any) -> MapResult[Any]:
        return self.map_result(self._engine, self, func, star, length, chunks, callback, error_callback)

    def apply_async(
        self,
        func: Callable[..., Any],
        args: Iterable[Any] = (),
        kwds: Mapping[str, Any] = _NO_KEYWORDS,
        callback: Optional[Callable[[Any], object]] = None,
        error_callback: Optional[Callable[[BaseException], object]] = None,
    ) -> ApplyResult[Any]:
        _arguments.task_function(func)
        _check_callbacks(callback, error_callback)
        call_args, call_kwds = _arguments.call_arguments(args, kwds)
        result = self.new_apply_result(callback, error_callback)
        self._engine.submit(result, [(0, (func, call_args, call_kwds))])
        return result

    def _map_async(
        self,
        func: Callable[..., Any],
        iterable: Iterable[Any],
        chunksize: Optional[int],
        callback: Optional[Callable[[List[Any]], object]],
        error_callback: Optional[Callable[[BaseException], object]],
        star: bool,
    ) -> MapResult[Any]:
        _arguments.task_function(func)
        _check_callbacks(callback, error_callback)
        size = None if chunksize is None else _arguments.chunksize(chunksize)
        self._engine.check_running()
        items = list(iterable)
        if size is None:
            size = _arguments.default_chunksize(len(items), self._engine.processes)
        starts = range(0, len(items), size) or range(1)
        result = self.new_map_result(func, star, len(items), len(starts), callback, error_callback)
        self._engine.submit(result, ((start, items[start : start + size]) for start in starts))
        return result


# -- get(timeout) ----------------------------------------------------------------------------------


class _MillisecondGet(ResultProxy):
    def get(self, timeout: Optional[float] = None) -> Any:
        return self._inner.get(None if timeout is None else timeout / 1000)


class GetTimeoutInMilliseconds(Proxied):
    """get(timeout) takes its timeout in milliseconds: get(0.2) gives up after 0.2 ms.

    A user polling with get(1) spins a hundred times faster than meant and sees time-outs for
    results that were a few milliseconds away.
    """

    BREAKS = ("asyncresult.get-timeout",)
    result_proxy = _MillisecondGet


class _UnboundedGet(ResultProxy):
    def get(self, timeout: Optional[float] = None) -> Any:
        return self._inner.get()


class GetIgnoresTheTimeout(Proxied):
    """get(timeout) accepts a timeout and ignores it: it waits until the result is ready.

    A user's get(5) on a stuck task blocks for ever instead of raising TimeoutError after 5 s.
    """

    BREAKS = ("asyncresult.get-timeout",)
    result_proxy = _UnboundedGet


class _ZeroMeansNoTimeout(ResultProxy):
    def get(self, timeout: Optional[float] = None) -> Any:
        return self._inner.get(timeout or None)


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
            return self._inner.get(timeout)
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
                return self._inner.get(timeout)
            except multiprocessing.TimeoutError:
                raise builtins.TimeoutError(f"no result within {timeout} s") from None


# -- ready(), successful(), when a map result is ready ---------------------------------------------


class _SuccessfulWhilePending(ResultProxy):
    def successful(self) -> bool:
        return self._inner.ready() and self._inner.successful()  # type: ignore[no-any-return]


class SuccessfulFalseBeforeReady(Proxied):
    """successful() on a pending result returns False instead of raising ValueError.

    A user's ``if not result.successful(): handle_failure()`` treats every job still running as
    failed.
    """

    BREAKS = ("asyncresult.successful",)
    result_proxy = _SuccessfulWhilePending


class _ReadyOneChunkEarly(MapResult[Any]):
    def ready(self) -> bool:
        with self._lock:
            return super().ready() or self._chunks_left <= 1


class MapReadyOneChunkEarly(ResultClasses):
    """A map result counts its chunks off by one: ready() is True while the last chunk still runs.

    A user who polls ready() and then calls get(0) gets a TimeoutError for a "ready" result.
    """

    BREAKS = ("asyncresult.ready",)
    map_result = _ReadyOneChunkEarly


class _ReadyOnFirstFailure(MapResult[Any]):
    """Completes on the first failing chunk, as MapResult did before it waited for every chunk."""

    def _chunk_finished(self, error: Optional[BaseException]) -> None:
        with self._lock:
            first_failure = error is not None and self._error is None
            if first_failure:
                self._error = error
            self._chunks_left -= 1
            last = not self._chunks_left
        if first_failure:
            self._finish(False, error)
        elif last and self._error is None:
            self._finish(True, self._values)


class MapReadyOnFirstFailure(ResultClasses):
    """A map result with a failing chunk fails as soon as that chunk fails, while its other chunks still run.

    A user's map() raises while tasks of it are still running: cleanup that follows (closing
    files the tasks write to) races with them.
    """

    BREAKS = ("asyncresult.map-ready-after-all-chunks",)
    map_result = _ReadyOnFirstFailure


# -- wait(timeout) ---------------------------------------------------------------------------------


class _WaitPolls(ResultProxy):
    def wait(self, timeout: Optional[float] = None) -> None:
        self._inner.wait(None if timeout is None else 0)


class WaitReturnsAtOnce(Proxied):
    """wait(timeout) only looks whether the result is ready and returns at once, never waiting.

    A user's ``while not r.ready(): r.wait(1)`` loop spins a CPU instead of sleeping.
    """

    BREAKS = ("asyncresult.wait-timeout",)
    result_proxy = _WaitPolls


class _WaitSleeps(ResultProxy):
    def wait(self, timeout: Optional[float] = None) -> None:
        if timeout is None or self._inner.ready():
            self._inner.wait(timeout)
        else:
            time.sleep(timeout)


class WaitSleepsTheWholeTimeout(Proxied):
    """wait(timeout) on a pending result sleeps the whole timeout, even when the result arrives sooner.

    A user's wait(60) on a job that needs one second takes a minute.
    """

    BREAKS = ("asyncresult.wait-returns-when-ready",)
    result_proxy = _WaitSleeps


class _WaitTellsReadiness(ResultProxy):
    def wait(self, timeout: Optional[float] = None) -> bool:  # type: ignore[override]
        self._inner.wait(timeout)
        return self._inner.ready()  # type: ignore[no-any-return]


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
        return self._inner.next(None if timeout is None else timeout / 1000)


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
                    self._inner.next(timeout)  # the slot given up by a time-out
                    self._skip -= 1
                return self._inner.next(timeout)
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
        return self._inner.next(timeout)


class ImapNextRejectsNan(Proxied):
    """next(timeout) of an imap iterator raises ValueError for a timeout of NaN, where get(nan) and wait(nan) time out at once.

    A timeout computed from a measurement that went wrong (0/0) stops a consumer with an error
    that the same timeout given to get() would not raise. Built on the public API only.
    """

    BREAKS = ("timeout.nan-does-not-wait",)
    iterator_proxy = _NanRejectingNext

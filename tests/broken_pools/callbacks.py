"""Broken pools of the callbacks family: callbacks called twice, too late, on the wrong thread, with the wrong value, for tasks that never ran."""

from __future__ import annotations

import concurrent.futures
import queue
import threading
import time
from multiprocessing.pool import ThreadPool as StdlibThreadPool
from typing import Any, Callable, Iterable, List, Mapping, Optional, Tuple

from reference import ThreadPool
from reference._results import ApplyResult, MapResult

from .asyncresult import ResultClasses

# -- with what, and how often ----------------------------------------------------------------------


class MapCallbackInCompletionOrder(ThreadPool):
    """map_async() and starmap_async() pass their callback the values in the order the tasks finished.

    get() still returns them in input order, so a user who reads the results in the callback pairs
    them with the wrong inputs whenever tasks finish out of order (Ray's pool does this).
    """

    BREAKS = ("callbacks.called-once-with-value",)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        func, callback = _in_completion_order(func, callback)
        return super().map_async(func, iterable, chunksize, callback, error_callback)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        func, callback = _in_completion_order(func, callback)
        return super().starmap_async(func, iterable, chunksize, callback, error_callback)


def _in_completion_order(func: Callable[..., Any], callback: Any) -> Tuple[Callable[..., Any], Any]:
    """``func`` recording each value as it is computed, and ``callback`` given those values instead."""
    if callback is None:
        return func, callback
    finished: List[Any] = []
    lock = threading.Lock()

    def recording(*args: Any) -> Any:
        value = func(*args)
        with lock:
            finished.append(value)
        return value

    return recording, lambda values: callback(list(finished))


class ErrorCallbackPerFailedChunk(ThreadPool):
    """map_async() and starmap_async() call error_callback once for every chunk that failed, not once for the job.

    With one failing chunk nothing shows; with several, a user's error_callback that counts failed
    jobs, or resubmits the job, does so several times.
    """

    BREAKS = ("callbacks.error-callback-once",)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        func, error_callback = _per_failure(func, error_callback)
        return super().map_async(func, iterable, chunksize, callback, error_callback)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        func, error_callback = _per_failure(func, error_callback)
        return super().starmap_async(func, iterable, chunksize, callback, error_callback)


def _per_failure(func: Callable[..., Any], error_callback: Any) -> Tuple[Callable[..., Any], Any]:
    """``func`` recording each exception (a chunk stops at its first), and ``error_callback`` called for each."""
    if error_callback is None:
        return func, error_callback
    failures: List[BaseException] = []

    def recording(*args: Any) -> Any:
        try:
            return func(*args)
        except BaseException as exc:
            failures.append(exc)
            raise

    def each(first: BaseException) -> None:
        for exc in [first, *(failure for failure in failures if failure is not first)]:
            error_callback(exc)

    return recording, each


class EmptyMapCallsBack(StdlibThreadPool):
    """The stdlib's pool, but map_async() and starmap_async() of an empty input call callback([]).

    The reference pool does this on purpose; measured against the stdlib (a strict clause) a user's
    callback that assumes at least one value, or that the stdlib never calls for an empty map, runs.
    """

    BREAKS = ("callbacks.empty-map-no-callback",)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        items = list(iterable)
        if not items and callback is not None:
            self.apply_async(list, ((),), callback=callback)
        return super().map_async(func, items, chunksize, callback, error_callback)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        items = list(iterable)
        if not items and callback is not None:
            self.apply_async(list, ((),), callback=callback)
        return super().starmap_async(func, items, chunksize, callback, error_callback)


class ErrorCallbackForDiscardedTasks(ThreadPool):
    """terminate() calls the error_callback of every job that had not completed with a
    concurrent.futures.CancelledError, as a port over concurrent.futures does when it cancels the
    futures of the queued tasks and passes each cancellation on to the job's error_callback.

    A user's error_callback reports failures (retries them, counts them) for tasks that never ran;
    the stdlib calls nothing for them.
    """

    BREAKS = ("callbacks.none-for-discarded-tasks",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._error_callbacks: List[Tuple[Any, Callable[[BaseException], object]]] = []

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = {}, callback: Any = None, error_callback: Any = None) -> Any:
        return self._remember(super().apply_async(func, args, kwds, callback, error_callback), error_callback)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        return self._remember(super().map_async(func, iterable, chunksize, callback, error_callback), error_callback)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        return self._remember(super().starmap_async(func, iterable, chunksize, callback, error_callback), error_callback)

    def _remember(self, result: Any, error_callback: Any) -> Any:
        if error_callback is not None:
            self._error_callbacks.append((result, error_callback))
        return result

    def terminate(self) -> None:
        cancelled = [error_callback for result, error_callback in self._error_callbacks if not result.ready()]
        self._error_callbacks = []
        super().terminate()
        for error_callback in cancelled:
            error_callback(concurrent.futures.CancelledError())


# -- when ------------------------------------------------------------------------------------------


class _ReadyBeforeCallback(ApplyResult[Any]):
    def _call_back(self, ok: bool, value: Any) -> None:
        if not self._engine.retire(self):
            return
        self._complete(ok, value)  # published first ...
        callback = self._callback if ok else self._error_callback
        if callback is not None:
            try:
                callback(value)  # ... called back after
            except BaseException:  # noqa: BLE001, S110 - as the reference does, the thread must go on
                pass


class _MapReadyBeforeCallback(MapResult[Any]):
    _call_back = _ReadyBeforeCallback._call_back


class CallbackAfterReady(ResultClasses):
    """A result is completed first and its callback called after: get() may return before the callback has run.

    A user whose callback stores the value somewhere (a dict, a progress bar) and who reads it
    right after get() finds it missing now and then.
    """

    BREAKS = ("callbacks.done-before-ready",)
    apply_result = _ReadyBeforeCallback
    map_result = _MapReadyBeforeCallback


class _ReadyWhileCallingBack(ApplyResult[Any]):
    _outcome_known = False

    def _call_back(self, ok: bool, value: Any) -> None:
        self._outcome_known = True
        ApplyResult._call_back(self, ok, value)

    def ready(self) -> bool:
        return self._outcome_known or ApplyResult.ready(self)


class _MapReadyWhileCallingBack(MapResult[Any]):
    _outcome_known = False
    _call_back = _ReadyWhileCallingBack._call_back
    ready = _ReadyWhileCallingBack.ready


class ReadyWhileTheCallbackRuns(ResultClasses):
    """ready() is True as soon as the outcome is known, while the callback is still running (get() does wait for it).

    A user who polls ready() and then reads what the callback stores finds it missing.
    """

    BREAKS = ("callbacks.done-before-ready",)
    apply_result = _ReadyWhileCallingBack
    map_result = _MapReadyWhileCallingBack


# -- on which thread -------------------------------------------------------------------------------


class _CallBackOnTheWorker(ApplyResult[Any]):
    def _finish(self, ok: bool, value: Any) -> None:
        if self._callback is None and self._error_callback is None:
            ApplyResult._finish(self, ok, value)
        else:
            self._call_back(ok, value)  # right here, not on the callback thread


class _MapCallBackOnTheWorker(MapResult[Any]):
    _finish = _CallBackOnTheWorker._finish


class CallbacksOnWorkerThreads(ResultClasses):
    """Each callback runs on the worker that finished the job, so callbacks of different jobs run at the same time.

    A user's callback that appends to a shared list or updates a counter without a lock (safe
    with the stdlib, whose callbacks run one at a time) loses updates.
    """

    BREAKS = ("callbacks.serialised",)
    apply_result = _CallBackOnTheWorker
    map_result = _MapCallBackOnTheWorker


class CallbacksRunByTheWaiter(ThreadPool):
    """Callbacks are run by whichever thread waits for a result (get(), wait(), join()), not by the pool.

    A user's callback then runs on the thread that submitted the job, often the main thread: it
    blocks that thread, and a callback that never expected to run there (a GUI thread, a request
    handler) does.
    """

    BREAKS = ("callbacks.not-on-submitting-thread",)

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        self._parked: queue.SimpleQueue[Tuple[Callable[..., None], Tuple[Any, ...]]] = queue.SimpleQueue()
        self._running_parked = threading.Lock()
        self._engine.defer = lambda call, *args: self._parked.put((call, args))  # type: ignore[method-assign]

    def run_parked(self, until: Callable[[], bool], timeout: Optional[float]) -> None:
        """Run parked callbacks on this thread until ``until()`` holds or ``timeout`` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not until():
            remaining = 0.01 if deadline is None else min(0.01, deadline - time.monotonic())
            if remaining < 0:
                return
            try:
                call, args = self._parked.get(timeout=remaining)
            except queue.Empty:
                continue
            with self._running_parked:
                call(*args)

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        return _Waiter(self, super().apply_async(*args, **kwargs))

    def map_async(self, *args: Any, **kwargs: Any) -> Any:
        return _Waiter(self, super().map_async(*args, **kwargs))

    def starmap_async(self, *args: Any, **kwargs: Any) -> Any:
        return _Waiter(self, super().starmap_async(*args, **kwargs))

    def join(self) -> None:
        super().join()
        while not self._parked.empty():
            call, args = self._parked.get()
            call(*args)


class _Waiter:
    """A result whose get() and wait() first run the pool's parked callbacks on the calling thread."""

    def __init__(self, pool: CallbacksRunByTheWaiter, inner: Any) -> None:
        self._pool = pool
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def wait(self, timeout: Optional[float] = None) -> None:
        self._pool.run_parked(self._inner.ready, timeout)
        self._inner.wait(0)

    def get(self, timeout: Optional[float] = None) -> Any:
        self._pool.run_parked(self._inner.ready, timeout)
        return self._inner.get(0)


# -- callbacks that raise --------------------------------------------------------------------------


class _SwallowsCallbackErrors(ApplyResult[Any]):
    def _call_back(self, ok: bool, value: Any) -> None:
        if not self._engine.retire(self):
            return
        callback = self._callback if ok else self._error_callback
        if callback is not None:
            try:
                callback(value)
            except Exception:  # noqa: BLE001, S110 - the bug: the callback's error is dropped
                pass
        self._complete(ok, value)


class _MapSwallowsCallbackErrors(MapResult[Any]):
    _call_back = _SwallowsCallbackErrors._call_back


class CallbackErrorsSwallowed(ResultClasses):
    """A callback's exception is dropped: get() returns the value as if the callback had worked.

    A user's callback that fails to store the value (a full disk, a closed connection) fails
    silently, and nothing tells the code that waits for the result.
    """

    BREAKS = ("callbacks.raising-callback-fails-result",)
    apply_result = _SwallowsCallbackErrors
    map_result = _MapSwallowsCallbackErrors


def _calling_back(failed: Callable[[BaseException, BaseException], None]) -> Callable[[Any, bool, Any], None]:
    """The reference's ``_call_back``, with ``failed(callback_error, task_error)`` instead of its chaining
    when an error_callback raises: each broken pool's bug."""

    def _call_back(self: Any, ok: bool, value: Any) -> None:
        if not self._engine.retire(self):
            return
        callback = self._callback if ok else self._error_callback
        if callback is not None:
            try:
                callback(value)
            except BaseException as exc:  # noqa: BLE001 - the result fails with it, as the reference's
                if not ok:
                    failed(exc, value)
                ok, value = False, exc
        self._complete(ok, value)

    return _call_back


def _append_again(exc: BaseException, original: BaseException) -> None:
    """Put ``original`` at the end of ``exc``'s context chain even where the chain holds it already."""
    last = exc
    while last.__context__ is not None and last.__context__ is not exc:
        last = last.__context__
    last.__context__ = original


class _DropsTheTaskError(ApplyResult[Any]):
    _call_back = _calling_back(lambda exc, original: None)


class _MapDropsTheTaskError(MapResult[Any]):
    _call_back = _DropsTheTaskError._call_back


class ErrorCallbackErrorHidesTheTaskError(ResultClasses):
    """When an error_callback raises, get() raises its exception with no trace of the task's:
    the traceback a user sees tells why the error handler failed, never what failed first."""

    BREAKS = ("callbacks.raising-callback-fails-result",)
    apply_result = _DropsTheTaskError
    map_result = _MapDropsTheTaskError


class _AppendsTheTaskErrorAgain(ApplyResult[Any]):
    _call_back = _calling_back(_append_again)


class _MapAppendsTheTaskErrorAgain(MapResult[Any]):
    _call_back = _AppendsTheTaskErrorAgain._call_back


class ErrorCallbackChainLoops(ResultClasses):
    """When an error_callback raises while handling the task's exception, the pool appends the task's
    exception to the chain again, at its end, which is that exception itself: its ``__context__``
    becomes itself, a cycle that code walking the chain (a logging formatter) loops on."""

    BREAKS = ("callbacks.raising-callback-fails-result",)
    apply_result = _AppendsTheTaskErrorAgain
    map_result = _MapAppendsTheTaskErrorAgain


class _WedgedByCallbackErrors(ApplyResult[Any]):
    wedged: Optional[threading.Event] = None

    def _call_back(self, ok: bool, value: Any) -> None:
        if not self._engine.retire(self):
            return
        callback = self._callback if ok else self._error_callback
        if callback is not None:
            try:
                callback(value)
            except Exception:  # noqa: BLE001 - the bug: the callback thread is stuck until terminate()
                assert self.wedged is not None
                self.wedged.wait()
                return
        self._complete(ok, value)


class _MapWedgedByCallbackErrors(MapResult[Any]):
    wedged: Optional[threading.Event] = None
    _call_back = _WedgedByCallbackErrors._call_back


class CallbackErrorWedgesThePool(ResultClasses):
    """A callback that raises stops the callback thread until terminate(), as the stdlib's dies (gh-83371).

    The result of that job never completes, nor does any later result with a callback; close();
    join() hangs. A user's whole program stalls on one bad callback.
    """

    BREAKS = ("callbacks.raising-callback-fails-result", "callbacks.raising-callback-keeps-pool")
    apply_result = _WedgedByCallbackErrors
    map_result = _MapWedgedByCallbackErrors

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        self._wedged = threading.Event()
        super().__init__(processes, initializer, initargs)

    def new_apply_result(self, callback: Any, error_callback: Any) -> ApplyResult[Any]:
        result = super().new_apply_result(callback, error_callback)
        result.wedged = self._wedged  # type: ignore[attr-defined]
        return result

    def new_map_result(self, *args: Any) -> MapResult[Any]:
        result = super().new_map_result(*args)
        result.wedged = self._wedged  # type: ignore[attr-defined]
        return result

    def terminate(self) -> None:
        super().terminate()
        self._wedged.set()

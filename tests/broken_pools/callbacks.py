"""Broken pools of the callbacks family: callbacks called twice, too late, on the wrong thread, with the wrong value, for tasks that never ran."""

from __future__ import annotations

import concurrent.futures
import queue
import threading
import time
from multiprocessing.pool import ThreadPool as StdlibThreadPool
from typing import Any, Callable, Iterable, List, Mapping, Optional, Tuple

from poolspec.reference import ThreadPool

from .wrappers import ResultProxy

Callback = Optional[Callable[[Any], object]]
NO_KEYWORDS: Mapping[str, Any] = {}

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


class _ChangedCallbacks(ThreadPool):
    """The async forms pass their callbacks through :meth:`changed` (each broken pool's own), which
    also says what to hand out in place of the reference's result."""

    def changed(self, callback: Callback, error_callback: Callback) -> Tuple[Callback, Callback, Callable[[Any], Any]]:
        raise NotImplementedError

    def apply_async(self, func: Any, args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Callback = None, error_callback: Callback = None) -> Any:
        callback, error_callback, handed_out = self.changed(callback, error_callback)
        return handed_out(super().apply_async(func, args, kwds, callback, error_callback))

    def map_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        callback, error_callback, handed_out = self.changed(callback, error_callback)
        return handed_out(super().map_async(func, iterable, chunksize, callback, error_callback))

    def starmap_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        callback, error_callback, handed_out = self.changed(callback, error_callback)
        return handed_out(super().starmap_async(func, iterable, chunksize, callback, error_callback))


def _as_it_is(result: Any) -> Any:
    return result


def _each(callbacks: Tuple[Callback, Callback], change: Callable[[Callable[[Any], object]], Callback]) -> Tuple[Callback, Callback]:
    """Both callbacks changed by ``change``, a missing one left missing."""
    return (None if callbacks[0] is None else change(callbacks[0]), None if callbacks[1] is None else change(callbacks[1]))


# -- when ------------------------------------------------------------------------------------------


class CallbackAfterReady(_ChangedCallbacks):
    """A result is completed first and its callback called after: get() may return before the callback has run.

    (The pool only queues each callback, for a thread of its own to call later.) A user whose
    callback stores the value somewhere (a dict, a progress bar) and who reads it right after
    get() finds it missing now and then.
    """

    BREAKS = ("callbacks.done-before-ready",)

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        self._queued: queue.SimpleQueue[Optional[Tuple[Callable[[Any], object], Any]]] = queue.SimpleQueue()
        self._calling = threading.Thread(target=self._call_queued, name="callbacks after ready", daemon=True)
        self._calling.start()

    def _call_queued(self) -> None:
        for callback, value in iter(self._queued.get, None):
            try:
                callback(value)
            except Exception:  # noqa: BLE001, S110 - the thread must go on
                pass

    def changed(self, callback: Callback, error_callback: Callback) -> Tuple[Callback, Callback, Callable[[Any], Any]]:
        def queued(target: Callable[[Any], object]) -> Callback:
            return lambda value: self._queued.put((target, value))

        return (*_each((callback, error_callback), queued), _as_it_is)

    def join(self) -> None:
        super().join()
        self._queued.put(None)
        self._calling.join()

    def terminate(self) -> None:
        super().terminate()
        self._queued.put(None)


class _ReadyOnceCalledBack(ResultProxy):
    def __init__(self, inner: Any, called: threading.Event) -> None:
        super().__init__(inner)
        self.called = called

    def ready(self) -> bool:
        return self.called.is_set() or self.inner.ready()


class ReadyWhileTheCallbackRuns(_ChangedCallbacks):
    """ready() is True as soon as the outcome is known, while the callback is still running (get() does wait for it).

    A user who polls ready() and then reads what the callback stores finds it missing.
    """

    BREAKS = ("callbacks.done-before-ready",)

    def changed(self, callback: Callback, error_callback: Callback) -> Tuple[Callback, Callback, Callable[[Any], Any]]:
        called = threading.Event()

        def announced(target: Callable[[Any], object]) -> Callback:
            def call(value: Any) -> None:
                called.set()
                target(value)

            return call

        return (*_each((callback, error_callback), announced), lambda result: _ReadyOnceCalledBack(result, called))


# -- on which thread -------------------------------------------------------------------------------


class CallbacksOnWorkerThreads(ThreadPool):
    """apply_async() calls back on the worker that ran the task, so callbacks of different jobs run at the same time.

    A user's callback that appends to a shared list or updates a counter without a lock (safe
    with the stdlib, whose callbacks run one at a time) loses updates.
    """

    BREAKS = ("callbacks.serialised",)

    def apply_async(self, func: Any, args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Callback = None, error_callback: Callback = None) -> Any:
        if not callable(func):
            return super().apply_async(func, args, kwds, callback, error_callback)

        def calling_back(*call_args: Any, **call_kwds: Any) -> Any:
            try:
                value = func(*call_args, **call_kwds)
            except BaseException as exc:
                if error_callback is not None:
                    error_callback(exc)
                raise
            if callback is not None:
                callback(value)
            return value

        return super().apply_async(calling_back, args, kwds)


class CallbacksRunByTheWaiter(_ChangedCallbacks):
    """Callbacks are run by whichever thread waits for a result (get(), wait(), join()), not by the pool.

    A user's callback then runs on the thread that submitted the job, often the main thread: it
    blocks that thread, and a callback that never expected to run there (a GUI thread, a request
    handler) does.
    """

    BREAKS = ("callbacks.not-on-submitting-thread",)

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        self._parked: queue.SimpleQueue[Tuple[Callable[[Any], object], Any, threading.Event]] = queue.SimpleQueue()
        self._running_parked = threading.Lock()

    def changed(self, callback: Callback, error_callback: Callback) -> Tuple[Callback, Callback, Callable[[Any], Any]]:
        parked, called = threading.Event(), threading.Event()

        def park(target: Callable[[Any], object]) -> Callback:
            def call(value: Any) -> None:
                parked.set()
                self._parked.put((target, value, called))

            return call

        return (*_each((callback, error_callback), park), lambda result: _Waiter(self, result, parked, called))

    def run_parked(self, until: Callable[[], bool], timeout: Optional[float]) -> None:
        """Run parked callbacks on this thread until ``until()`` holds or ``timeout`` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not until():
            remaining = 0.01 if deadline is None else min(0.01, deadline - time.monotonic())
            if remaining < 0:
                return
            try:
                callback, value, called = self._parked.get(timeout=remaining)
            except queue.Empty:
                continue
            with self._running_parked:
                _call_parked(callback, value, called)

    def join(self) -> None:
        super().join()
        while not self._parked.empty():
            _call_parked(*self._parked.get())


def _call_parked(callback: Callable[[Any], object], value: Any, called: threading.Event) -> None:
    try:
        callback(value)
    except Exception:  # noqa: BLE001, S110 - the waiter goes on
        pass
    finally:
        called.set()


class _Waiter(ResultProxy):
    """A result whose get() and wait() first run the pool's parked callbacks on the calling thread, until its own has run."""

    def __init__(self, pool: CallbacksRunByTheWaiter, inner: Any, parked: threading.Event, called: threading.Event) -> None:
        super().__init__(inner)
        self.pool = pool
        self.parked = parked
        self.called = called

    def done(self) -> bool:
        # The reference parks a callback before it completes the result: once ready, parked is final.
        return bool(self.inner.ready()) and (not self.parked.is_set() or self.called.is_set())

    def ready(self) -> bool:
        return self.done()

    def wait(self, timeout: Optional[float] = None) -> None:
        self.pool.run_parked(self.done, timeout)

    def get(self, timeout: Optional[float] = None) -> Any:
        self.pool.run_parked(self.done, timeout)
        return self.inner.get(0)


# -- callbacks that raise --------------------------------------------------------------------------


class CallbackErrorsSwallowed(_ChangedCallbacks):
    """A callback's exception is dropped: get() returns the value as if the callback had worked.

    A user's callback that fails to store the value (a full disk, a closed connection) fails
    silently, and nothing tells the code that waits for the result.
    """

    BREAKS = ("callbacks.raising-callback-fails-result",)

    def changed(self, callback: Callback, error_callback: Callback) -> Tuple[Callback, Callback, Callable[[Any], Any]]:
        def swallowing(target: Callable[[Any], object]) -> Callback:
            def call(value: Any) -> None:
                try:
                    target(value)
                except Exception:  # noqa: BLE001, S110 - the bug: the callback's error is dropped
                    pass

            return call

        return (*_each((callback, error_callback), swallowing), _as_it_is)


class _ErrorCallbackFailure:
    """What the error_callback of one job raised, and the task's exception it was called with."""

    def __init__(self) -> None:
        self.task_error: Optional[BaseException] = None
        self.raised: Optional[BaseException] = None

    def watching(self, error_callback: Callback) -> Callback:
        if error_callback is None:
            return None
        target = error_callback

        def call(task_error: BaseException) -> None:
            try:
                target(task_error)
            except BaseException as exc:
                self.task_error, self.raised = task_error, exc
                raise

        return call


class _ChainChanged(ResultProxy):
    """A result whose get() passes the error_callback's exception through ``change(raised, task_error)`` before raising it."""

    def __init__(self, inner: Any, failure: _ErrorCallbackFailure, change: Callable[[BaseException, BaseException], None]) -> None:
        super().__init__(inner)
        self.failure = failure
        self.change = change

    def get(self, timeout: Optional[float] = None) -> Any:
        try:
            return self.inner.get(timeout)
        except BaseException as exc:
            if exc is self.failure.raised and self.failure.task_error is not None:
                self.change(exc, self.failure.task_error)
            raise


class _ErrorCallbackChainChanged(_ChangedCallbacks):
    """When an error_callback raises, get() raises its exception with its context chain changed by :meth:`change`."""

    change: Callable[[BaseException, BaseException], None]

    def changed(self, callback: Callback, error_callback: Callback) -> Tuple[Callback, Callback, Callable[[Any], Any]]:
        failure = _ErrorCallbackFailure()
        return callback, failure.watching(error_callback), lambda result: _ChainChanged(result, failure, self.change)


def _cut_out(exc: BaseException, original: BaseException) -> None:
    """Take ``original`` out of ``exc``'s context chain, and what follows it."""
    seen = {id(exc)}
    link = exc
    while link.__context__ is not None and id(link.__context__) not in seen:
        if link.__context__ is original:
            link.__context__ = None
            return
        link = link.__context__
        seen.add(id(link))


def _append_again(exc: BaseException, original: BaseException) -> None:
    """Put ``original`` at the end of ``exc``'s context chain even where the chain holds it already."""
    last = exc
    while last.__context__ is not None and last.__context__ is not exc:
        last = last.__context__
    last.__context__ = original


class ErrorCallbackErrorHidesTheTaskError(_ErrorCallbackChainChanged):
    """When an error_callback raises, get() raises its exception with no trace of the task's:
    the traceback a user sees tells why the error handler failed, never what failed first."""

    BREAKS = ("callbacks.raising-callback-fails-result",)
    change = staticmethod(_cut_out)


class ErrorCallbackChainLoops(_ErrorCallbackChainChanged):
    """When an error_callback raises while handling the task's exception, the pool appends the task's
    exception to the chain again, at its end, which is that exception itself: its ``__context__``
    becomes itself, a cycle that code walking the chain (a logging formatter) loops on."""

    BREAKS = ("callbacks.raising-callback-fails-result",)
    change = staticmethod(_append_again)


class CallbackErrorWedgesThePool(_ChangedCallbacks):
    """A callback that raises stops the callback thread until terminate(), as the stdlib's dies (gh-83371).

    The result of that job never completes, nor does any later result with a callback; close();
    join() hangs. A user's whole program stalls on one bad callback.
    """

    BREAKS = ("callbacks.raising-callback-fails-result", "callbacks.raising-callback-keeps-pool")

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        self._wedged = threading.Event()
        super().__init__(processes, initializer, initargs)

    def changed(self, callback: Callback, error_callback: Callback) -> Tuple[Callback, Callback, Callable[[Any], Any]]:
        wedged = self._wedged

        def wedging(target: Callable[[Any], object]) -> Callback:
            def call(value: Any) -> None:
                try:
                    target(value)
                except Exception:
                    wedged.wait()  # the bug: the callback thread is stuck until terminate()
                    raise

            return call

        return (*_each((callback, error_callback), wedging), _as_it_is)

    def terminate(self) -> None:
        super().terminate()
        self._wedged.set()

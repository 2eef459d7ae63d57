"""Broken pools of the stress family: races that show only when threads really run at the same time.

Each is the stdlib's pool or the reference with some bookkeeping of its own added, through the
public API only, and without the lock that bookkeeping needs. With the GIL the racing steps are
never interleaved (no thread switch can fall between them), so these pools pass a plain run there;
on a free-threaded Python two threads can run them at the same moment, and the kit's stress mode
(``--poolspec-stress=N``) makes that happen often enough to be seen. ``STRESS`` is the number of
threads the self-check runs the stress mode with; where threads cannot run at once it skips them.
"""

from __future__ import annotations

import functools
import multiprocessing
import threading
import time
from multiprocessing.pool import ThreadPool as StdlibThreadPool
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple

from poolspec.reference import ThreadPool

Callback = Optional[Callable[[Any], object]]

# -- helpers: not broken pools themselves (no BREAKS) ---------------------------------------------


class HandedResult:
    """A result that its pool completes with :meth:`set`, after calling the job's callback: correct on its own."""

    def __init__(self, callback: Callback, error_callback: Callback) -> None:
        self._callbacks = {True: callback, False: error_callback}
        self._ready = threading.Event()
        self._ok = False
        self._value: Any = None

    def set(self, ok: bool, value: Any) -> None:
        callback = self._callbacks[ok]
        if callback is not None:
            callback(value)
        self._ok, self._value = ok, value
        self._ready.set()

    def ready(self) -> bool:
        return self._ready.is_set()

    def successful(self) -> bool:
        if not self.ready():
            raise ValueError(f"{self!r} not ready")
        return self._ok

    def wait(self, timeout: Optional[float] = None) -> None:
        self._ready.wait(timeout)

    def get(self, timeout: Optional[float] = None) -> Any:
        if not self._ready.wait(timeout):
            raise multiprocessing.TimeoutError
        if self._ok:
            return self._value
        raise self._value


# -- an unlocked job counter -----------------------------------------------------------------------


class UnlockedJobCounter(StdlibThreadPool):
    """Numbers its jobs with an unlocked read-modify-write of a counter, and keeps each job's result in a dict under its number until the stdlib's result handler delivers it.

    One submitting thread never notices. When two threads submit at the same moment on a
    free-threaded Python, both jobs can get the same number: the first to finish completes the
    other's result with its own value, and the second finds no result left (the stdlib's result
    handler ignores the KeyError), so its own result never completes.
    """

    BREAKS = ("stress.results-once",)
    STRESS = 8

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        self._jobs_numbered = 0
        self._awaiting: Dict[int, HandedResult] = {}
        super().__init__(processes, initializer, initargs)

    def _numbered(self, callback: Callback, error_callback: Callback) -> Tuple[HandedResult, Dict[str, Callback]]:
        """A new result under a new number, and the callbacks with which the stdlib's pool delivers it."""
        result = HandedResult(callback, error_callback)
        job = self._jobs_numbered  # read …
        self._awaiting[job] = result
        self._jobs_numbered = job + 1  # … and write, with no lock between
        return result, {"callback": functools.partial(self._deliver, job, True), "error_callback": functools.partial(self._deliver, job, False)}

    def _deliver(self, job: int, ok: bool, value: Any) -> None:
        self._awaiting.pop(job).set(ok, value)

    def apply_async(
        self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Optional[Mapping[str, Any]] = None, callback: Callback = None, error_callback: Callback = None
    ) -> Any:
        result, delivery = self._numbered(callback, error_callback)
        super().apply_async(func, tuple(args), dict(kwds or {}), **delivery)
        return result

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        result, delivery = self._numbered(callback, error_callback)
        super().map_async(func, iterable, chunksize, **delivery)
        return result

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        result, delivery = self._numbered(callback, error_callback)
        super().starmap_async(func, iterable, chunksize, **delivery)
        return result


# -- an unlocked check-then-act on a result's state ------------------------------------------------


class _CalledBack(HandedResult):
    """A result of :class:`CallbacksRunByFreeWorkers`: its outcome once its task has run, and whether it was called back."""

    def __init__(self, callback: Callback, error_callback: Callback) -> None:
        super().__init__(callback, error_callback)
        self.outcome: Tuple[bool, Any] = (False, None)
        self.called_back = False


class CallbacksRunByFreeWorkers(ThreadPool):
    """apply_async() calls back on whichever worker is free: after each task a worker calls back every result whose task has run and that was not called back yet, checking that flag before taking the callback lock and setting it only after the callback returned.

    Callbacks run one at a time, under that lock (map_async's too), and a result is ready once
    its callback has returned. One worker at a time never notices. When two workers finish tasks at
    about the same moment on a free-threaded Python, both find the same result not called back yet,
    and each calls it back: its callback is called twice.
    """

    BREAKS = ("stress.callbacks-once-serialised",)
    STRESS = 8

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        self._one_callback_at_a_time = threading.Lock()
        self._to_call_back: Dict[_CalledBack, None] = {}  # in the order their tasks ran

    def apply_async(
        self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Optional[Mapping[str, Any]] = None, callback: Callback = None, error_callback: Callback = None
    ) -> Any:
        result = _CalledBack(callback, error_callback)
        super().apply_async(self._run, (result, func, tuple(args), dict(kwds or {})))
        return result

    def _run(self, result: _CalledBack, func: Callable[..., Any], args: Tuple[Any, ...], kwds: Dict[str, Any]) -> None:
        try:
            result.outcome = (True, func(*args, **kwds))
        except Exception as exc:  # noqa: BLE001 - the result fails with it
            result.outcome = (False, exc)
        self._to_call_back[result] = None
        for ran in list(self._to_call_back):
            if not ran.called_back:  # checked before the lock …
                with self._one_callback_at_a_time:
                    ran.set(*ran.outcome)
                ran.called_back = True  # … and set after the callback, with nothing to stop another worker between
                self._to_call_back.pop(ran, None)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        return super().map_async(func, iterable, chunksize, self._one_at_a_time(callback), self._one_at_a_time(error_callback))

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        return super().starmap_async(func, iterable, chunksize, self._one_at_a_time(callback), self._one_at_a_time(error_callback))

    def _one_at_a_time(self, callback: Callback) -> Callback:
        """``callback`` run under the lock that apply_async's callbacks run under."""
        if callback is None:
            return None

        def locked(value: Any) -> None:
            with self._one_callback_at_a_time:
                callback(value)

        return locked


# -- a wake-up that can be missed ------------------------------------------------------------------


class _CheckedOutsideTheLock(HandedResult):
    """A result whose wait() checks whether it is done outside the lock of the condition it then waits on."""

    def __init__(self, callback: Callback, error_callback: Callback) -> None:
        super().__init__(callback, error_callback)
        self._changed = threading.Condition()
        self._done = False

    def set(self, ok: bool, value: Any) -> None:
        callback = self._callbacks[ok]
        if callback is not None:
            callback(value)
        with self._changed:
            self._ok, self._value, self._done = ok, value, True
            self._changed.notify_all()

    def ready(self) -> bool:
        return self._done

    def wait(self, timeout: Optional[float] = None) -> None:
        if not self._done:  # checked outside the lock: a notify_all() that comes now is missed …
            with self._changed:
                self._changed.wait(timeout)  # … and this waits until the timeout, or for ever

    def get(self, timeout: Optional[float] = None) -> Any:
        self.wait(timeout)
        if not self._done:
            raise multiprocessing.TimeoutError
        if self._ok:
            return self._value
        raise self._value


class WaitChecksOutsideTheLock(ThreadPool):
    """The results of apply_async(), map_async() and starmap_async() check whether they are done before taking the lock of the condition they wait on.

    A result that completes between that check and the wait notifies nobody: get() or wait()
    without a timeout then blocks for ever, and with one it returns only when the timeout ends.
    With the GIL the completing thread almost never runs in that gap; on a free-threaded Python,
    threads that wait on results completing at the same moment hit it.
    """

    BREAKS = ("stress.no-lost-wakeup",)
    STRESS = 8

    def _late_checked(self, submit: Callable[..., Any], callback: Callback, error_callback: Callback) -> Any:
        result = _CheckedOutsideTheLock(callback, error_callback)
        submit(callback=functools.partial(result.set, True), error_callback=functools.partial(result.set, False))
        return result

    def apply_async(
        self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Optional[Mapping[str, Any]] = None, callback: Callback = None, error_callback: Callback = None
    ) -> Any:
        return self._late_checked(functools.partial(super().apply_async, func, args, dict(kwds or {})), callback, error_callback)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        return self._late_checked(functools.partial(super().map_async, func, iterable, chunksize), callback, error_callback)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        return self._late_checked(functools.partial(super().starmap_async, func, iterable, chunksize), callback, error_callback)


# -- bookkeeping read while it changes -------------------------------------------------------------


class OldestJobScannedUnlocked(StdlibThreadPool):
    """Keeps the submission time of every outstanding job in a dict, and after each result its result handler finds the oldest with min() over that dict, while submitting threads add to it with no lock.

    (Its ``oldest_outstanding`` tells how long the oldest job has waited.) With the GIL min() runs
    without a thread switch; on a free-threaded Python a thread submitting meanwhile makes it
    raise RuntimeError (dictionary changed size during iteration), which ends the stdlib's result
    handler: no later result completes, and join() hangs.
    """

    BREAKS = ("stress.no-uncaught-exception",)
    STRESS = 8

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        self._submitted: Dict[object, float] = {}
        self.oldest_outstanding: Optional[float] = None
        super().__init__(processes, initializer, initargs)

    def _tracked(self, callback: Callback, error_callback: Callback) -> Dict[str, Callback]:
        """Record a new job: the callbacks that forget it once it is done, then call the job's own."""
        job = object()
        self._submitted[job] = time.monotonic()
        return {"callback": functools.partial(self._done, job, callback), "error_callback": functools.partial(self._done, job, error_callback)}

    def _done(self, job: object, callback: Callback, value: Any) -> None:
        del self._submitted[job]
        self.oldest_outstanding = min(self._submitted.values(), default=None)  # iterates while others add
        if callback is not None:
            callback(value)

    def apply_async(
        self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Optional[Mapping[str, Any]] = None, callback: Callback = None, error_callback: Callback = None
    ) -> Any:
        return super().apply_async(func, tuple(args), dict(kwds or {}), **self._tracked(callback, error_callback))

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        return super().map_async(func, iterable, chunksize, **self._tracked(callback, error_callback))

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        return super().starmap_async(func, iterable, chunksize, **self._tracked(callback, error_callback))

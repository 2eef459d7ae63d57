"""Broken pools of the concurrency family: state shared between submitters, jobs run one at a time, interrupted waiters, results lost with the pool."""

from __future__ import annotations

import threading
import warnings
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional

from poolspec.reference import ThreadPool

from .wrappers import IteratorProxy, Proxied, ResultProxy

NO_KEYWORDS: Mapping[str, Any] = {}

# -- several submitting threads --------------------------------------------------------------------


class FunctionKeptOnThePool(ThreadPool):
    """Each submission stores its function on the pool, and the tasks call whatever function is stored when they run.

    Code that submits one job and waits for it never notices. Two threads submitting at once
    (or one thread with two jobs of different functions in flight) get each other's function
    applied to their items: wrong values, no error.
    """

    BREAKS = ("concurrency.threaded-submission",)

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        return self._last_func(*args, **kwargs)

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Any = None, error_callback: Any = None) -> Any:
        self._last_func = func
        return super().apply_async(self._call, args, kwds, callback, error_callback)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        self._last_func = func
        return super().map_async(self._call, iterable, chunksize, callback, error_callback)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        self._last_func = func
        return super().starmap_async(self._call, iterable, chunksize, callback, error_callback)

    def imap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1, **kwargs: Any) -> Any:
        self._last_func = func
        return super().imap(self._call, iterable, chunksize, **kwargs)

    def imap_unordered(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1, **kwargs: Any) -> Any:
        self._last_func = func
        return super().imap_unordered(self._call, iterable, chunksize, **kwargs)


class LastResultKeptOnThePool(ThreadPool):
    """apply(), map() and starmap() keep the result they wait for on the pool, and return whichever result is stored when the wait ends.

    One thread at a time never notices. With two threads calling map() at once, one of them
    gets the other's list.
    """

    BREAKS = ("concurrency.threaded-submission",)

    def _wait_for_last(self) -> Any:
        self._last.wait()
        return self._last.get()

    def apply(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS) -> Any:
        self._last = self.apply_async(func, args, kwds)
        return self._wait_for_last()

    def map(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> List[Any]:
        self._last = self.map_async(func, iterable, chunksize)
        return self._wait_for_last()  # type: ignore[no-any-return]

    def starmap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> List[Any]:
        self._last = self.starmap_async(func, iterable, chunksize)
        return self._wait_for_last()  # type: ignore[no-any-return]


# -- jobs in parallel ------------------------------------------------------------------------------


class _JobTurns:
    """Lets the tasks of one job at a time run: a task of another job waits until none of the current job's is running."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._owner: Optional[object] = None
        self._running = 0

    @contextmanager
    def turn(self, job: object) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._owner is None or self._owner is job)
            self._owner = job
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                if not self._running:
                    self._owner = None
                    self._changed.notify_all()


class OneJobAtATime(ThreadPool):
    """The tasks of one job run in parallel, but a job's tasks wait while another job has tasks running.

    A single map() runs as fast as ever; separate apply_async() calls, or maps from two
    threads, run one after the other, and a job that waits for another job's task deadlocks.
    """

    BREAKS = ("concurrency.parallel-jobs",)

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        self._turns = _JobTurns()

    def _in_turn(self, func: Callable[..., Any]) -> Callable[..., Any]:
        job = object()

        def task(*args: Any, **kwargs: Any) -> Any:
            with self._turns.turn(job):
                return func(*args, **kwargs)

        return task

    def apply_async(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return super().apply_async(self._in_turn(func), *args, **kwargs)

    def map_async(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return super().map_async(self._in_turn(func), *args, **kwargs)

    def starmap_async(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return super().starmap_async(self._in_turn(func), *args, **kwargs)

    def imap(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return super().imap(self._in_turn(func), *args, **kwargs)

    def imap_unordered(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return super().imap_unordered(self._in_turn(func), *args, **kwargs)


# -- interrupted waiters --------------------------------------------------------------------------


class _Turns:
    """Lets one thread at a time through ``call``; the lock is let go on return or on an ``Exception``,
    not on a ``BaseException`` such as KeyboardInterrupt (the bug of the two pools below)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def through(self, call: Callable[..., Any], *args: Any) -> Any:
        self._lock.acquire()
        try:
            value = call(*args)
        except Exception:
            self._lock.release()
            raise
        self._lock.release()
        return value


class _WaitersInTurn(ResultProxy):
    """A result whose get() and wait() let one thread at a time wait."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self._turns = _Turns()

    def get(self, timeout: Optional[float] = None) -> Any:
        return self._turns.through(self.inner.get, timeout)

    def wait(self, timeout: Optional[float] = None) -> None:
        self._turns.through(self.inner.wait, timeout)


class ResultWaitersTakeTurns(Proxied):
    """get() and wait() let one thread at a time wait on a result, through a lock that they let go of
    on return and on an Exception, but not on KeyboardInterrupt.

    One waiter at a time never notices. When two threads wait on one result and Ctrl-C (or a signal
    handler's exception) lands in the first as it wakes, that one keeps the lock, and the other
    waits for ever although the result is ready. Built on the public API only.
    """

    BREAKS = ("concurrency.interrupted-waiter",)
    result_proxy = _WaitersInTurn


class _ConsumersInTurn(IteratorProxy):
    """An imap iterator whose next() lets one thread at a time wait."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self._turns = _Turns()

    def next(self, timeout: Optional[float] = None) -> Any:
        return self._turns.through(self.inner.next, timeout)


class ImapConsumersTakeTurns(Proxied):
    """next() of an imap() or imap_unordered() iterator lets one thread at a time wait, through a lock
    that it lets go of on return and on an Exception, but not on KeyboardInterrupt.

    When two threads consume one iterator and Ctrl-C lands in the first as it wakes, that one keeps
    the lock, and the other waits for ever, the result it could take ready. Built on the public API only.
    """

    BREAKS = ("concurrency.interrupted-consumer",)
    iterator_proxy = _ConsumersInTurn


# -- results outliving the pool --------------------------------------------------------------------


class ResultsDoNotKeepThePoolAlive(ThreadPool):
    """Results and imap iterators do not hold their pool: a pool the user dropped is collected, and terminated, while it still owes them.

    ``results = ThreadPool(4).map_async(f, items)`` (no name kept for the pool) fails with
    PoolTerminatedError, or at random when the garbage collector happens to run. (The pool is a
    front that hands every call to a reference pool of its own, which the results do hold;
    collecting the front terminates that pool.)
    """

    BREAKS = ("concurrency.results-outlive-pool",)

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        # No ThreadPool.__init__: this object is only the front.
        self.inner = ThreadPool(processes, initializer, initargs)
        self.running = [True]
        weakref.finalize(self, _front_collected, self.inner, self.running)

    def apply(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.apply(*args, **kwargs)

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.apply_async(*args, **kwargs)

    def map(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.map(*args, **kwargs)

    def map_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.map_async(*args, **kwargs)

    def starmap(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.starmap(*args, **kwargs)

    def starmap_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.starmap_async(*args, **kwargs)

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.imap(*args, **kwargs)

    def imap_unordered(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.imap_unordered(*args, **kwargs)

    def close(self) -> None:
        self.running[0] = False
        self.inner.close()

    def terminate(self) -> None:
        self.running[0] = False
        self.inner.terminate()

    def join(self) -> None:
        self.inner.join()

    def __enter__(self) -> ResultsDoNotKeepThePoolAlive:
        self.inner.__enter__()
        return self

    def __repr__(self) -> str:
        return repr(self.inner)


def _front_collected(pool: ThreadPool, running: List[bool]) -> None:
    pool.terminate()
    if running[0]:
        warnings.warn("unclosed running pool", ResourceWarning, stacklevel=1)

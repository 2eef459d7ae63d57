"""Broken pools of the shutdown family."""

from __future__ import annotations

import atexit
import multiprocessing.pool
import queue
import threading
import weakref
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from poolspec.reference import PoolTerminatedError, ThreadPool, TimeoutError

from .wrappers import IteratorProxy, Proxied, ResultProxy, Sized, Tracked

Callback = Optional[Callable[[Any], object]]


# -- refusing work --------------------------------------------------------------------------------


class TerminatedPoolAcceptsWork(multiprocessing.pool.ThreadPool):
    """Only close() makes the pool refuse work: after terminate(), submissions are accepted and never
    run, so apply() blocks for ever and an async result never becomes ready."""

    BREAKS = ("shutdown.close-rejects-submit",)

    def _check_running(self) -> None:
        if self._state == multiprocessing.pool.CLOSE:  # type: ignore[attr-defined]
            raise ValueError("Pool not running")


class ImapUnorderedAfterClose(Tracked):
    """imap_unordered() on a closed or terminated pool returns an empty iterator instead of raising:
    the caller silently gets no results."""

    BREAKS = ("shutdown.close-rejects-submit",)

    def imap_unordered(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, **kwargs: Any) -> Iterator[Any]:
        if self.state != "RUN":
            return iter(())
        return super().imap_unordered(func, iterable, chunksize, **kwargs)


class JoinWhileRunningReturns(multiprocessing.pool.ThreadPool):
    """join() on a running pool returns at once instead of raising ValueError: a forgotten close() goes unnoticed."""

    BREAKS = ("shutdown.join-while-running-rejected", "shutdown.lifecycle-model")

    def join(self) -> None:
        if self._state == multiprocessing.pool.RUN:  # type: ignore[attr-defined]
            return
        super().join()


class ReprWithoutState(multiprocessing.pool.ThreadPool):
    """repr() is the default '<... object at 0x...>', as before Python 3.8: logs show neither state nor size."""

    BREAKS = ("shutdown.repr",)

    __repr__ = object.__repr__


# -- join ----------------------------------------------------------------------------------------


class JoinAfterTerminateDoesNotWait(multiprocessing.pool.ThreadPool):
    """join() after terminate() returns at once, while a task still runs on a worker thread."""

    BREAKS = ("shutdown.join-ends-threads",)

    def join(self) -> None:
        if self._state == multiprocessing.pool.TERMINATE:  # type: ignore[attr-defined]
            return
        super().join()


class TerminateLeavesAThread(ThreadPool):
    """A housekeeping thread of the pool is stopped by close() but not by terminate(): after
    terminate(); join() it is still running."""

    BREAKS = ("shutdown.join-ends-threads",)

    def __init__(self, processes: Optional[int] = None, initializer: Optional[Callable[..., object]] = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        self._housekeeping_stop = threading.Event()
        threading.Thread(target=self._housekeeping_stop.wait, args=(30,), name="housekeeping", daemon=True).start()

    def close(self) -> None:
        self._housekeeping_stop.set()
        super().close()


class JoinDoesNotWaitAfterClose(Tracked):
    """join() after close() returns at once, without waiting for the queued tasks: results read
    after join() are not ready."""

    BREAKS = ("shutdown.close-join-waits-for-all",)

    def join(self) -> None:
        if self.state == "CLOSE":
            return
        super().join()


def _detached(callback: Callback) -> Callback:
    """``callback`` run on a fresh thread of its own that nobody waits for."""
    if callback is None:
        return None
    target = callback
    return lambda value: threading.Thread(target=target, args=(value,), daemon=True).start()


class CallbacksOnTheirOwnThreads(ThreadPool):
    """Each callback runs on a fresh thread that nobody waits for: join() returns before the callbacks have run."""

    BREAKS = ("shutdown.close-join-waits-for-all",)

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = {}, callback: Callback = None, error_callback: Callback = None) -> Any:
        return super().apply_async(func, args, kwds, _detached(callback), _detached(error_callback))

    def map_async(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Callback = None, error_callback: Callback = None) -> Any:
        return super().map_async(func, iterable, chunksize, _detached(callback), _detached(error_callback))


class LazyImap(Tracked):
    """imap() reads its input only as the caller iterates, one apply() per item: after close(); join()
    the input has not been read, and iterating then raises ValueError."""

    BREAKS = ("shutdown.close-join-waits-for-all",)

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, **kwargs: Any) -> Iterator[Any]:
        self.check_running()
        return (self.apply(func, (item,)) for item in iterable)


class JoinCutsTheImapInput(ThreadPool):
    """imap() and imap_unordered() read an input that is its own iterator (a generator, a file) on a
    thread of their own and hand its items on as they come, as a port over concurrent.futures does;
    join() waits for the items handed on so far, not for that thread. After close(); join() with an
    input that is slow to produce its items, every item it had not yet produced is lost: its task
    never runs and the iterator ends without its result. (Sequences, and inputs with buffersize,
    are read as the reference reads them.)"""

    BREAKS = ("shutdown.join-waits-for-slow-input",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stopping = threading.Event()
        self._feeds: List[queue.SimpleQueue[Tuple[str, Any]]] = []

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._read_apart(super().imap, func, iterable, chunksize, buffersize)

    def imap_unordered(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._read_apart(super().imap_unordered, func, iterable, chunksize, buffersize)

    def _read_apart(self, method: Callable[..., Any], func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int, buffersize: Optional[int]) -> Any:
        """``method`` over the items a reader thread hands on from ``iterable``, until join() or terminate()."""
        items = iter(iterable)
        if items is not iterable or buffersize is not None:
            return method(func, iterable, chunksize, buffersize)
        feed: queue.SimpleQueue[Tuple[str, Any]] = queue.SimpleQueue()
        results = method(func, _handed_on(feed), chunksize)
        self._feeds.append(feed)
        threading.Thread(target=_hand_on, args=(items, feed, self._stopping), daemon=True).start()
        return results

    def _stop_reading(self) -> None:
        self._stopping.set()
        for feed in self._feeds:
            feed.put(("end", None))

    def join(self) -> None:
        self._stop_reading()
        super().join()

    def terminate(self) -> None:
        self._stop_reading()
        super().terminate()


def _hand_on(items: Iterator[Any], feed: queue.SimpleQueue[Tuple[str, Any]], stopping: threading.Event) -> None:
    """Put each of ``items`` on ``feed`` until they end or ``stopping`` is set; an input error too."""
    try:
        for item in items:
            if stopping.is_set():
                return
            feed.put(("item", item))
    except Exception as exc:  # noqa: BLE001 - handed on, the input's error
        feed.put(("error", exc))
    feed.put(("end", None))


def _handed_on(feed: Union[queue.SimpleQueue[Tuple[str, Any]], queue.Queue[Tuple[str, Any]]]) -> Iterator[Any]:
    """The items on ``feed`` up to its first end."""
    while True:
        kind, value = feed.get()
        if kind == "end":
            return
        if kind == "error":
            raise value
        yield value


class CloseTerminates(ThreadPool):
    """close() behaves like terminate(): queued tasks are dropped and their results fail."""

    BREAKS = ("shutdown.close-join-waits-for-all", "shutdown.lifecycle-model")

    def close(self) -> None:
        self.terminate()


class CloseRejectsStoppedPool(multiprocessing.pool.ThreadPool):
    """close() on a pool already closed or terminated raises ValueError: cleanup code that closes
    twice, or after terminate(), fails."""

    BREAKS = ("shutdown.idempotent",)

    def close(self) -> None:
        self._check_running()  # type: ignore[attr-defined]
        super().close()


class JoinOnlyOnce(ThreadPool):
    """A second join() raises ValueError('Pool already joined')."""

    BREAKS = ("shutdown.idempotent",)

    def join(self) -> None:
        if getattr(self, "_joined", False):
            raise ValueError("Pool already joined")
        super().join()
        self._joined = True


# -- terminate -----------------------------------------------------------------------------------


class TerminateJoinsWorkers(multiprocessing.pool.ThreadPool):
    """terminate() waits for the worker threads to end: it blocks while a task runs, and fails
    (RuntimeError: cannot join current thread) when a task calls it."""

    BREAKS = ("shutdown.terminate-does-not-wait", "shutdown.terminate-from-task")

    def terminate(self) -> None:
        super().terminate()
        for worker in self._pool:  # type: ignore[attr-defined]
            worker.join()


class TerminateLikeClose(ThreadPool):
    """terminate() only closes the pool: queued tasks still run and outstanding results complete."""

    BREAKS = ("shutdown.terminate-discards-queued", "shutdown.terminate-abandons-results", "shutdown.lifecycle-model")

    def terminate(self) -> None:
        self.close()


def _terminated(result: Any) -> bool:
    """Whether the reference failed ``result`` because the pool was terminated."""
    if not result.ready() or result.successful():
        return False
    try:
        result.get(0)
    except PoolTerminatedError:
        return True
    except BaseException:  # noqa: BLE001 - the task's own failure
        return False
    return False


class _Run:
    """What became of one apply_async() task: whether it started, and once it finished, its outcome."""

    def __init__(self) -> None:
        self.started = False
        self.finished = threading.Event()
        self.outcome: Tuple[bool, Any] = (False, None)

    def recording(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwds: Any) -> Any:
            self.started = True
            try:
                value = func(*args, **kwds)
            except BaseException as exc:
                self.outcome = (False, exc)
                raise
            else:
                self.outcome = (True, value)
                return value
            finally:
                self.finished.set()

        return call


class _DeliveredWhenRun(ResultProxy):
    """A result that, when the pool gave up on it while its task ran, completes with that task's outcome."""

    def __init__(self, inner: Any, run: _Run) -> None:
        super().__init__(inner)
        self.run = run

    def given_up(self) -> bool:
        return _terminated(self.inner) and self.run.started

    def ready(self) -> bool:
        return bool(self.inner.ready()) and (not self.given_up() or self.run.finished.is_set())

    def successful(self) -> bool:
        if self.given_up():
            if not self.run.finished.is_set():
                raise ValueError(f"{self!r} not ready")
            return self.run.outcome[0]
        return bool(self.inner.successful())

    def wait(self, timeout: Optional[float] = None) -> None:
        self.inner.wait(timeout)
        if self.given_up():
            self.run.finished.wait(timeout)

    def get(self, timeout: Optional[float] = None) -> Any:
        try:
            return self.inner.get(timeout)
        except PoolTerminatedError:
            if not self.run.started:
                raise
        if not self.run.finished.wait(timeout):
            raise TimeoutError
        ok, value = self.run.outcome
        if ok:
            return value
        raise value


class TerminateDeliversRunningResults(ThreadPool):
    """terminate() drops the queued tasks, but an apply_async() task already running still delivers
    its result: a result that had not completed at terminate() completes successfully after it."""

    BREAKS = ("shutdown.terminate-abandons-results",)

    def apply_async(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        if not callable(func):
            return super().apply_async(func, *args, **kwargs)
        run = _Run()
        return _DeliveredWhenRun(super().apply_async(run.recording(func), *args, **kwargs), run)


class _PendingForEver(ResultProxy):
    """A result that, once the pool gave up on it, stays pending for ever instead of failing."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.never = threading.Event()

    def given_up(self) -> bool:
        return _terminated(self.inner)

    def ready(self) -> bool:
        return bool(self.inner.ready()) and not self.given_up()

    def successful(self) -> bool:
        if self.given_up():
            raise ValueError(f"{self!r} not ready")
        return bool(self.inner.successful())

    def wait(self, timeout: Optional[float] = None) -> None:
        self.inner.wait(timeout)
        if self.given_up():
            self.never.wait(timeout)

    def get(self, timeout: Optional[float] = None) -> Any:
        try:
            return self.inner.get(timeout)
        except PoolTerminatedError:
            pass
        self.never.wait(timeout)
        raise TimeoutError


class _IterationPendingForEver(IteratorProxy):
    """An imap iterator that, once the pool gave up on it, waits for ever instead of raising."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.never = threading.Event()
        self.given_up = False

    def next(self, timeout: Optional[float] = None) -> Any:
        if not self.given_up:
            try:
                return self.inner.next(timeout)
            except PoolTerminatedError:
                self.given_up = True
        self.never.wait(timeout)
        raise TimeoutError


class TerminatedResultsNeverComplete(Proxied):
    """terminate() drops the queued tasks and forgets the pending jobs without failing them, as the
    stdlib's does (gh-79659): get() of a result, or next() of an imap() iterator, that had not
    completed waits for ever, and a program that waits for its work after terminate() hangs."""

    BREAKS = ("shutdown.terminate-fails-results",)
    result_proxy = _PendingForEver
    iterator_proxy = _IterationPendingForEver


class TerminateLeavesJoinWaiting(Tracked):
    """terminate() does not wake a join() that waits for an imap() input still being read: that
    join() goes on waiting for the input, for ever if it never yields (a Ctrl-C handler that
    terminates the pool does not unblock the main thread's join()).

    (join() first waits until every input that is its own iterator has been read to its end, or,
    once the pool is terminated, until none is in the middle of yielding an item.)"""

    BREAKS = ("shutdown.terminate-ends-join",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading = threading.Condition()
        self._unread = 0
        self._in_next = 0

    def imap(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        return self._watching(super().imap, func, iterable, *args, **kwargs)

    def imap_unordered(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        return self._watching(super().imap_unordered, func, iterable, *args, **kwargs)

    def _watching(self, method: Callable[..., Any], func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        items = iter(iterable)
        if items is not iterable:
            return method(func, iterable, *args, **kwargs)
        iterator = method(func, self._watched(items), *args, **kwargs)
        self._changed(unread=1)
        return iterator

    def _changed(self, unread: int = 0, in_next: int = 0) -> None:
        with self._reading:
            self._unread += unread
            self._in_next += in_next
            self._reading.notify_all()

    def _watched(self, items: Iterator[Any]) -> Iterator[Any]:
        try:
            while True:
                self._changed(in_next=1)
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    self._changed(in_next=-1)
                yield item
        finally:
            self._changed(unread=-1)

    def join(self) -> None:
        if self.state != "RUN":
            with self._reading:
                self._reading.wait_for(lambda: self._unread <= 0 or (self.state == "TERMINATE" and not self._in_next))
        super().join()

    def terminate(self) -> None:
        super().terminate()
        self._changed()


class TerminateAfterCloseIgnored(Tracked):
    """terminate() on a closed pool does nothing ("already stopping"): the queued tasks of a closed
    pool still run and their results complete, although terminate() was called."""

    BREAKS = ("shutdown.lifecycle-model",)

    def terminate(self) -> None:
        if self.state == "CLOSE":
            return
        super().terminate()


# -- the process's end and the context manager ---------------------------------------------------


def _close_and_join(pool: weakref.ref[ThreadPool]) -> None:
    alive = pool()
    if alive is not None:
        alive.close()
        alive.join()


class ExitWaitsForTasks(ThreadPool):
    """At interpreter exit the pool waits for its tasks (close(); join() in an atexit hook, as
    concurrent.futures does): a process with a task stuck in its pool never exits."""

    BREAKS = ("shutdown.exit-abandons-running-tasks",)

    def __init__(self, processes: Optional[int] = None, initializer: Optional[Callable[..., object]] = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        atexit.register(_close_and_join, weakref.ref(self))


class ReadAheadKeepsTheProcess(ThreadPool):
    """imap() and imap_unordered() read an input that is its own iterator (a generator, a stream
    of events) ahead on a thread of their own, which is not a daemon, and hand its items on to the
    pool as it asks for them: a process whose main module ends during an imap() over an endless
    input (``itertools.count()``) never exits, for the interpreter waits for that thread, which
    reads for ever. (Sequences, and inputs with buffersize, are read as the reference reads them.)"""

    BREAKS = ("shutdown.exit-abandons-running-tasks",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_ahead: List[_ReadAhead] = []

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._read_ahead(super().imap, func, iterable, chunksize, buffersize)

    def imap_unordered(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._read_ahead(super().imap_unordered, func, iterable, chunksize, buffersize)

    def _read_ahead(self, method: Callable[..., Any], func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int, buffersize: Optional[int]) -> Any:
        """``method`` over the items a :class:`_ReadAhead` hands on from ``iterable``."""
        items = iter(iterable)
        if items is not iterable or buffersize is not None:
            return method(func, iterable, chunksize, buffersize)
        reader = _ReadAhead()
        results = method(func, _handed_on(reader.feed), chunksize)
        self.read_ahead.append(reader)
        reader.start(items)
        return results

    def terminate(self) -> None:
        for reader in self.read_ahead:
            reader.stop()
        super().terminate()


class _ReadAhead:
    """Reads an input on a thread of its own (not a daemon: the bug), at most two items ahead of
    the pool: it puts each item on :attr:`feed` (for :func:`_handed_on`), waiting for room there.

    :meth:`stop` lets it go: it empties the feed and ends it, so the reader puts at most one more
    item (there is room for it) and then returns, and a consumer waiting on the feed ends.
    """

    def __init__(self) -> None:
        self.feed: queue.Queue[Tuple[str, Any]] = queue.Queue(maxsize=2)
        self.stopping = threading.Event()

    def start(self, items: Iterator[Any]) -> None:
        threading.Thread(target=self.read, args=(items,), name="imap read-ahead", daemon=False).start()

    def read(self, items: Iterator[Any]) -> None:
        try:
            for item in items:
                self.feed.put(("item", item))
                if self.stopping.is_set():
                    return
        except Exception as exc:  # noqa: BLE001 - handed on, the input's error
            self.feed.put(("error", exc))
            return
        self.feed.put(("end", None))

    def stop(self) -> None:
        self.stopping.set()
        while True:
            try:
                self.feed.get_nowait()
            except queue.Empty:
                break
        self.feed.put_nowait(("end", None))


class EnterReturnsNewPool(Sized, Tracked):
    """__enter__() returns a fresh pool of the same size: the work of the with block goes to a pool
    that nobody terminates."""

    BREAKS = ("shutdown.enter-returns-pool",)

    def __enter__(self) -> Any:
        self.check_running()
        return ThreadPool(self.workers)


class EnterIgnoresState(multiprocessing.pool.ThreadPool):
    """Entering a with block on a closed or terminated pool works, as before Python 3.8: the block
    runs and fails only at its first submission."""

    BREAKS = ("shutdown.enter-not-running-rejected",)

    def __enter__(self) -> Any:
        return self


class ExitCloses(ThreadPool):
    """Leaving a with block closes the pool instead of terminating it: tasks still queued run after the block."""

    BREAKS = ("shutdown.with-exit-terminates",)

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

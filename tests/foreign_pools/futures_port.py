"""A ``ThreadPool`` ported onto ``concurrent.futures.ThreadPoolExecutor``, the way a porter writes it.

Every method of the stdlib's API is there and the common cases work: ``apply``, ``map``, ``imap``
and their forms give the right values, errors are re-raised, ``close(); join()`` waits for the
tasks already submitted. What such a port gets wrong, each because of the executor underneath:

* ``get(timeout)`` raises the builtin ``TimeoutError`` (``concurrent.futures``'), not
  ``multiprocessing.TimeoutError``.
* ``ThreadPool()`` gets the executor's default size, ``min(32, os.cpu_count() + 4)`` workers, and a
  float ``processes`` is accepted.
* Callbacks are the futures' done-callbacks: they run on whichever worker finished the last task
  of the job, at the same time as other jobs' callbacks, after ``ready()`` is already True, and on
  the submitting thread when the job was done before the callback was registered. A callback that
  raises is logged by ``concurrent.futures`` and otherwise ignored.
* ``map()`` without a chunksize sends one item per task.
* ``imap()`` and ``imap_unordered()`` are plain generators (no ``next(timeout)``) that read their
  input lazily, keeping ``processes`` chunks in flight, and only while the caller iterates. After
  the first failed task they stop. ``close(); join()`` does not wait for them: ``join()`` shuts the
  executor down, and the items they had not submitted yet are lost (``next()`` raises
  ``RuntimeError``).
* ``terminate()`` cancels the queued tasks (``cancel_futures``): their results raise
  ``CancelledError``, and ``error_callback`` is called for each cancelled job (the stdlib calls
  nothing). Tasks already running run on, and their results complete.
* The executor's threads are joined at interpreter exit: a process that ends with a task running
  waits for it.
* ``join()`` before ``close()`` does not raise: it shuts the executor down and waits, and the
  pool, still said to be running, can take no more tasks (``RuntimeError``).
* Entering a ``with`` block does not check the pool is running; the pool pickles like any object
  (and fails on its locks); no ``ResourceWarning`` when a running pool is collected; the default
  ``repr``.

What a user of the kit should see: about a third of the clauses fail (32 of 85), each for one of
the reasons above, and none hangs the run.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import threading
import time
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence

RUN, CLOSE, TERMINATE = "RUN", "CLOSE", "TERMINATE"


def _run_chunk(func: Callable[..., Any], chunk: Sequence[Any], star: bool) -> List[Any]:
    return [func(*item) if star else func(item) for item in chunk]


def _chunks(iterable: Iterable[Any], chunksize: int) -> Iterator[List[Any]]:
    iterator = iter(iterable)
    while True:
        chunk = list(itertools.islice(iterator, chunksize))
        if not chunk:
            return
        yield chunk


def _check_chunksize(chunksize: int) -> None:
    if chunksize < 1:
        raise ValueError(f"Chunksize must be 1+, not {chunksize}")


class AsyncResult:
    """The result of a job: one future per chunk, and the job's value made from theirs."""

    def __init__(
        self, futures: List[concurrent.futures.Future[Any]], single: bool, callback: Optional[Callable[[Any], Any]], error_callback: Optional[Callable[[BaseException], Any]]
    ) -> None:
        self._futures = futures
        self._single = single
        self._callback = callback
        self._error_callback = error_callback
        self._left = len(futures)
        self._lock = threading.Lock()
        if not futures and callback is not None:
            callback([])
        for future in futures:
            future.add_done_callback(self._one_done)

    def _one_done(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._left -= 1
            if self._left:
                return
        try:
            value = self._value()
        except BaseException as error:  # noqa: BLE001 - handed to error_callback
            if self._error_callback is not None:
                self._error_callback(error)
            return
        if self._callback is not None:
            self._callback(value)

    def _wait(self, timeout: Optional[float]) -> bool:
        """Whether every future is done (cancelled ones included) within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for future in self._futures:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                future.exception(remaining)
            except concurrent.futures.CancelledError:
                pass
            except concurrent.futures.TimeoutError:
                return False
        return True

    def _value(self) -> Any:
        if self._single:
            return self._futures[0].result()
        return [value for future in self._futures for value in future.result()]

    def get(self, timeout: Optional[float] = None) -> Any:
        if not self._wait(timeout):
            raise concurrent.futures.TimeoutError()
        return self._value()

    def wait(self, timeout: Optional[float] = None) -> None:
        self._wait(timeout)

    def ready(self) -> bool:
        return all(future.done() for future in self._futures)

    def successful(self) -> bool:
        if not self.ready():
            raise ValueError(f"{self!r} not ready")
        return not any(future.cancelled() or future.exception() for future in self._futures)


class ThreadPool:
    """``multiprocessing.pool.ThreadPool``'s API over a ``ThreadPoolExecutor``."""

    def __init__(self, processes: Optional[int] = None, initializer: Optional[Callable[..., Any]] = None, initargs: Sequence[Any] = ()) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(processes, initializer=initializer, initargs=tuple(initargs))
        self._processes = self._executor._max_workers
        self._state = RUN

    def _check_running(self) -> None:
        if self._state != RUN:
            raise ValueError("Pool not running")

    def _submit(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], star: bool) -> List[concurrent.futures.Future[Any]]:
        self._check_running()
        chunksize = 1 if chunksize is None else chunksize
        _check_chunksize(chunksize)
        return [self._executor.submit(_run_chunk, func, chunk, star) for chunk in _chunks(iterable, chunksize)]

    def apply_async(self, func: Callable[..., Any], args: Sequence[Any] = (), kwds: Any = None, callback: Any = None, error_callback: Any = None) -> AsyncResult:
        self._check_running()
        future = self._executor.submit(func, *args, **(kwds or {}))
        return AsyncResult([future], True, callback, error_callback)

    def apply(self, func: Callable[..., Any], args: Sequence[Any] = (), kwds: Any = None) -> Any:
        return self.apply_async(func, args, kwds).get()

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> AsyncResult:
        return AsyncResult(self._submit(func, iterable, chunksize, False), False, callback, error_callback)

    def map(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> List[Any]:
        return self.map_async(func, iterable, chunksize).get()  # type: ignore[no-any-return]

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> AsyncResult:
        return AsyncResult(self._submit(func, iterable, chunksize, True), False, callback, error_callback)

    def starmap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> List[Any]:
        return self.starmap_async(func, iterable, chunksize).get()  # type: ignore[no-any-return]

    def imap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        self._check_running()
        _check_chunksize(chunksize)
        return self._imap(func, iterable, chunksize)

    def _imap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int) -> Iterator[Any]:
        chunks = _chunks(iterable, chunksize)
        window = collections.deque(self._executor.submit(_run_chunk, func, chunk, False) for chunk in itertools.islice(chunks, self._processes))
        while window:
            future = window.popleft()
            window.extend(self._executor.submit(_run_chunk, func, chunk, False) for chunk in itertools.islice(chunks, 1))
            yield from future.result()

    def imap_unordered(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        self._check_running()
        _check_chunksize(chunksize)
        return self._imap_unordered(func, iterable, chunksize)

    def _imap_unordered(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int) -> Iterator[Any]:
        chunks = _chunks(iterable, chunksize)
        window = {self._executor.submit(_run_chunk, func, chunk, False) for chunk in itertools.islice(chunks, self._processes)}
        while window:
            done, window = concurrent.futures.wait(window, return_when=concurrent.futures.FIRST_COMPLETED)
            window |= {self._executor.submit(_run_chunk, func, chunk, False) for chunk in itertools.islice(chunks, len(done))}
            for future in done:
                yield from future.result()

    def close(self) -> None:
        if self._state == RUN:
            self._state = CLOSE

    def terminate(self) -> None:
        self._state = TERMINATE
        self._executor.shutdown(wait=False, cancel_futures=True)

    def join(self) -> None:
        self._executor.shutdown(wait=True)

    def __enter__(self) -> ThreadPool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.terminate()

"""``ApplyResult`` (alias ``AsyncResult``) and ``MapResult``: results that complete once, as a whole.

A result is completed exactly once, by one of:

* its outcome, published by the worker that ran its last task or, when it has callbacks, by the
  callback thread after the callback returned (:meth:`ApplyResult._finish`);
* the engine giving up on it (terminate, a failed initializer), through :meth:`ApplyResult.abandon`.

:meth:`Engine.retire` decides which one wins. ``_ok`` and ``_value`` are written once, before
``_done`` is set, and only read after ``_done`` is set, so they need no lock of their own.

Waiting
-------
Cheaper than a ``threading.Event`` (a condition, a lock and a list per result, and a lock taken on
completion), and as safe: a waiter that finds the result not complete makes a lock of its own,
locked, appends it to ``_waiters`` and reads ``_done`` again; unless the result completed
meanwhile, it then acquires its lock (with the timeout), which the completer releases: it sets
``_done``, then pops every lock from ``_waiters`` and releases it. A waiter that timed out removes
its lock again, so polling ``get(timeout)`` does not grow the list. A complete result is only read:
``_done`` is the whole fast path.

Each waiter waits on its own lock only. So an exception raised in one waiter at any point of its
wait (KeyboardInterrupt, a signal handler's exception, one injected with
``PyThreadState_SetAsyncExc``) leaves at worst its own lock in ``_waiters``, for the completer to
release to no one: it never keeps another waiter waiting. (A single lock that every waiter took
and released in turn did: a waiter interrupted between taking it and releasing it kept it for ever.)

No wake-up is lost. The waiter appends, then reads ``_done``; the completer writes ``_done``, then
pops. ``list.append``, ``list.pop`` and ``list.remove`` (of a lock, compared by identity) run no
Python code and create no object (so cannot start the garbage collector, which may run Python
code), so each is atomic with respect to the others: under the GIL because nothing inside them can
release it, and on a free-threaded build because each holds the list's own lock. Either a pop
takes the waiter's lock, or the append came after the completer's last pop, and then (the GIL, or
the list's lock, ordering the two threads) after its write of ``_done`` too, which the waiter's
second read sees. Under the GIL the completer first reads whether the list is empty (``_PEEK``),
which spares it a failed pop per result: every step of either thread happens while it holds the
GIL, so the steps of both fall in one order, and an empty list then means that the append, if
any, comes after the write of ``_done``. A free-threaded build gives no such order to a read made
without the list's lock (both threads could miss the other's write), so there the completer
always pops.

Free-threaded Python
--------------------
Correct with the GIL and on the free-threaded build (3.13t and later). Without a lock it relies on:

* Publishing ``_done`` after ``_ok`` and ``_value``: the completing thread stores those two, then
  ``_done = True``, then releases the latch; a reader that sees ``_done`` true reads them after.
  With the GIL one thread runs at a time, in program order. On the free-threaded build an
  instance attribute is stored with release ordering and loaded with acquire ordering, so a
  thread that loads ``_done`` as true also sees the stores made before it. A waiter that blocked
  is ordered by its own lock instead (a lock release and acquire).
* ``_waiters``: ``list.append``, ``pop`` and ``remove``, atomic on both builds (see Waiting above);
  each waiter's lock is a plain ``_thread`` lock, which any thread may release.
* ``MapResult``: each chunk writes its own slice, ``_values[i:j] = values`` (a list), without
  ``_lock``. The slices never overlap, and a slice assignment is one operation on both builds:
  with the GIL it runs no Python code (the items it replaces are ``None``); on the free-threaded
  build it holds the list's own lock, so two chunks' writes never interleave. The chunk then takes
  ``_lock``, which orders every chunk's writes before the last chunk's read of the whole list.
* ``_keepalive = None``, written by whichever thread completes the result: a single store.
"""

from __future__ import annotations

import _thread
import itertools
import sys
import threading
from typing import Any, Callable, Generic, List, Optional, TypeVar

from ._engine import Engine
from .errors import TimeoutError

T = TypeVar("T")

_PEEK = getattr(sys, "_is_gil_enabled", lambda: True)()
"""Whether the completer may read the emptiness of ``_waiters`` without popping (see "Waiting").

Read once: a free-threaded build may turn the GIL on later (for an extension without support),
never off, and always popping stays right with the GIL on.
"""

Callback = Optional[Callable[[Any], object]]


class ApplyResult(Generic[T]):
    """The result of ``apply_async``: ``get``, ``wait``, ``ready``, ``successful``."""

    def __init__(self, engine: Engine, keepalive: object, callback: Callback, error_callback: Callback) -> None:
        self._engine = engine
        # Holds the pool object until this result completes, so that a pool the caller dropped
        # is not collected (and terminated) while it still owes this result.
        self._keepalive: Optional[object] = keepalive
        self._callback = callback
        self._error_callback = error_callback
        self._waiters: List[_thread.LockType] = []  # see "Waiting"
        self._done = False
        self._ok = False
        self._value: Any = None

    # -- the public interface -----------------------------------------------------------------

    def ready(self) -> bool:
        """True once the result completed (after its callback, if any, has returned)."""
        return self._done

    def successful(self) -> bool:
        """Whether the call completed without raising. ``ValueError`` if not ready yet."""
        if not self._done:
            raise ValueError(f"{self!r} not ready")
        return self._ok

    def wait(self, timeout: Optional[float] = None) -> None:
        """Wait until the result is ready, or until ``timeout`` seconds have passed."""
        self._wait(timeout)

    def get(self, timeout: Optional[float] = None) -> T:
        """The value; or re-raise the call's own exception; or ``TimeoutError`` after ``timeout``."""
        if not self._done and not self._wait(timeout):
            raise TimeoutError
        if self._ok:
            return self._value  # type: ignore[no-any-return]
        raise self._value

    def _wait(self, timeout: Optional[float]) -> bool:
        """Whether the result completed within ``timeout`` seconds (None: no limit; 0, less or NaN: no wait).

        See "Waiting" in the module docstring.
        """
        if self._done:
            return True
        waiter = _thread.allocate_lock()
        waiter.acquire()
        waiters = self._waiters
        waiters.append(waiter)
        if not self._done:
            if timeout is None:
                waiter.acquire()
            elif timeout > 0:
                waiter.acquire(timeout=timeout)
        if not self._done:  # timed out
            try:
                waiters.remove(waiter)
            except ValueError:
                pass  # the completer popped it just now: it releases it to no one
        return self._done

    # -- the engine's interface ---------------------------------------------------------------

    def run_task(self, index: int, payload: Any) -> None:
        """Run the one task of an ``apply_async``: ``payload`` is ``(func, args, kwds)``."""
        func, args, kwds = payload
        try:
            value = func(*args, **kwds)
        except BaseException as exc:  # noqa: BLE001 - every outcome, KeyboardInterrupt included, belongs to the caller
            self._finish(False, exc)
        else:
            self._finish(True, value)

    def abandon(self, error: BaseException) -> None:
        self._complete(False, error)

    # -- completion ---------------------------------------------------------------------------

    def _finish(self, ok: bool, value: Any) -> None:
        """The outcome is known: complete now, or after the callback on the callback thread."""
        if self._callback is None and self._error_callback is None:
            if self._engine.retire(self):
                self._complete(ok, value)
        else:
            self._engine.defer(self._call_back, ok, value)

    def _call_back(self, ok: bool, value: Any) -> None:
        """Runs on the callback thread. A callback that raises fails the result (as 3.16 does).

        The result is retired before its callback runs, so once the callback has started the
        result completes only when it returns, even if the pool is terminated meanwhile.
        """
        if not self._engine.retire(self):
            return  # given up while the outcome was queued: no callback for it
        callback = self._callback if ok else self._error_callback
        if callback is not None:
            try:
                callback(value)
            except BaseException as exc:  # noqa: BLE001 - an escape would stop the callback thread
                if not ok:
                    _chain_context(exc, value)
                ok, value = False, exc
        self._complete(ok, value)

    def _complete(self, ok: bool, value: Any) -> None:
        self._ok, self._value = ok, value
        self._keepalive = None
        self._done = True
        waiters = self._waiters
        if not _PEEK or waiters:  # see "Waiting"
            while True:
                try:
                    waiter = waiters.pop()
                except IndexError:  # a waiter that timed out may have removed its lock meanwhile
                    return
                waiter.release()


AsyncResult = ApplyResult


class MapResult(ApplyResult[List[T]]):
    """The result of ``map_async`` / ``starmap_async``: a list in input order.

    Each task is one chunk, ``payload`` its items and ``index`` the position of its first item.
    The result completes when every chunk has finished, even after a failure, so that once
    ``map()`` raises none of its tasks is still running. It fails with the first exception in
    completion order; a chunk stops at its first failing item (the stdlib does the same).

    An empty input is one empty chunk, so it completes on a worker like any other map.

    ``_lock`` guards ``_chunks_left`` and ``_error``. Each chunk writes its own slice of
    ``_values`` before taking the lock, so the worker that finishes the last chunk sees them all.
    """

    def __init__(
        self,
        engine: Engine,
        keepalive: object,
        func: Callable[..., T],
        star: bool,
        length: int,
        chunks: int,
        callback: Callback,
        error_callback: Callback,
    ) -> None:
        super().__init__(engine, keepalive, callback, error_callback)
        self._func = func
        self._mapper: Callable[..., Any] = itertools.starmap if star else map
        self._values: List[Any] = [None] * length
        self._lock = threading.Lock()
        self._chunks_left = chunks
        self._error: Optional[BaseException] = None

    def run_task(self, index: int, payload: Any) -> None:
        """Run one chunk: ``payload`` holds its items, ``index`` is the position of the first."""
        try:
            values = list(self._mapper(self._func, payload))
        except BaseException as exc:  # noqa: BLE001 - see ApplyResult.run_task
            self._chunk_finished(exc)
        else:
            self._values[index : index + len(values)] = values
            self._chunk_finished(None)

    def _chunk_finished(self, error: Optional[BaseException]) -> None:
        with self._lock:
            if error is not None and self._error is None:
                self._error = error
            self._chunks_left -= 1
            if self._chunks_left:
                return
        if self._error is None:
            self._finish(True, self._values)
        else:
            self._finish(False, self._error)


def _chain_context(exc: BaseException, original: BaseException) -> None:
    """Put ``original`` at the end of ``exc``'s ``__context__`` chain, as implicit chaining would."""
    seen = {id(exc)}
    last = exc
    while last.__context__ is not None and id(last.__context__) not in seen:
        last = last.__context__
        seen.add(id(last))
    if last.__context__ is None and id(original) not in seen:
        last.__context__ = original

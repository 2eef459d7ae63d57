"""``IMapIterator`` and ``IMapUnorderedIterator``: results yielded item by item as they complete.

Every task is one chunk of consecutive items; its outcome is a list with one entry per item, either
the value or a :class:`_Failure`. Every item of a chunk is run even after one fails, so for every
chunksize (not only 1, as in the stdlib) iteration raises each failed item's own exception at its
place and then goes on. ``next(timeout)`` works for every chunksize too.

The iteration ends when every item of the input has been yielded. If reading the input raised, that
exception is raised there, once. If the pool gave up on the job (terminate, a failed initializer),
the iteration yields what it can and then raises the reason, once, where the first missing result
would be. After the end, ``next()`` only raises ``StopIteration``, even if a task that was still
running when the pool gave up delivers its result later.

Locks and waking
----------------
``_lock`` (a plain lock, held only for a few attribute updates and never while calling out) guards
every attribute that changes after construction, except ``_keepalive``, which only the retiring
thread clears, and ``abandoned``, which is written under ``_lock`` but may be read without it (the
feeder only uses it as a hint to stop reading input early).

A consumer with nothing to yield waits on ``_waiter``: a lock that is acquired (locked) while it
is in that slot. Every change a consumer may be waiting for (an outcome stored, the input's end,
the job abandoned) happens under ``_lock`` together with :meth:`_wake`, which empties the slot and
releases that lock. A consumer checks the state and, if it must wait, fills the slot (or joins the
latch already there) in the same ``_lock`` section, then acquires the latch outside it; once
through, it releases the latch again to let the next waiter through and checks again. So a wake-up
cannot fall between the check and the wait, a released latch is never reused, and a worker pays
only an attribute test per task when nobody waits (a ``threading.Condition`` costs a lock and
several Python calls per ``notify_all``).
"""

from __future__ import annotations

import _thread
import collections
import threading
import time
from typing import Any, Callable, Deque, Dict, Generic, List, Optional, TypeVar

from ._engine import Engine
from ._feeder import Throttle
from .errors import TimeoutError

T = TypeVar("T")


class _Failure:
    """The outcome of an item whose call raised."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class IMapIterator(Generic[T]):
    """The iterator of ``imap``: results in input order, each as soon as it and those before it are ready."""

    def __init__(
        self, engine: Engine, keepalive: object, func: Callable[[Any], T], throttle: Optional[Throttle]
    ) -> None:
        self._engine = engine
        self._keepalive: Optional[object] = keepalive  # see ApplyResult._keepalive
        self._func = func
        self._throttle = throttle
        self._lock = threading.Lock()
        self._waiter: Optional[_thread.LockType] = None  # see "Locks and waking"
        self._current: Deque[Any] = collections.deque()  # outcomes of the chunk being yielded
        self._taken = 0  # items moved into _current so far
        self._delivered = 0  # tasks whose outcomes arrived
        self._input_items: Optional[int] = None  # all items, once the input has been read
        self._input_tasks: Optional[int] = None
        self._input_error: Optional[BaseException] = None  # raised once, after the last item
        self.abandoned = False  # the pool gave up on the job: reading more input would be wasted
        self._abandon_error: Optional[BaseException] = None  # raised once, at the first gap
        self._finished = False  # the end was reached: from now on only StopIteration
        self._arrived: Dict[int, List[Any]] = {}  # outcomes by the position of their first item

    # -- the public interface -----------------------------------------------------------------

    def __iter__(self) -> IMapIterator[T]:
        return self

    def next(self, timeout: Optional[float] = None) -> T:
        """The next result; ``TimeoutError`` if none is ready within ``timeout`` seconds.

        After a time-out the iterator stays usable and a later call returns that same result.
        """
        deadline = None
        while True:
            with self._lock:
                if not self._current and not self._finished:
                    chunk = self._take_chunk()
                    if chunk is not None:
                        self._current.extend(chunk)
                        self._taken += len(chunk)
                if self._current:
                    outcome = self._current.popleft()
                    chunk_yielded = not self._current
                    break
                if self._finished:
                    raise StopIteration
                if self._taken == self._input_items or self.abandoned:
                    self._finished = True
                    error = self._input_error if self._taken == self._input_items else self._abandon_error
                    raise error or StopIteration
                waiter = self._waiter
                if waiter is None:
                    waiter = self._waiter = _thread.allocate_lock()
                    waiter.acquire()
            if timeout is None:
                waiter.acquire()
            else:
                if deadline is None:
                    deadline = time.monotonic() + timeout
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                if not waiter.acquire(timeout=remaining):
                    continue  # check once more, then time out
            waiter.release()
        if chunk_yielded and self._throttle is not None:
            self._throttle.release()
        if type(outcome) is _Failure:
            raise outcome.error
        return outcome  # type: ignore[no-any-return]

    __next__ = next

    # -- the engine's and the feeder's interface ----------------------------------------------

    def run_task(self, index: int, payload: Any) -> None:
        """Run one chunk: ``payload`` holds its items, ``index`` is the position of the first."""
        func = self._func
        outcomes: List[Any] = []
        for item in payload:
            try:
                outcomes.append(func(item))
            except BaseException as exc:  # noqa: BLE001 - raised to the consumer at its place
                outcomes.append(_Failure(exc))
        with self._lock:
            self._store(index, outcomes)
            self._delivered += 1
            complete = self._delivered == self._input_tasks
            self._wake()
        if complete:
            self._retire()

    def input_ended(self, items: int, tasks: int, error: Optional[BaseException]) -> None:
        with self._lock:
            self._input_items, self._input_tasks = items, tasks
            self._input_error = error
            complete = self._delivered == tasks
            self._wake()
        if complete:
            self._retire()

    def abandon(self, error: BaseException) -> None:
        with self._lock:
            self.abandoned = True
            self._abandon_error = error
            self._wake()
        if self._throttle is not None:
            self._throttle.lift()
        self._keepalive = None

    # -- the order of results: what IMapUnorderedIterator changes -----------------------------

    def _store(self, index: int, outcomes: List[Any]) -> None:
        self._arrived[index] = outcomes

    def _take_chunk(self) -> Optional[List[Any]]:
        """The outcomes of the next chunk to yield, if they arrived. Needs ``_lock``."""
        return self._arrived.pop(self._taken, None)

    # -- internals ----------------------------------------------------------------------------

    def _wake(self) -> None:
        """Let every waiting consumer through (see "Locks and waking"). Needs ``_lock``."""
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            waiter.release()

    def _retire(self) -> None:
        if self._engine.retire(self):
            self._keepalive = None


class IMapUnorderedIterator(IMapIterator[T]):
    """The iterator of ``imap_unordered``: each chunk's results as soon as that chunk is done."""

    def __init__(
        self, engine: Engine, keepalive: object, func: Callable[[Any], T], throttle: Optional[Throttle]
    ) -> None:
        super().__init__(engine, keepalive, func, throttle)
        self._done_chunks: Deque[List[Any]] = collections.deque()

    def _store(self, index: int, outcomes: List[Any]) -> None:
        self._done_chunks.append(outcomes)

    def _take_chunk(self) -> Optional[List[Any]]:
        return self._done_chunks.popleft() if self._done_chunks else None

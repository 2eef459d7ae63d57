"""``IMapIterator`` and ``IMapUnorderedIterator``: results yielded item by item as they complete.

Every task is one chunk of consecutive items (its payload a sequence of them or, for an iterator
made with ``single_items``, the one item itself); its outcome is a list with one entry per item,
either the value or a :class:`_Failure`. Every item of a chunk is run even after one fails, so for
every chunksize (not only 1, as in the stdlib) iteration raises each failed item's own exception at
its place and then goes on. ``next(timeout)`` works for every chunksize too.

The iteration ends when every item of the input has been yielded. If reading the input raised, that
exception is raised there, once. If the pool gave up on the job (terminate, a failed initializer),
the iteration yields what it can and then raises the reason, once, where the first missing result
would be. After the end, ``next()`` only raises ``StopIteration``, even if a task that was still
running when the pool gave up delivers its result later.

Locks and waking
----------------
``_lock`` (a plain lock, held only for a few attribute updates and never while calling out) guards
every attribute that changes after construction, except ``_keepalive``, which only the retiring
thread clears, ``abandoned``, which is written under ``_lock`` but may be read without it (the
feeder only uses it as a hint to stop reading input early), and ``_ready``.

``_ready`` holds the outcomes that can be yielded now, in the order they are to be yielded. The
worker that delivers a chunk moves it there under ``_lock`` as soon as it may be yielded (for
``imap``, once every chunk before it is there too), together with every chunk waiting for it; a
consumer pops from it without the lock (``deque.popleft`` is atomic, so concurrent consumers
each get a different outcome). Nothing is added once the end was reached. So a consumer takes
``_lock`` only when ``_ready`` is empty, to find out whether to wait, end or raise.

A consumer with nothing to yield waits on a lock of its own: it makes it, locked, and appends it to
``_waiters``, in the same ``_lock`` section in which it found that it must wait; then it acquires
that lock outside ``_lock`` and, once through (or timed out), checks again. Every change a consumer
may be waiting for (an outcome stored, the input's end, the job abandoned) happens under ``_lock``
together with :meth:`_wake`, which empties ``_waiters`` and releases every lock in it. So a
wake-up cannot fall between the check and the wait, and a worker pays only a test of the list per
task when nobody waits (a ``threading.Condition`` costs a lock and several Python calls per
``notify_all``). Consumers take ``_lock`` with ``with``, which an exception raised in the consumer
(KeyboardInterrupt, one injected with ``PyThreadState_SetAsyncExc``) cannot leave held: CPython
raises such an exception only between bytecodes, and the handler that releases the lock is in
place from the bytecode that acquires it. And each consumer waits on its own lock only, so such an exception at any point of its wait leaves
at worst its own lock in ``_waiters``, for :meth:`_wake` to release to no one: it never keeps
another consumer waiting, as one lock passed from waiter to waiter could.

Free-threaded Python
--------------------
Correct with the GIL and on the free-threaded build (3.13t and later). Outside ``_lock`` it relies on:

* ``deque.popleft()`` on ``_ready`` by consumers, while a worker ``extend()``s it under ``_lock``:
  each is one operation on both builds. With the GIL these C methods run no Python code (the
  outcomes are a list); on the free-threaded build each holds the deque's own lock (a critical
  section). So concurrent consumers each get a different outcome, in the order they were added,
  and no outcome is lost or taken twice.
* Reading ``abandoned`` without the lock (the feeder's hint to stop reading input): an attribute
  load, atomic on both builds; a stale value costs one more chunk read, nothing else.
* ``_keepalive = None``, written by the retiring thread and by :meth:`abandon`: single stores of
  the same value.
* The ``buffersize`` bound: the iterator makes its
  :class:`~poolspec.reference._throttle.Throttle` and is the only object that holds it; the feeder
  waits on it (:meth:`wait_for_room`), a consumer that pops a ``_LastOfChunk`` releases it, and
  :meth:`unthrottle` (the pool is closing) and :meth:`abandon` lift it. It has its own lock, and
  ``_throttle`` is set once in ``__init__``.

A consumer's own waiter lock is a plain ``_thread`` lock, which :meth:`_wake` releases from whichever
thread completes the change; ``_waiters`` changes only under ``_lock``.
"""

from __future__ import annotations

import _thread
import collections
import threading
import time
from typing import Any, Callable, Deque, Dict, Generic, List, Optional, TypeVar

from ._engine import Engine
from ._throttle import Throttle
from .errors import TimeoutError

T = TypeVar("T")


class _Failure:
    """The outcome of an item whose call raised."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _LastOfChunk:
    """The last outcome of a chunk, with a ``buffersize``: yielding it gives the chunk's room back."""

    __slots__ = ("outcome",)

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome


class IMapIterator(Generic[T]):
    """The iterator of ``imap``: results in input order, each as soon as it and those before it are ready."""

    def __init__(
        self,
        engine: Engine,
        keepalive: object,
        func: Callable[[Any], T],
        buffersize: Optional[int],
        single_items: bool = False,
    ) -> None:
        self._engine = engine
        self._single_items = single_items  # every payload is one item, not a sequence of them
        self._keepalive: Optional[object] = keepalive  # see ApplyResult._keepalive
        self._func = func
        self._throttle = None if buffersize is None else Throttle(buffersize)
        self._lock = threading.Lock()
        self._waiters: List[_thread.LockType] = []  # see "Locks and waking"
        self._ready: Deque[Any] = collections.deque()  # outcomes to yield now, in order: see above
        self._taken = 0  # items moved into _ready so far
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
        try:
            outcome = self._ready.popleft()
        except IndexError:  # none ready: the rare, slow path (raising costs less than waiting)
            outcome = self._wait(timeout)
        if type(outcome) is _LastOfChunk:
            self._throttle.release()  # type: ignore[union-attr] # only made with a throttle
            outcome = outcome.outcome
        if type(outcome) is _Failure:
            raise outcome.error
        return outcome  # type: ignore[no-any-return]

    __next__ = next

    def _wait(self, timeout: Optional[float]) -> Any:
        """The next outcome once it is ready; or raise where the iteration ends, or times out.

        ``timeout`` 0, less or NaN: no wait, as for ``get()``.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        waiter: Optional[_thread.LockType] = None
        remaining: Optional[float] = None
        while True:
            with self._lock:
                if waiter is not None:  # woken (then _wake took it already) or timed out
                    try:
                        self._waiters.remove(waiter)
                    except ValueError:
                        pass
                try:
                    return self._ready.popleft()
                except IndexError:
                    pass
                if self._finished:
                    raise StopIteration
                if self._taken == self._input_items or self.abandoned:
                    self._finished = True
                    error = self._input_error if self._taken == self._input_items else self._abandon_error
                    raise error or StopIteration
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if not remaining > 0:
                        raise TimeoutError
                waiter = _thread.allocate_lock()
                waiter.acquire()
                self._waiters.append(waiter)
            if remaining is None:
                waiter.acquire()
            else:
                waiter.acquire(timeout=remaining)

    # -- the engine's and the feeder's interface ----------------------------------------------

    def run_task(self, index: int, payload: Any) -> None:
        """Run one chunk: ``payload`` holds its items (or is the item, with ``single_items``), ``index``
        is the position of the first."""
        func = self._func
        outcomes: List[Any]
        if self._single_items:  # saves a tuple per item at submission, and the loop
            try:
                outcomes = [func(payload)]
            except BaseException as exc:  # noqa: BLE001 - raised to the consumer at its place
                outcomes = [_Failure(exc)]
        else:
            outcomes = []
            for item in payload:
                try:
                    outcomes.append(func(item))
                except BaseException as exc:  # noqa: BLE001 - as above
                    outcomes.append(_Failure(exc))
        lock = self._lock
        lock.acquire()  # not ``with``: once per task, and its __exit__ call costs as much again
        try:
            if not self._finished:  # after the end nothing more is yielded
                self._store(index, outcomes)
            self._delivered += 1
            complete = self._delivered == self._input_tasks
            if self._waiters:
                self._wake()
        finally:
            lock.release()
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
        self.unthrottle()  # the feeder stops reading: the pool gave up on the job
        self._keepalive = None

    def wait_for_room(self) -> None:
        """Before reading a chunk, the feeder waits here until fewer than ``buffersize`` tasks are
        submitted whose results were not all yielded (at once without ``buffersize``)."""
        if self._throttle is not None:
            self._throttle.acquire()

    def unthrottle(self) -> None:
        """Lift the ``buffersize`` bound for good (the pool is closing, or gave up on the job)."""
        if self._throttle is not None:
            self._throttle.lift()

    # -- the order of results: what IMapUnorderedIterator changes -----------------------------

    def _store(self, index: int, outcomes: List[Any]) -> None:
        """A chunk's outcomes arrived: make them ready, then every chunk that waited for them.

        With a throttle, the last outcome of each chunk is marked (chunks are never empty). Needs
        ``_lock``.
        """
        if index != self._taken:
            self._arrived[index] = outcomes
            return
        arrived, throttle = self._arrived, self._throttle
        while True:
            self._taken += len(outcomes)
            if throttle is not None:
                outcomes[-1] = _LastOfChunk(outcomes[-1])
            self._ready.extend(outcomes)
            if not arrived:
                return
            waiting = arrived.pop(self._taken, None)
            if waiting is None:
                return
            outcomes = waiting

    # -- internals ----------------------------------------------------------------------------

    def _wake(self) -> None:
        """Let every waiting consumer through (see "Locks and waking"). Needs ``_lock``."""
        waiters = self._waiters
        if waiters:
            self._waiters = []
            for waiter in waiters:
                waiter.release()

    def _retire(self) -> None:
        if self._engine.retire(self):
            self._keepalive = None


class IMapUnorderedIterator(IMapIterator[T]):
    """The iterator of ``imap_unordered``: each chunk's results as soon as that chunk is done."""

    def _store(self, index: int, outcomes: List[Any]) -> None:
        """A chunk's outcomes arrived: they are ready at once (see :meth:`IMapIterator._store`)."""
        self._taken += len(outcomes)
        if self._throttle is not None:
            outcomes[-1] = _LastOfChunk(outcomes[-1])
        self._ready.extend(outcomes)

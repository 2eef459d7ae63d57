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

``_cond`` guards every attribute that changes after construction except ``_keepalive``, which only
the retiring thread clears.
"""

from __future__ import annotations

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
        self._cond = threading.Condition(threading.Lock())
        self._current: Deque[Any] = collections.deque()  # outcomes of the chunk being yielded
        self._taken = 0  # items moved into _current so far
        self._delivered = 0  # tasks whose outcomes arrived
        self._input_items: Optional[int] = None  # all items, once the input has been read
        self._input_tasks: Optional[int] = None
        self._input_error: Optional[BaseException] = None  # raised once, after the last item
        self._abandoned = False
        self._abandon_error: Optional[BaseException] = None  # raised once, at the first gap
        self._finished = False  # the end was reached: from now on only StopIteration
        self._arrived: Dict[int, List[Any]] = {}  # outcomes by the position of their first item

    # -- the public interface -----------------------------------------------------------------

    def __iter__(self) -> IMapIterator[T]:
        return self

    def __next__(self) -> T:
        return self.next()

    def next(self, timeout: Optional[float] = None) -> T:
        """The next result; ``TimeoutError`` if none is ready within ``timeout`` seconds.

        After a time-out the iterator stays usable and a later call returns that same result.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._current:
                chunk = None if self._finished else self._take_chunk()
                if chunk is not None:
                    self._current.extend(chunk)
                    self._taken += len(chunk)
                elif self._finished:
                    raise StopIteration
                elif self._taken == self._input_items or self._abandoned:
                    self._finished = True
                    error = self._input_error if self._taken == self._input_items else self._abandon_error
                    raise error or StopIteration
                elif deadline is None:
                    self._cond.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError
                    self._cond.wait(remaining)
            outcome = self._current.popleft()
            if not self._current and self._throttle is not None:
                self._throttle.release()
        if type(outcome) is _Failure:
            raise outcome.error
        return outcome  # type: ignore[no-any-return]

    # -- the engine's and the feeder's interface ----------------------------------------------

    @property
    def abandoned(self) -> bool:
        return self._abandoned

    def run_task(self, index: int, payload: Any) -> None:
        """Run one chunk: ``payload`` holds its items, ``index`` is the position of the first."""
        func = self._func
        outcomes: List[Any] = []
        for item in payload:
            try:
                outcomes.append(func(item))
            except BaseException as exc:  # noqa: BLE001 - raised to the consumer at its place
                outcomes.append(_Failure(exc))
        with self._cond:
            self._store(index, outcomes)
            self._delivered += 1
            self._cond.notify_all()
            complete = self._delivered == self._input_tasks
        if complete:
            self._retire()

    def input_ended(self, items: int, tasks: int, error: Optional[BaseException]) -> None:
        with self._cond:
            self._input_items, self._input_tasks = items, tasks
            self._input_error = error
            self._cond.notify_all()
            complete = self._delivered == tasks
        if complete:
            self._retire()

    def abandon(self, error: BaseException) -> None:
        with self._cond:
            self._abandoned = True
            self._abandon_error = error
            self._cond.notify_all()
        if self._throttle is not None:
            self._throttle.lift()
        self._keepalive = None

    # -- the order of results: what IMapUnorderedIterator changes -----------------------------

    def _store(self, index: int, outcomes: List[Any]) -> None:
        self._arrived[index] = outcomes

    def _take_chunk(self) -> Optional[List[Any]]:
        return self._arrived.pop(self._taken, None)

    # -- internals ----------------------------------------------------------------------------

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

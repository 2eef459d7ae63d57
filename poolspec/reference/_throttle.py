"""``Throttle``: the ``buffersize`` bound of an ``imap``, in one object.

The iterator of a bounded ``imap`` makes its throttle and is the only object that holds it (see
``_iterators``): its feeder waits for room through the iterator before reading each chunk, the
consumer gives a task's room back when it yields the last result of the task's chunk, and the bound is lifted
for good when the pool is closing (the rest of the input must still be read: ``join()`` waits for
it) or gave up on the iteration.

Free-threaded Python
--------------------
Correct with the GIL and on the free-threaded build (3.13t and later): every attribute that
changes (``_in_flight``, ``_lifted``) is read and written only under ``_cond``'s lock, which
orders those accesses on both builds; ``_limit`` is set once in ``__init__``.
"""

from __future__ import annotations

import threading


class Throttle:
    """Bounds the tasks (each one chunk of the input) that were submitted but whose results were not
    all yielded yet.

    ``_cond`` guards ``_in_flight`` and ``_lifted``. Lifting removes the bound for good.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._in_flight = 0
        self._lifted = False
        self._cond = threading.Condition(threading.Lock())

    def acquire(self) -> None:
        """Wait for room for one more task (no wait once lifted), then take it."""
        with self._cond:
            while self._in_flight >= self._limit and not self._lifted:
                self._cond.wait()
            self._in_flight += 1

    def release(self) -> None:
        """A task's results have all been yielded: its room is free again."""
        with self._cond:
            self._in_flight -= 1
            self._cond.notify()

    def lift(self) -> None:
        """Remove the bound for good, waking a waiting :meth:`acquire`. Idempotent."""
        with self._cond:
            self._lifted = True
            self._cond.notify_all()

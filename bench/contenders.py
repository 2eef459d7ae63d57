"""The pools the benchmark compares, behind one small interface.

Every contender runs the same workloads through :class:`Contender`'s methods, each of which
returns only when every task has finished and every result has been collected:

* ``apply``: submit every item on its own (``apply_async`` / ``submit``), then get each result;
* ``map(chunksize)``: one call for all items (``chunksize=None`` is the pool's default);
* ``imap`` / ``imap_unordered``: iterate every result;
* ``starmap``: one call over argument pairs.

``minimal`` is the floor: one ``queue.SimpleQueue`` handoff per task into worker threads,
results written into a preallocated list; it only has ``apply`` and ``map`` (chunksize 1).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing.pool
import queue
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import poolspec.reference

Func = Callable[[Any], Any]


class Contender:
    """A pool of ``workers`` threads; the operations not overridden are not supported."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def apply(self, func: Func, items: Sequence[Any]) -> List[Any]:
        raise NotImplementedError

    def map(self, func: Func, items: Sequence[Any], chunksize: Optional[int]) -> List[Any]:
        raise NotImplementedError

    def imap(self, func: Func, items: Sequence[Any]) -> List[Any]:
        raise NotImplementedError

    def imap_unordered(self, func: Func, items: Sequence[Any]) -> List[Any]:
        raise NotImplementedError

    def starmap(self, func: Callable[..., Any], pairs: Sequence[Tuple[Any, Any]]) -> List[Any]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class PoolAPI(Contender):
    """A pool with the ThreadPool API (the reference's or the stdlib's)."""

    def __init__(self, workers: int, factory: Callable[[int], Any]) -> None:
        super().__init__(workers)
        self.pool = factory(workers)

    def apply(self, func: Func, items: Sequence[Any]) -> List[Any]:
        results = [self.pool.apply_async(func, (item,)) for item in items]
        return [result.get() for result in results]

    def map(self, func: Func, items: Sequence[Any], chunksize: Optional[int]) -> List[Any]:
        return list(self.pool.map(func, items, chunksize))

    def imap(self, func: Func, items: Sequence[Any]) -> List[Any]:
        return list(self.pool.imap(func, items))

    def imap_unordered(self, func: Func, items: Sequence[Any]) -> List[Any]:
        return list(self.pool.imap_unordered(func, items))

    def starmap(self, func: Callable[..., Any], pairs: Sequence[Tuple[Any, Any]]) -> List[Any]:
        return list(self.pool.starmap(func, pairs))

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


class Futures(Contender):
    """``concurrent.futures.ThreadPoolExecutor``: submit for apply, ``Executor.map`` for the rest."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.executor = concurrent.futures.ThreadPoolExecutor(workers)

    def apply(self, func: Func, items: Sequence[Any]) -> List[Any]:
        futures = [self.executor.submit(func, item) for item in items]
        return [future.result() for future in futures]

    def map(self, func: Func, items: Sequence[Any], chunksize: Optional[int]) -> List[Any]:
        return list(self.executor.map(func, items))

    def imap(self, func: Func, items: Sequence[Any]) -> List[Any]:
        return list(self.executor.map(func, items))

    def imap_unordered(self, func: Func, items: Sequence[Any]) -> List[Any]:
        futures = [self.executor.submit(func, item) for item in items]
        return [future.result() for future in concurrent.futures.as_completed(futures)]

    def starmap(self, func: Callable[..., Any], pairs: Sequence[Tuple[Any, Any]]) -> List[Any]:
        return list(self.executor.map(func, *zip(*pairs)))

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class Minimal(Contender):
    """The floor: one SimpleQueue handoff per task, results into a preallocated list.

    ``_left`` (the tasks of the current call not yet finished) is guarded by ``_lock``; the
    worker that finishes the last one sets ``_done``. One call runs at a time.
    """

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self._tasks: queue.SimpleQueue[Optional[Tuple[int, Func, Any, List[Any]]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._left = 0
        self._done = threading.Event()
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            index, func, item, results = task
            results[index] = func(item)
            with self._lock:
                self._left -= 1
                if not self._left:
                    self._done.set()

    def map(self, func: Func, items: Sequence[Any], chunksize: Optional[int]) -> List[Any]:
        if chunksize not in (None, 1):
            raise NotImplementedError
        results: List[Any] = [None] * len(items)
        if not items:
            return results
        self._done.clear()
        self._left = len(items)
        for index, item in enumerate(items):
            self._tasks.put((index, func, item, results))
        self._done.wait()
        return results

    def apply(self, func: Func, items: Sequence[Any]) -> List[Any]:
        return self.map(func, items, 1)

    def close(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join()


CONTENDERS: Dict[str, Callable[[int], Contender]] = {
    "reference": lambda workers: PoolAPI(workers, poolspec.reference.ThreadPool),
    "stdlib": lambda workers: PoolAPI(workers, multiprocessing.pool.ThreadPool),
    "futures": Futures,
    "minimal": Minimal,
}

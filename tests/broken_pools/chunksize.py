"""Broken pools of the chunksize family: how inputs are cut into tasks."""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable, Optional

from reference import ThreadPool, _arguments
from reference._results import MapResult


class ZeroChunksizeMeansDefault(ThreadPool):
    """The map forms treat a chunksize of 0 or below as "not given" and use the default.

    ``pool.map(f, xs, chunksize=n)`` with a miscomputed n of 0 silently runs with another size
    instead of reporting the mistake.
    """

    BREAKS = ("chunksize.below-one-rejected-by-map",)

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], callback: Any, error_callback: Any, star: bool) -> Any:
        if chunksize is not None and chunksize < 1:
            chunksize = None
        return super()._map_async(func, iterable, chunksize, callback, error_callback, star)


class ImapChunksizeClampedToOne(ThreadPool):
    """imap() and imap_unordered() quietly raise a chunksize of 0 or below to 1."""

    BREAKS = ("chunksize.below-one-rejected-by-imap",)

    def _imap(self, iterator_class: Any, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int, buffersize: Optional[int]) -> Any:
        return super()._imap(iterator_class, func, iterable, max(chunksize, 1), buffersize)


def _cut(
    self: ThreadPool,
    func: Callable[..., Any],
    iterable: Iterable[Any],
    chunksize: Optional[int],
    callback: Any,
    error_callback: Any,
    star: bool,
    chunks: Callable[[list, int], list],
) -> Any:  # type: ignore[type-arg]
    """The reference's _map_async with the input cut into tasks by ``chunks(items, size)``.

    ``chunks`` gives (index of the first item, items) pairs; the result waits for that many tasks.
    """
    _arguments.task_function(func)
    size = None if chunksize is None else _arguments.chunksize(chunksize)
    engine = self._engine
    engine.check_running()
    items = list(iterable)
    if size is None:
        size = _arguments.default_chunksize(len(items), engine.processes)
    tasks = chunks(items, size) or [(0, [])]
    result: MapResult[Any] = MapResult(engine, self, func, star, len(items), len(tasks), callback, error_callback)
    engine.submit(result, tasks)
    return result


class ChunksOverlapByOne(ThreadPool):
    """The map forms cut chunks of chunksize + 1 items that overlap: the first item of each chunk
    is also the last of the chunk before.

    The results are right (each is written to its own place), but every item on a chunk boundary
    runs twice: a task that sends a mail or charges a card does it twice.
    """

    BREAKS = ("chunksize.every-item-once",)

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], callback: Any, error_callback: Any, star: bool) -> Any:
        def chunks(items: list, size: int) -> list:  # type: ignore[type-arg]
            return [(start, items[start : start + size + 1]) for start in range(0, len(items), size)]

        return _cut(self, func, iterable, chunksize, callback, error_callback, star, chunks)


class ChunkSplitInHalves(ThreadPool):
    """The map forms submit each chunk as two tasks of half its size.

    Every item runs once and the results are right, but the items of one chunk may run on two
    workers at once: code that relies on a chunk running in order on one thread (a connection
    per chunk, a running total) breaks.
    """

    BREAKS = ("chunksize.chunk-on-one-thread",)

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], callback: Any, error_callback: Any, star: bool) -> Any:
        def chunks(items: list, size: int) -> list:  # type: ignore[type-arg]
            tasks = []
            for start in range(0, len(items), size):
                chunk = items[start : start + size]
                half = (len(chunk) + 1) // 2
                tasks.append((start, chunk[:half]))
                if chunk[half:]:
                    tasks.append((start + half, chunk[half:]))
            return tasks

        return _cut(self, func, iterable, chunksize, callback, error_callback, star, chunks)


class ChunksOfOneMore(ThreadPool):
    """The map forms cut chunks of chunksize + 1 items (an off-by-one in the slicing).

    Every item runs once and the results are right, but the chunks are not the ones asked for.
    """

    BREAKS = ("chunksize.chunk-on-one-thread",)

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], callback: Any, error_callback: Any, star: bool) -> Any:
        def chunks(items: list, size: int) -> list:  # type: ignore[type-arg]
            return [(start, items[start : start + size + 1]) for start in range(0, len(items), size + 1)]

        return _cut(self, func, iterable, chunksize, callback, error_callback, star, chunks)


class DefaultChunksizeRoundsDown(ThreadPool):
    """The default chunksize of the map forms is floor(n / (4 * processes)) instead of the ceiling."""

    BREAKS = ("chunksize.default-for-map",)

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], callback: Any, error_callback: Any, star: bool) -> Any:
        items = list(iterable)
        if chunksize is None:
            chunksize = max(len(items) // (4 * self._engine.processes), 1)
        return super()._map_async(func, items, chunksize, callback, error_callback, star)


class FloatChunksizeNeverCompletes(ThreadPool):
    """The map forms accept a float chunksize and count its chunks as len / chunksize, a float.

    With chunksize 2.0 and three items the count goes 1.5, 0.5, -0.5 and never hits zero, so the
    result never completes; with 1.5 it hits zero one chunk early and the last value is None.
    The stdlib's map never completes for a float chunksize either.
    """

    BREAKS = ("chunksize.float-does-not-hang",)

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Any, callback: Any, error_callback: Any, star: bool) -> Any:
        if not isinstance(chunksize, float):
            return super()._map_async(func, iterable, chunksize, callback, error_callback, star)
        items = list(iterable)
        size = int(chunksize)
        result: MapResult[Any] = MapResult(self._engine, self, func, star, len(items), len(items) / chunksize, callback, error_callback)  # type: ignore[arg-type]
        self._engine.submit(result, ((start, items[start : start + size]) for start in range(0, len(items), size)))
        return result


class ChunksizeBoundedBySsize(ThreadPool):
    """Every map and imap form raises OverflowError at the call for a chunksize beyond sys.maxsize.

    As a port that keeps the chunksize in a C ``Py_ssize_t`` would: a caller that passes a huge
    chunksize to mean "one chunk" gets an error. Built on the public API only.
    """

    BREAKS = ("chunksize.beyond-maxsize",)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, *rest: Any, **options: Any) -> Any:
        return super().map_async(func, iterable, _bounded(chunksize), *rest, **options)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, *rest: Any, **options: Any) -> Any:
        return super().starmap_async(func, iterable, _bounded(chunksize), *rest, **options)

    def imap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1, *rest: Any, **options: Any) -> Any:
        return super().imap(func, iterable, _bounded(chunksize), *rest, **options)

    def imap_unordered(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1, *rest: Any, **options: Any) -> Any:
        return super().imap_unordered(func, iterable, _bounded(chunksize), *rest, **options)


def _bounded(chunksize: Any) -> Any:
    if isinstance(chunksize, int) and chunksize > sys.maxsize:
        raise OverflowError("chunksize does not fit in a C ssize_t")
    return chunksize

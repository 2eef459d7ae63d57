"""Broken pools of the chunksize family: how inputs are cut into tasks."""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable, List, Optional

from poolspec.reference import ThreadPool

from .wrappers import NeverReady, Sized, Slice, SlicedMaps


class ZeroChunksizeMeansDefault(ThreadPool):
    """The map forms treat a chunksize of 0 or below as "not given" and use the default.

    ``pool.map(f, xs, chunksize=n)`` with a miscomputed n of 0 silently runs with another size
    instead of reporting the mistake.
    """

    BREAKS = ("chunksize.below-one-rejected-by-map",)

    def map_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, *rest: Any, **options: Any) -> Any:
        return super().map_async(func, iterable, _default_below_one(chunksize), *rest, **options)

    def starmap_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, *rest: Any, **options: Any) -> Any:
        return super().starmap_async(func, iterable, _default_below_one(chunksize), *rest, **options)


def _default_below_one(chunksize: Optional[int]) -> Optional[int]:
    return None if chunksize is not None and chunksize < 1 else chunksize


class ImapChunksizeClampedToOne(ThreadPool):
    """imap() and imap_unordered() quietly raise a chunksize of 0 or below to 1."""

    BREAKS = ("chunksize.below-one-rejected-by-imap",)

    def imap(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, *rest: Any, **options: Any) -> Any:
        return super().imap(func, iterable, max(chunksize, 1), *rest, **options)

    def imap_unordered(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, *rest: Any, **options: Any) -> Any:
        return super().imap_unordered(func, iterable, max(chunksize, 1), *rest, **options)


class ChunksOverlapByOne(SlicedMaps):
    """The map forms cut chunks of chunksize + 1 items that overlap: the first item of each chunk
    is also the last of the chunk before.

    The results are right (each is written to its own place), but every item on a chunk boundary
    runs twice: a task that sends a mail or charges a card does it twice.
    """

    BREAKS = ("chunksize.every-item-once",)

    def slices(self, items: List[Any], size: int) -> List[Slice]:
        return [(start, items[start : start + size + 1]) for start in range(0, len(items), size)]


class ChunkSplitInHalves(SlicedMaps):
    """The map forms submit each chunk as two tasks of half its size.

    Every item runs once and the results are right, but the items of one chunk may run on two
    workers at once: code that relies on a chunk running in order on one thread (a connection
    per chunk, a running total) breaks.
    """

    BREAKS = ("chunksize.chunk-on-one-thread",)

    def slices(self, items: List[Any], size: int) -> List[Slice]:
        tasks = []
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            half = (len(chunk) + 1) // 2
            tasks.append((start, chunk[:half]))
            if chunk[half:]:
                tasks.append((start + half, chunk[half:]))
        return tasks


class ChunksOfOneMore(SlicedMaps):
    """The map forms cut chunks of chunksize + 1 items (an off-by-one in the slicing).

    Every item runs once and the results are right, but the chunks are not the ones asked for.
    """

    BREAKS = ("chunksize.chunk-on-one-thread",)

    def slices(self, items: List[Any], size: int) -> List[Slice]:
        return [(start, items[start : start + size + 1]) for start in range(0, len(items), size + 1)]


class DefaultChunksizeRoundsDown(Sized):
    """The default chunksize of the map forms is floor(n / (4 * processes)) instead of the ceiling."""

    BREAKS = ("chunksize.default-for-map",)

    def map_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, *rest: Any, **options: Any) -> Any:
        items = list(iterable)
        return super().map_async(func, items, self._rounded_down(items, chunksize), *rest, **options)

    def starmap_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, *rest: Any, **options: Any) -> Any:
        items = list(iterable)
        return super().starmap_async(func, items, self._rounded_down(items, chunksize), *rest, **options)

    def _rounded_down(self, items: List[Any], chunksize: Optional[int]) -> Optional[int]:
        return max(len(items) // (4 * self.workers), 1) if chunksize is None else chunksize


class FloatChunksizeNeverCompletes(ThreadPool):
    """The map forms accept a float chunksize, cut the input with its integer part, and count the
    chunks to wait for as len / chunksize, a float.

    With chunksize 2.0 and three items that count is 1.5 for two chunks, never reached, so the
    result never completes (its tasks do run). The stdlib's map never completes for a float
    chunksize either.
    """

    BREAKS = ("chunksize.float-does-not-hang",)

    def map_async(self, func: Any, iterable: Iterable[Any], chunksize: Any = None, *rest: Any, **options: Any) -> Any:
        return self._counted(super().map_async, func, iterable, chunksize, *rest, **options)

    def starmap_async(self, func: Any, iterable: Iterable[Any], chunksize: Any = None, *rest: Any, **options: Any) -> Any:
        return self._counted(super().starmap_async, func, iterable, chunksize, *rest, **options)

    def _counted(self, submit: Callable[..., Any], func: Any, iterable: Iterable[Any], chunksize: Any, *rest: Any, **options: Any) -> Any:
        if not isinstance(chunksize, float):
            return submit(func, iterable, chunksize, *rest, **options)
        items = list(iterable)
        size = int(chunksize)
        result = submit(func, items, size, *rest, **options)
        tasks = len(range(0, len(items), size)) or 1
        return result if len(items) / chunksize == tasks else NeverReady()


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

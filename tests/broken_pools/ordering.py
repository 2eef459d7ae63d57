"""Broken pools of the map, imap and imap-unordered families."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, List, Optional

from reference import ThreadPool


class ReversedMap(ThreadPool):
    """map() returns its results backwards: a list of the right values in the wrong order."""

    BREAKS = ("map.order",)

    def map(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> List[Any]:
        return super().map(func, iterable, chunksize)[::-1]


class ImapYieldsInCompletionOrder(ThreadPool):
    """imap() is imap_unordered(): results come in the order tasks finish, not the input order."""

    BREAKS = ("imap.order",)

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, **kwargs: Any) -> Iterator[Any]:
        return super().imap_unordered(func, iterable, chunksize, **kwargs)


class ImapUnorderedDropsTheLast(ThreadPool):
    """imap_unordered() loses the last result it would yield."""

    BREAKS = ("imap-unordered.permutation",)

    def imap_unordered(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, **kwargs: Any) -> Iterator[Any]:
        results = list(super().imap_unordered(func, iterable, chunksize, **kwargs))
        return iter(results[:-1])


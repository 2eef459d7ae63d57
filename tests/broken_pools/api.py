"""Broken pools of the api family."""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Optional

from poolspec.reference import ThreadPool


class KeywordOnlyChunksize(ThreadPool):
    """map() takes chunksize only by keyword, as a port that put it after ``*`` would: the stdlib's
    call map(func, iterable, 4) raises TypeError. The header names the deviation, and each test whose
    call it refuses fails as SIGNATURE (api.signatures), leaving its own clause (map.order) not observed."""

    BREAKS = ("api.signatures",)

    def map(self, func: Callable[[Any], Any], iterable: Iterable[Any], *, chunksize: Optional[int] = None) -> List[Any]:
        return super().map(func, iterable, chunksize)

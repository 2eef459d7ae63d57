"""The reference ``ThreadPool``: a typed drop-in for :class:`multiprocessing.pool.ThreadPool`.

``from poolspec.reference import ThreadPool`` works wherever code uses the stdlib's thread pool. Where the
stdlib hangs or silently returns a wrong answer this pool raises a clear error instead; the README
lists each such difference with its upstream issue.

It is correct with the GIL and on the free-threaded build (3.13t and later), where its threads run
at the same time: each module states which operations it relies on being atomic outside its locks,
and why that holds on both builds; the kit's stress clauses (``--poolspec-stress=N``) check it.
"""

from ._iterators import IMapIterator, IMapUnorderedIterator
from ._results import ApplyResult, AsyncResult, MapResult
from .errors import InitializerError, PoolError, PoolTerminatedError, TimeoutError
from .pool import ThreadPool

__all__ = [
    "ApplyResult",
    "AsyncResult",
    "IMapIterator",
    "IMapUnorderedIterator",
    "InitializerError",
    "MapResult",
    "PoolError",
    "PoolTerminatedError",
    "ThreadPool",
    "TimeoutError",
]

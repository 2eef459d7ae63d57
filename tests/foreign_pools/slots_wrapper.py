"""A thin wrapper round the stdlib's ``multiprocessing.pool.ThreadPool`` whose class has ``__slots__``.

Every method passes straight to the stdlib's pool, and ``repr`` and ``with`` behave as the
stdlib's do, so the pool behaves exactly as the stdlib's. The one difference is not a behaviour of
the API: a class with ``__slots__`` and no ``__weakref__`` slot makes objects that cannot be
weakly referenced (``weakref.ref(pool)`` raises ``TypeError``), as many wrappers written for
memory or speed do.

What a user of the kit should see: with the stdlib's baseline (``--xfails-file`` naming
``poolspec/conformance/baselines/stdlib.txt``), the stdlib's own bugs as expected failures and nothing
else; a clause the kit cannot check without a weak reference is the kit's limit, not the pool's
failure.
"""

from __future__ import annotations

import multiprocessing.pool
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence


class ThreadPool:
    """``multiprocessing.pool.ThreadPool``, wrapped; not weakly referenceable."""

    __slots__ = ("_pool",)

    def __init__(self, processes: Optional[int] = None, initializer: Optional[Callable[..., Any]] = None, initargs: Sequence[Any] = ()) -> None:
        self._pool = multiprocessing.pool.ThreadPool(processes, initializer, initargs)

    def apply(self, func: Callable[..., Any], args: Sequence[Any] = (), kwds: Any = None) -> Any:
        return self._pool.apply(func, args, kwds or {})

    def apply_async(self, func: Callable[..., Any], args: Sequence[Any] = (), kwds: Any = None, callback: Any = None, error_callback: Any = None) -> Any:
        return self._pool.apply_async(func, args, kwds or {}, callback, error_callback)

    def map(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> List[Any]:
        return self._pool.map(func, iterable, chunksize)

    def map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        return self._pool.map_async(func, iterable, chunksize, callback, error_callback)

    def starmap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> List[Any]:
        return self._pool.starmap(func, iterable, chunksize)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        return self._pool.starmap_async(func, iterable, chunksize, callback, error_callback)

    def imap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        return self._pool.imap(func, iterable, chunksize)

    def imap_unordered(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        return self._pool.imap_unordered(func, iterable, chunksize)

    def close(self) -> None:
        self._pool.close()

    def terminate(self) -> None:
        self._pool.terminate()

    def join(self) -> None:
        self._pool.join()

    def __enter__(self) -> ThreadPool:
        self._pool.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._pool.__exit__(*exc_info)

    def __reduce__(self) -> Any:
        return self._pool.__reduce__()

    def __repr__(self) -> str:
        inner = repr(self._pool)
        return inner.replace("multiprocessing.pool.ThreadPool", f"{type(self).__module__}.{type(self).__qualname__}", 1)

"""Helpers of the catalogue, not broken pools themselves (no ``BREAKS``): the reference pool changed through its public API.

A broken pool built on the reference changes what goes into its public methods (the task
function, the input, the arguments) or what comes out of them (a result or an iterator wrapped in
a proxy), never the reference's private code: ``tests/test_catalogue_independence.py`` checks that.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterable, List, Optional, Tuple, Type

from poolspec.reference import ThreadPool, TimeoutError


class ResultProxy:
    """A result of the reference pool, passed through; a subclass changes one method."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, timeout: Optional[float] = None) -> Any:
        return self.inner.get(timeout)

    def wait(self, timeout: Optional[float] = None) -> None:
        return self.inner.wait(timeout)  # type: ignore[no-any-return]

    def ready(self) -> bool:
        return self.inner.ready()  # type: ignore[no-any-return]

    def successful(self) -> bool:
        return self.inner.successful()  # type: ignore[no-any-return]


class IteratorProxy:
    """An imap iterator of the reference pool, passed through; a subclass changes next()."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __iter__(self) -> IteratorProxy:
        return self

    def __next__(self) -> Any:
        return self.next()

    def next(self, timeout: Optional[float] = None) -> Any:
        return self.inner.next(timeout)


class Proxied(ThreadPool):
    """The reference pool, handing out its results and iterators wrapped in ``result_proxy`` and ``iterator_proxy``."""

    result_proxy: Type[ResultProxy] = ResultProxy
    iterator_proxy: Type[IteratorProxy] = IteratorProxy

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.result_proxy(super().apply_async(*args, **kwargs))

    def map_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.result_proxy(super().map_async(*args, **kwargs))

    def starmap_async(self, *args: Any, **kwargs: Any) -> Any:
        return self.result_proxy(super().starmap_async(*args, **kwargs))

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        return self.iterator_proxy(super().imap(*args, **kwargs))

    def imap_unordered(self, *args: Any, **kwargs: Any) -> Any:
        return self.iterator_proxy(super().imap_unordered(*args, **kwargs))


class WrappingTasks(ThreadPool):
    """Every task function passes through :meth:`wrap` (each broken pool's own) on its way in.

    apply(), map() and starmap() go through the async forms, so these five methods see every job.
    A function that is not callable is passed on as it is, for the pool to reject.
    """

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        raise NotImplementedError

    def wrapped(self, func: Any) -> Any:
        return self.wrap(func) if callable(func) else func

    def apply_async(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return super().apply_async(self.wrapped(func), *args, **kwargs)

    def map_async(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return super().map_async(self.wrapped(func), *args, **kwargs)

    def starmap_async(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return super().starmap_async(self.wrapped(func), *args, **kwargs)

    def imap(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return super().imap(self.wrapped(func), *args, **kwargs)

    def imap_unordered(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return super().imap_unordered(self.wrapped(func), *args, **kwargs)


class Sized(ThreadPool):
    """The reference pool, knowing its number of workers as ``workers`` (the API tells it nowhere).

    ``None`` is the CPU count, as the stdlib and the reference count it.
    """

    def __init__(self, processes: Optional[int] = None, initializer: Optional[Callable[..., object]] = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        self.workers: int = processes if processes is not None else getattr(os, "process_cpu_count", os.cpu_count)() or 1


def default_chunksize(items: int, workers: int) -> int:
    """The stdlib's default chunksize of ``map``: about four chunks per worker, at least 1."""
    return max(-(-items // (4 * workers)), 1)


class Tracked(ThreadPool):
    """The reference pool, knowing its own lifecycle as ``state`` (the API tells it nowhere):
    ``"RUN"``, then ``"CLOSE"`` after close() and ``"TERMINATE"`` after terminate()."""

    state = "RUN"

    def close(self) -> None:
        super().close()
        if self.state == "RUN":
            self.state = "CLOSE"

    def terminate(self) -> None:
        super().terminate()
        self.state = "TERMINATE"

    def check_running(self) -> None:
        if self.state != "RUN":
            raise ValueError("Pool not running")


class NeverReady:
    """A result that never completes: ready() is False, wait() and get() wait out their timeout (without one, for ever)."""

    def __init__(self) -> None:
        self.never = threading.Event()

    def ready(self) -> bool:
        return False

    def successful(self) -> bool:
        raise ValueError(f"{self!r} not ready")

    def wait(self, timeout: Optional[float] = None) -> None:
        self.never.wait(timeout)

    def get(self, timeout: Optional[float] = None) -> Any:
        self.never.wait(timeout)
        raise TimeoutError


Slice = Tuple[int, List[Any]]
"""A task of a sliced map: the position of its first item, and its items."""


class SlicedMaps(Sized):
    """The map forms run as a reference map over slices of the input, one task per slice.

    :meth:`slices` (each broken pool's own) cuts the input; :meth:`assemble` puts the slices'
    values together, by default each at its place. A function or chunksize the reference would
    reject goes to the reference as it is.
    """

    def slices(self, items: List[Any], size: int) -> List[Slice]:
        raise NotImplementedError

    def assemble(self, length: int, outcomes: List[Slice], finished: List[int]) -> List[Any]:
        """The map's values from each slice's ``(start, values)``; ``finished`` holds the slices' numbers in the order they finished."""
        values: List[Any] = [None] * length
        for start, part in outcomes:
            values[start : start + len(part)] = part
        return values

    def map_async(self, func: Any, iterable: Iterable[Any], chunksize: Any = None, callback: Any = None, error_callback: Any = None) -> Any:
        return self._sliced(super().map_async, func, iterable, chunksize, callback, error_callback, star=False)

    def starmap_async(self, func: Any, iterable: Iterable[Any], chunksize: Any = None, callback: Any = None, error_callback: Any = None) -> Any:
        return self._sliced(super().starmap_async, func, iterable, chunksize, callback, error_callback, star=True)

    def _sliced(self, submit: Callable[..., Any], func: Any, iterable: Iterable[Any], chunksize: Any, callback: Any, error_callback: Any, star: bool) -> Any:
        if not callable(func) or not (chunksize is None or (type(chunksize) is int and chunksize >= 1)):
            return submit(func, iterable, chunksize, callback, error_callback)
        items = list(iterable)
        slices = self.slices(items, chunksize or default_chunksize(len(items), self.workers))
        finished: List[int] = []

        def run(number: int) -> Slice:
            start, part = slices[number]
            values = [func(*item) if star else func(item) for item in part]
            finished.append(number)
            return start, values

        def assembled(outcomes: List[Slice]) -> List[Any]:
            return self.assemble(len(items), outcomes, finished)

        on_values = None if callback is None else (lambda outcomes: callback(assembled(outcomes)))
        return _Assembled(super().map_async(run, range(len(slices)), 1, on_values, error_callback), assembled)


class _Assembled(ResultProxy):
    """A sliced map's result: get() gives the assembled values."""

    def __init__(self, inner: Any, assembled: Callable[[List[Slice]], List[Any]]) -> None:
        super().__init__(inner)
        self.assembled = assembled

    def get(self, timeout: Optional[float] = None) -> Any:
        return self.assembled(self.inner.get(timeout))

"""Broken pools of the construction family."""

from __future__ import annotations

import multiprocessing.pool
import os
import warnings
from typing import Any, Callable, ClassVar, Dict, Iterable, Optional

from poolspec.reference import InitializerError, ThreadPool

from .wrappers import IteratorProxy

Initializer = Optional[Callable[..., object]]


class OneWorkerTooMany(ThreadPool):
    """ThreadPool(n) starts n + 1 workers: one task more than asked for runs at the same time."""

    BREAKS = ("construction.processes-honoured",)

    def __init__(self, processes: Optional[int] = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        if isinstance(processes, int) and processes >= 1:
            processes += 1
        super().__init__(processes, initializer, initargs)


class ZeroProcessesMeansOne(ThreadPool):
    """processes 0 or below is taken as 1 instead of being rejected: ThreadPool(0) quietly runs one worker."""

    BREAKS = ("construction.processes-below-one-rejected",)

    def __init__(self, processes: Optional[int] = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        if isinstance(processes, int) and processes < 1:
            processes = 1
        super().__init__(processes, initializer, initargs)


class DefaultCountsOneMore(ThreadPool):
    """ThreadPool() starts the CPU count plus one workers (a rule of thumb for I/O pools), not the CPU count."""

    BREAKS = ("construction.processes-default",)

    def __init__(self, processes: Optional[int] = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        if processes is None:
            processes = (os.cpu_count() or 1) + 1
        super().__init__(processes, initializer, initargs)


class CoercesProcesses(ThreadPool):
    """processes goes through int(): ThreadPool("2") and ThreadPool(2.5) quietly build a pool of 2 instead of raising."""

    BREAKS = ("construction.processes-type-checked",)

    def __init__(self, processes: Any = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(None if processes is None else int(processes), initializer, initargs)


class InitializerOnCallerThread(ThreadPool):
    """The constructor runs the initializer once per worker itself, on the thread that builds the pool:
    whatever it sets up per thread (thread-locals, connections) is missing in the workers."""

    BREAKS = ("construction.initializer-per-worker",)

    def __init__(self, processes: Optional[int] = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        if initializer is not None:
            for _ in range(processes or os.cpu_count() or 1):
                initializer(*initargs)
        super().__init__(processes)


class InitializerTwice(ThreadPool):
    """Each worker runs the initializer twice before its first task (a retry wrapper gone wrong)."""

    BREAKS = ("construction.initializer-per-worker",)

    def __init__(self, processes: Optional[int] = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        if callable(initializer):
            once = initializer

            def twice(*args: Any) -> None:
                once(*args)
                once(*args)

            initializer = twice
        super().__init__(processes, initializer, initargs)


class InitargsAsOneArgument(ThreadPool):
    """The initializer gets initargs as one tuple, initializer(initargs), instead of initializer(*initargs)."""

    BREAKS = ("construction.initializer-per-worker",)

    def __init__(self, processes: Optional[int] = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        if callable(initializer):
            target = initializer
            super().__init__(processes, lambda *args: target(args), initargs)
        else:
            super().__init__(processes, initializer, initargs)


class InitializerCheckedLate(ThreadPool):
    """A non-callable initializer is accepted: the constructor wraps it without looking, and each worker
    fails only when it calls it, so the mistake shows up later as failing tasks."""

    BREAKS = ("construction.initializer-not-callable-rejected",)

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        if initializer is not None:
            target = initializer
            super().__init__(processes, lambda *args: target(*args), initargs)
        else:
            super().__init__(processes)


class InitializerErrorIgnored(ThreadPool):
    """An initializer that raises is ignored: the workers run the tasks half-initialised, and their
    results succeed as if nothing had happened."""

    BREAKS = ("construction.initializer-error-fails-results",)

    def __init__(self, processes: Optional[int] = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        if callable(initializer):
            target = initializer

            def forgiving(*args: Any) -> None:
                try:
                    target(*args)
                except Exception:  # noqa: BLE001, S110 - the bug
                    pass

            initializer = forgiving
        super().__init__(processes, initializer, initargs)


class AcceptsProcessArguments(ThreadPool):
    """maxtasksperchild and context are accepted and ignored, as in a process pool's signature: code
    written for Pool silently loses them."""

    BREAKS = ("construction.process-arguments-rejected",)

    def __init__(
        self,
        processes: Optional[int] = None,
        initializer: Initializer = None,
        initargs: Iterable[Any] = (),
        maxtasksperchild: Optional[int] = None,
        context: Any = None,
    ) -> None:
        super().__init__(processes, initializer, initargs)


class PicklesWithTypeError(ThreadPool):
    """Pickling is not refused up front: it fails deep inside, on a lock (TypeError: cannot pickle
    '_thread.lock' object), instead of raising NotImplementedError."""

    BREAKS = ("construction.pickling-rejected",)

    __reduce__ = object.__reduce__  # type: ignore[assignment]


class NeverWarns(multiprocessing.pool.ThreadPool):
    """A running pool that is garbage-collected is terminated without a ResourceWarning: a leaked pool goes unnoticed."""

    BREAKS = ("construction.collected-running-pool-warns",)

    def __del__(self) -> None:
        notifier = getattr(self, "_change_notifier", None)
        if notifier is not None:
            notifier.put(None)


class WarnsForClosedPool(multiprocessing.pool.ThreadPool):
    """A pool that was closed, but not terminated, still warns 'unclosed running pool' when it is
    collected: the warning cries wolf for code that closed its pool properly."""

    BREAKS = ("construction.collected-running-pool-warns",)

    def __del__(self) -> None:
        if getattr(self, "_state", None) == multiprocessing.pool.CLOSE:
            warnings.warn(f"unclosed running multiprocessing pool {self!r}", ResourceWarning, source=self)  # noqa: B028 - worded and placed as the stdlib warns
        super().__del__()  # type: ignore[misc]


class _EndsQuietly(IteratorProxy):
    """An iteration that ends, as if it had succeeded, where the pool's initializer failed."""

    def next(self, timeout: Optional[float] = None) -> Any:
        try:
            return self.inner.next(timeout)
        except InitializerError:
            raise StopIteration from None


class EmptyImapIgnoresAFailedInitializer(ThreadPool):
    """imap() and imap_unordered() over an empty list end at once without asking the workers, as
    the stdlib's do: on a pool whose initializer failed, that iteration ends as if it had succeeded,
    while every other call fails with the initializer's error."""

    BREAKS = ("construction.initializer-error-fails-results",)

    def imap(self, func: Any, iterable: Any, chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return _ended_if_empty(iterable, buffersize, super().imap(func, iterable, chunksize, buffersize))

    def imap_unordered(self, func: Any, iterable: Any, chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return _ended_if_empty(iterable, buffersize, super().imap_unordered(func, iterable, chunksize, buffersize))


def _ended_if_empty(iterable: Any, buffersize: Optional[int], iterator: Any) -> Any:
    return _EndsQuietly(iterator) if buffersize is None and type(iterable) is list and not iterable else iterator


class SharedPerWorkerCount:
    """Pools built with the same number of workers share one pool, cached by the class (as pathos'
    pools do): stopping one stops them all, and a pool built later with that number is born
    stopped (``ValueError: Pool not running``)."""

    BREAKS = ("construction.pools-independent",)

    _shared: ClassVar[Dict[Optional[int], ThreadPool]] = {}

    def __init__(self, processes: Optional[int] = None, initializer: Initializer = None, initargs: Iterable[Any] = ()) -> None:
        if processes not in self._shared:
            self._shared[processes] = ThreadPool(processes, initializer, initargs)
        self._pool = self._shared[processes]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

"""``ThreadPool``: the public face of the reference pool.

It validates arguments in the caller's thread, builds the result objects, and hands their tasks
to the :class:`~poolspec.reference._engine.Engine`, which owns the threads. The engine never refers back to
the pool object, so a pool that nobody references any more (and that owes no result) is collected,
and collecting it terminates it, as the stdlib documents.

Free-threaded Python
--------------------
A pool object holds no state of its own that changes (``_engine`` is set once), so any number of
threads may submit to one pool at once, with the GIL or on the free-threaded build: arguments are
checked and inputs read in each caller's thread, and every shared change happens in the engine
and the results, under the locks and atomic operations their modules name.
"""

from __future__ import annotations

import sys
import warnings
import weakref
from types import MappingProxyType, TracebackType
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, NoReturn, Optional, Sequence, Type, TypeVar

from . import _arguments
from ._engine import Engine, State
from ._feeder import Feeder
from ._iterators import IMapIterator, IMapUnorderedIterator
from ._results import ApplyResult, MapResult

S = TypeVar("S")
T = TypeVar("T")
Self = TypeVar("Self", bound="ThreadPool")

_NO_KEYWORDS: Mapping[str, Any] = MappingProxyType({})

_PLAIN_SEQUENCES = (list, tuple, range)
"""Inputs that ``imap`` reads at the call: exact types only, as a subclass may override iteration."""


class ThreadPool:
    """A pool of worker threads with the API of :class:`multiprocessing.pool.ThreadPool`.

    ``processes`` workers (``None``: the CPU count the stdlib uses); each runs
    ``initializer(*initargs)`` once before its first task. See the README for where this pool
    deliberately differs from the stdlib's: it raises where the stdlib hangs or returns wrong
    results.
    """

    def __init__(
        self,
        processes: Optional[int] = None,
        initializer: Optional[Callable[..., object]] = None,
        initargs: Iterable[Any] = (),
    ) -> None:
        self._engine = Engine(_arguments.worker_count(processes), _arguments.initializer_call(initializer, initargs))
        weakref.finalize(self, _collected, self._engine)

    # -- single calls -------------------------------------------------------------------------

    def apply(self, func: Callable[..., T], args: Iterable[Any] = (), kwds: Mapping[str, Any] = _NO_KEYWORDS) -> T:
        """``func(*args, **kwds)`` run on a worker; its value, or its exception re-raised."""
        return self.apply_async(func, args, kwds).get()

    def apply_async(
        self,
        func: Callable[..., T],
        args: Iterable[Any] = (),
        kwds: Mapping[str, Any] = _NO_KEYWORDS,
        callback: Optional[Callable[[T], object]] = None,
        error_callback: Optional[Callable[[BaseException], object]] = None,
    ) -> ApplyResult[T]:
        """Run ``func(*args, **kwds)`` on a worker; return its :class:`ApplyResult` at once."""
        _arguments.task_function(func)
        if callback is not None or error_callback is not None:
            _check_callbacks(callback, error_callback)
        call_kwds: Dict[str, Any]
        if type(args) is tuple and kwds is _NO_KEYWORDS:  # the common call: nothing to check or copy
            call_args, call_kwds = args, {}
        else:
            call_args, call_kwds = _arguments.call_arguments(args, kwds)
        result: ApplyResult[T] = ApplyResult(self._engine, self, callback, error_callback)
        self._engine.submit_one(result, (func, call_args, call_kwds))
        return result

    # -- maps: the whole input up front, one result ---------------------------------------------

    def map(self, func: Callable[[S], T], iterable: Iterable[S], chunksize: Optional[int] = None) -> List[T]:
        """``[func(x) for x in iterable]``, computed in chunks on the workers."""
        return self.map_async(func, iterable, chunksize).get()

    def starmap(self, func: Callable[..., T], iterable: Iterable[Iterable[Any]], chunksize: Optional[int] = None) -> List[T]:
        """``[func(*args) for args in iterable]``, computed in chunks on the workers."""
        return self.starmap_async(func, iterable, chunksize).get()

    def map_async(
        self,
        func: Callable[[S], T],
        iterable: Iterable[S],
        chunksize: Optional[int] = None,
        callback: Optional[Callable[[List[T]], object]] = None,
        error_callback: Optional[Callable[[BaseException], object]] = None,
    ) -> MapResult[T]:
        """Like :meth:`map`, returning a :class:`MapResult` at once."""
        return self._map_async(func, iterable, chunksize, callback, error_callback, star=False)

    def starmap_async(
        self,
        func: Callable[..., T],
        iterable: Iterable[Iterable[Any]],
        chunksize: Optional[int] = None,
        callback: Optional[Callable[[List[T]], object]] = None,
        error_callback: Optional[Callable[[BaseException], object]] = None,
    ) -> MapResult[T]:
        """Like :meth:`starmap`, returning a :class:`MapResult` at once."""
        return self._map_async(func, iterable, chunksize, callback, error_callback, star=True)

    def _map_async(
        self,
        func: Callable[..., T],
        iterable: Iterable[Any],
        chunksize: Optional[int],
        callback: Optional[Callable[[List[T]], object]],
        error_callback: Optional[Callable[[BaseException], object]],
        star: bool,
    ) -> MapResult[T]:
        """Read the whole input in the caller's thread (as the stdlib does) and submit its chunks."""
        _arguments.task_function(func)
        _check_callbacks(callback, error_callback)
        size = None if chunksize is None else _arguments.chunksize(chunksize)
        self._engine.check_running()
        items = list(iterable)
        if size is None:
            size = _arguments.default_chunksize(len(items), self._engine.processes)
        starts = range(0, len(items), size) or range(1)  # an empty input is one empty chunk
        result: MapResult[T] = MapResult(self._engine, self, func, star, len(items), len(starts), callback, error_callback)
        self._engine.submit(result, starts, _chunks(items, starts, size))
        return result

    # -- imaps: the input read by a feeder thread (or at the call), results streamed ----------

    def imap(
        self,
        func: Callable[[S], T],
        iterable: Iterable[S],
        chunksize: int = 1,
        buffersize: Optional[int] = None,
    ) -> IMapIterator[T]:
        """Results of ``func`` over ``iterable`` in input order, each as soon as it can be yielded.

        The input is read by a thread of the pool, not the caller's; with ``buffersize`` at most
        ``buffersize`` tasks are submitted whose results have not yet been yielded, however many
        workers there are (CPython 3.16's meaning).
        Without ``buffersize``, a ``list``, ``tuple`` or ``range`` (exactly these types, not
        subclasses) is instead read whole during the call, as :meth:`map` reads its input: changing
        the list afterwards does not change the results (the stdlib reads it later, in its task
        handler thread, so it may see such changes).
        """
        return self._imap(IMapIterator, func, iterable, chunksize, buffersize)

    def imap_unordered(
        self,
        func: Callable[[S], T],
        iterable: Iterable[S],
        chunksize: int = 1,
        buffersize: Optional[int] = None,
    ) -> IMapIterator[T]:
        """Like :meth:`imap`, but yields each result as soon as it is ready, in any order."""
        return self._imap(IMapUnorderedIterator, func, iterable, chunksize, buffersize)

    def _imap(
        self,
        iterator_class: Type[IMapIterator[T]],
        func: Callable[[S], T],
        iterable: Iterable[S],
        chunksize: int,
        buffersize: Optional[int],
    ) -> IMapIterator[T]:
        _arguments.task_function(func)
        size = _arguments.chunksize(chunksize)
        buffered = _arguments.buffersize(buffersize)
        if buffered is None and type(iterable) in _PLAIN_SEQUENCES:
            sequence: Sequence[S] = iterable  # type: ignore[assignment]
            try:
                count = len(sequence)
            except OverflowError:  # a range too long for len(): read it lazily, like any iterable
                pass
            else:
                # Nothing to wait for and no user code to run: submit every chunk now, as map does.
                iterator = iterator_class(self._engine, self, func, None, single_items=size == 1)
                starts = range(0, count, size)
                payloads = sequence if size == 1 else _chunks(sequence, starts, size)
                if self._engine.submit(iterator, starts, payloads):
                    iterator.input_ended(count, len(starts), None)
                return iterator
        inputs = iter(iterable)
        iterator = iterator_class(self._engine, self, func, buffered)
        # No input can fill a chunk of more than sys.maxsize items, and the feeder reads each
        # chunk with itertools.islice, which takes no larger size.
        feeder = Feeder(self._engine, iterator, inputs, min(size, sys.maxsize))
        self._engine.submit_with_feeder(iterator, feeder)
        return iterator

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Accept no more work; what was submitted still runs. Idempotent."""
        self._engine.close()

    def terminate(self) -> None:
        """Accept no more work, drop queued tasks, and fail every result not yet completed with
        :class:`~poolspec.reference.errors.PoolTerminatedError`. Returns without waiting for running tasks.
        """
        self._engine.terminate()

    def join(self) -> None:
        """Wait for the pool's threads to stop; ``close()`` or ``terminate()`` must come first."""
        self._engine.join()

    def __enter__(self: Self) -> Self:
        self._engine.check_running()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.terminate()

    def __reduce__(self) -> NoReturn:
        raise NotImplementedError("pool objects cannot be passed between processes or pickled")

    def __repr__(self) -> str:
        cls = type(self)
        return f"<{cls.__module__}.{cls.__qualname__} state={self._engine.state.value} pool_size={self._engine.processes}>"


def _chunks(items: Sequence[Any], starts: range, size: int) -> Iterator[Sequence[Any]]:
    """The slices of ``items`` of ``size`` items beginning at each of ``starts`` (copies, for a list)."""
    return (items[start : start + size] for start in starts)


def _check_callbacks(callback: Any, error_callback: Any) -> None:
    _arguments.callback("callback", callback)
    _arguments.callback("error_callback", error_callback)


def _collected(engine: Engine) -> None:
    """The pool object was garbage-collected: terminate it, then warn if it was still running.

    Terminate first: a warning turned into an error (``-W error``) must not keep the threads alive.
    """
    was_running = engine.state is State.RUN
    engine.terminate()
    if was_running:
        warnings.warn("unclosed running poolspec.reference.ThreadPool", ResourceWarning, stacklevel=1)

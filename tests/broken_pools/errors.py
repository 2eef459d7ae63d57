"""Broken pools of the errors family: how a task's or an input's exception reaches the caller."""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Type

from reference import ThreadPool, _arguments
from reference._iterators import IMapIterator, IMapUnorderedIterator
from reference._results import ApplyResult, MapResult
from reference.errors import TimeoutError

NO_KEYWORDS: Mapping[str, Any] = {}


def _apply_with(
    pool: ThreadPool, result_class: Type[ApplyResult[Any]], func: Callable[..., Any], args: Iterable[Any], kwds: Mapping[str, Any], callback: Any, error_callback: Any
) -> Any:
    """The reference's apply_async, with results of ``result_class``."""
    _arguments.task_function(func)
    call_args, call_kwds = _arguments.call_arguments(args, kwds)
    result = result_class(pool._engine, pool, callback, error_callback)
    pool._engine.submit(result, [(0, (func, call_args, call_kwds))])
    return result


def _map_with(
    pool: ThreadPool,
    result_class: Type[MapResult[Any]],
    func: Callable[..., Any],
    iterable: Iterable[Any],
    chunksize: Optional[int],
    callback: Any,
    error_callback: Any,
    star: bool,
) -> Any:
    """The reference's _map_async, with results of ``result_class``."""
    _arguments.task_function(func)
    size = None if chunksize is None else _arguments.chunksize(chunksize)
    pool._engine.check_running()
    items = list(iterable)
    if size is None:
        size = _arguments.default_chunksize(len(items), pool._engine.processes)
    starts = range(0, len(items), size) or range(1)
    result = result_class(pool._engine, pool, func, star, len(items), len(starts), callback, error_callback)
    pool._engine.submit(result, ((start, items[start : start + size]) for start in starts))
    return result


# -- the task's exception, changed on its way --------------------------------------------------


def _wrapping(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any, **kwds: Any) -> Any:
        try:
            return func(*args, **kwds)
        except Exception as exc:
            raise RuntimeError(f"task failed: {exc!r}") from exc

    return call


def _copying(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any, **kwds: Any) -> Any:
        try:
            return func(*args, **kwds)
        except Exception as exc:  # noqa: BLE001 - the bug: every exception is copied
            raise type(exc)(*exc.args) from None

    return call


class _Rewrapped(ThreadPool):
    """Every task function passed through ``self._through`` (a wrapper of the broken pool)."""

    _through: Callable[[Callable[..., Any]], Callable[..., Any]]

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Any = None, error_callback: Any = None) -> Any:
        return super().apply_async(type(self)._through(func), args, kwds, callback, error_callback)

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], callback: Any, error_callback: Any, star: bool) -> Any:
        return super()._map_async(type(self)._through(func), iterable, chunksize, callback, error_callback, star)

    def _imap(self, iterator_class: Any, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int, buffersize: Optional[int]) -> Any:
        return super()._imap(iterator_class, type(self)._through(func), iterable, chunksize, buffersize)


class ErrorsWrapped(_Rewrapped):
    """A failed task raises RuntimeError('task failed: ...') from the task's exception, as a process
    pool's remote traceback does: ``except ValueError`` around ``pool.map`` no longer catches it.
    """

    BREAKS = ("errors.reraised-as-is", "errors.reraised-same-object")
    _through = staticmethod(_wrapping)


class ErrorsCopied(_Rewrapped):
    """A failed task's exception is raised as a copy, ``type(exc)(*exc.args)``, as if pickled.

    Type and args are right, but attributes set on the exception, its traceback and its identity
    are lost.
    """

    BREAKS = ("errors.reraised-same-object",)
    _through = staticmethod(_copying)


class _ForgetfulResult(ApplyResult[Any]):
    def get(self, timeout: Optional[float] = None) -> Any:
        try:
            return super().get(timeout)
        except TimeoutError:
            raise
        except BaseException:
            # Drop the exception once raised, "to break the reference cycle through its traceback".
            self._ok, self._value = True, None
            raise


class GetRaisesOnlyOnce(ThreadPool):
    """apply_async's result drops a task's exception after raising it: a second get() returns None."""

    BREAKS = ("errors.reraised-as-is", "errors.reraised-same-object")

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Any = None, error_callback: Any = None) -> Any:
        return _apply_with(self, _ForgetfulResult, func, args, kwds, callback, error_callback)


class _TogglingMapResult(MapResult[Any]):
    def _chunk_finished(self, error: Optional[BaseException]) -> None:
        with self._lock:
            if error is not None:
                # Meant to keep the first error; a second one clears it instead.
                self._error = error if self._error is None else None
            self._chunks_left -= 1
            if self._chunks_left:
                return
        if self._error is None:
            self._finish(True, self._values)
        else:
            self._finish(False, self._error)


class TwoFailuresCancelOut(ThreadPool):
    """A map whose chunks fail an even number of times returns a list with None for the failed items.

    One failing chunk raises as it should; a second one clears the error instead of keeping the
    first, so the errors are swallowed into None.
    """

    BREAKS = ("errors.map-raises-a-failure", "map.any-workload")

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], callback: Any, error_callback: Any, star: bool) -> Any:
        return _map_with(self, _TogglingMapResult, func, iterable, chunksize, callback, error_callback, star)


class _LastFailureResult:
    """A map's result whose get() raises the last failure recorded in ``failures`` instead of its own exception."""

    def __init__(self, result: Any, failures: List[BaseException]) -> None:
        self._result = result
        self._failures = failures

    def get(self, timeout: Optional[float] = None) -> Any:
        try:
            return self._result.get(timeout)
        except Exception as exc:
            if not any(exc is failure for failure in self._failures):
                raise  # not a task's failure: a timeout
            raise self._failures[-1] from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)


def _recording_failures(func: Callable[..., Any], failures: List[BaseException]) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any) -> Any:
        try:
            return func(*args)
        except Exception as exc:
            failures.append(exc)
            raise

    return call


class MapRaisesTheLastFailure(ThreadPool):
    """map() and its forms raise the exception of the last failing item to complete, not the first.

    It waits for every task and keeps the last failure it saw, as a port that collects futures and
    raises from the last one that failed would. With one worker and items 0 and 1 both failing,
    map() raises item 1's exception: the error a user sees is not the first that happened, and it
    changes with the number of workers. Built on the public API only.
    """

    BREAKS = ("errors.map-raises-first-failure",)

    def map_async(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        failures: List[BaseException] = []
        return _LastFailureResult(super().map_async(_recording_failures(func, failures), *args, **kwargs), failures)

    def starmap_async(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        failures: List[BaseException] = []
        return _LastFailureResult(super().starmap_async(_recording_failures(func, failures), *args, **kwargs), failures)


class _StopsAfterFirstError:
    def next(self, timeout: Optional[float] = None) -> Any:
        try:
            return super().next(timeout)  # type: ignore[misc]
        except (StopIteration, TimeoutError):
            raise
        except BaseException:
            with self._cond:  # type: ignore[attr-defined]
                self._finished = True
            raise

    __next__ = next


class _StopsAfterFirstErrorInOrder(_StopsAfterFirstError, IMapIterator[Any]):
    pass


class _StopsAfterFirstErrorUnordered(_StopsAfterFirstError, IMapUnorderedIterator[Any]):
    pass


class ImapStopsAfterFirstError(ThreadPool):
    """imap() and imap_unordered() end after raising a failed task's exception: later results are lost."""

    BREAKS = ("errors.imap-continues-after-failure", "imap.any-workload")

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._imap(_StopsAfterFirstErrorInOrder, func, iterable, chunksize, buffersize)

    def imap_unordered(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._imap(_StopsAfterFirstErrorUnordered, func, iterable, chunksize, buffersize)


class _ErrorsAsValues(IMapIterator[Any]):
    def next(self, timeout: Optional[float] = None) -> Any:
        try:
            return super().next(timeout)
        except (StopIteration, TimeoutError):
            raise
        except Exception as exc:  # noqa: BLE001 - the bug: any error becomes a value
            return exc

    __next__ = next


class ImapYieldsErrorsAsValues(ThreadPool):
    """imap() yields a failed task's exception object as its result instead of raising it."""

    BREAKS = ("errors.reraised-as-is", "errors.imap-continues-after-failure")

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._imap(_ErrorsAsValues, func, iterable, chunksize, buffersize)


# -- the input's exception -------------------------------------------------------------------


def _until_error(iterable: Iterable[Any]) -> List[Any]:
    items = []
    try:
        for item in iterable:
            items.append(item)
    except Exception:  # noqa: BLE001, S110 - the bug: a failing input just ends
        pass
    return items


class MapInputErrorEndsTheInput(ThreadPool):
    """The map forms treat an input that raises as ended: they return the results of the items
    read before, and the input's error is lost.
    """

    BREAKS = ("errors.input-error-map",)

    def _map_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int], callback: Any, error_callback: Any, star: bool) -> Any:
        return super()._map_async(func, _until_error(iterable), chunksize, callback, error_callback, star)


def _stop_at_error(iterable: Iterable[Any]) -> Iterator[Any]:
    iterator = iter(iterable)
    while True:
        try:
            item = next(iterator)
        except Exception:  # noqa: BLE001 - the bug: StopIteration and a failing input end alike
            return
        yield item


class ImapInputErrorEndsTheIteration(ThreadPool):
    """imap() and imap_unordered() end quietly when their input raises: the error is lost."""

    BREAKS = ("errors.input-error-imap",)

    def _imap(self, iterator_class: Any, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int, buffersize: Optional[int]) -> Any:
        return super()._imap(iterator_class, func, _stop_at_error(iterable), chunksize, buffersize)


class _ExceptionOnlyResult(ApplyResult[Any]):
    def run_task(self, index: int, payload: Any) -> None:
        func, args, kwds = payload
        try:
            value = func(*args, **kwds)
        except Exception as exc:  # noqa: BLE001 - the bug: a BaseException escapes and kills the worker thread
            self._finish(False, exc)
        else:
            self._finish(True, value)


class BaseExceptionKillsTheWorker(ThreadPool):
    """A task that raises a BaseException that is not an Exception (KeyboardInterrupt, a
    cancellation) kills its worker thread, and its result never completes: get() blocks for ever.
    The stdlib does the same (PR #101081).
    """

    BREAKS = ("errors.base-exception-fails-result",)

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Any = None, error_callback: Any = None) -> Any:
        return _apply_with(self, _ExceptionOnlyResult, func, args, kwds, callback, error_callback)

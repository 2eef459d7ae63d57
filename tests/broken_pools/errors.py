"""Broken pools of the errors family: how a task's or an input's exception reaches the caller."""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional

from poolspec.reference import ThreadPool, TimeoutError

from .wrappers import IteratorProxy, ResultProxy, WrappingTasks

NO_KEYWORDS: Mapping[str, Any] = {}


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


class ErrorsWrapped(WrappingTasks):
    """A failed task raises RuntimeError('task failed: ...') from the task's exception, as a process
    pool's remote traceback does: ``except ValueError`` around ``pool.map`` no longer catches it.
    """

    BREAKS = ("errors.reraised-as-is", "errors.reraised-same-object")

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return _wrapping(func)


class ErrorsCopied(WrappingTasks):
    """A failed task's exception is raised as a copy, ``type(exc)(*exc.args)``, as if pickled.

    Type and args are right, but attributes set on the exception, its traceback and its identity
    are lost.
    """

    BREAKS = ("errors.reraised-same-object",)

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return _copying(func)


class _ForgetfulResult(ResultProxy):
    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.dropped = False

    def get(self, timeout: Optional[float] = None) -> Any:
        if self.dropped:
            return None
        try:
            return self.inner.get(timeout)
        except TimeoutError:
            raise
        except BaseException:
            # Drop the exception once raised, "to break the reference cycle through its traceback".
            self.dropped = True
            raise


class GetRaisesOnlyOnce(ThreadPool):
    """apply_async's result drops a task's exception after raising it: a second get() returns None."""

    BREAKS = ("errors.reraised-as-is", "errors.reraised-same-object")

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        return _ForgetfulResult(super().apply_async(*args, **kwargs))


class _Failed:
    """A task's exception, returned as its value."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _catching(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any) -> Any:
        try:
            return func(*args)
        except Exception as exc:  # noqa: BLE001 - counted by _toggled
            return _Failed(exc)

    return call


def _toggled(values: List[Any]) -> Any:
    """The first failure among ``values`` if they hold an odd number of failures, else None."""
    failures = [value.error for value in values if isinstance(value, _Failed)]
    return failures[0] if len(failures) % 2 else None


class _Toggling(ResultProxy):
    """A map result whose failed items cancel out in pairs: None in their place."""

    def get(self, timeout: Optional[float] = None) -> Any:
        values = self.inner.get(timeout)
        error = _toggled(values)
        if error is not None:
            raise error
        return [None if isinstance(value, _Failed) else value for value in values]

    def successful(self) -> bool:
        return bool(self.inner.successful()) and _toggled(self.inner.get(0)) is None


def _toggling_callbacks(callback: Any, error_callback: Any) -> Any:
    """The map's callback and error_callback, given what :class:`_Toggling` makes of the values."""

    def call(values: List[Any]) -> None:
        error = _toggled(values)
        if error is None and callback is not None:
            callback([None if isinstance(value, _Failed) else value for value in values])
        elif error is not None and error_callback is not None:
            error_callback(error)

    return call if callback is not None or error_callback is not None else None


class TwoFailuresCancelOut(ThreadPool):
    """A map whose items fail an even number of times returns a list with None for the failed items.

    One failing item raises as it should; a second one clears the error instead of keeping the
    first, so the errors are swallowed into None.
    """

    BREAKS = ("errors.map-raises-a-failure", "map.any-workload")

    def map_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        return _Toggling(super().map_async(_catching(func) if callable(func) else func, iterable, chunksize, _toggling_callbacks(callback, error_callback), error_callback))

    def starmap_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        return _Toggling(super().starmap_async(_catching(func) if callable(func) else func, iterable, chunksize, _toggling_callbacks(callback, error_callback), error_callback))


class _LastFailureResult(ResultProxy):
    """A map's result whose get() raises the last failure recorded in ``failures`` instead of its own exception."""

    def __init__(self, inner: Any, failures: List[BaseException]) -> None:
        super().__init__(inner)
        self.failures = failures

    def get(self, timeout: Optional[float] = None) -> Any:
        try:
            return self.inner.get(timeout)
        except Exception as exc:
            if not any(exc is failure for failure in self.failures):
                raise  # not a task's failure: a timeout
            raise self.failures[-1] from None


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


class _StopsAfterFirstError(IteratorProxy):
    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.stopped = False

    def next(self, timeout: Optional[float] = None) -> Any:
        if self.stopped:
            raise StopIteration
        try:
            return self.inner.next(timeout)
        except (StopIteration, TimeoutError):
            raise
        except BaseException:
            self.stopped = True
            raise


class ImapStopsAfterFirstError(ThreadPool):
    """imap() and imap_unordered() end after raising a failed task's exception: later results are lost."""

    BREAKS = ("errors.imap-continues-after-failure", "imap.any-workload")

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        return _StopsAfterFirstError(super().imap(*args, **kwargs))

    def imap_unordered(self, *args: Any, **kwargs: Any) -> Any:
        return _StopsAfterFirstError(super().imap_unordered(*args, **kwargs))


class _ErrorsAsValues(IteratorProxy):
    def next(self, timeout: Optional[float] = None) -> Any:
        try:
            return self.inner.next(timeout)
        except (StopIteration, TimeoutError):
            raise
        except Exception as exc:  # noqa: BLE001 - the bug: any error becomes a value
            return exc


class ImapYieldsErrorsAsValues(ThreadPool):
    """imap() yields a failed task's exception object as its result instead of raising it."""

    BREAKS = ("errors.reraised-as-is", "errors.imap-continues-after-failure")

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        return _ErrorsAsValues(super().imap(*args, **kwargs))


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

    def map_async(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        return super().map_async(func, _until_error(iterable), *args, **kwargs)

    def starmap_async(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        return super().starmap_async(func, _until_error(iterable), *args, **kwargs)


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

    def imap(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        return super().imap(func, _stop_at_error(iterable), *args, **kwargs)

    def imap_unordered(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        return super().imap_unordered(func, _stop_at_error(iterable), *args, **kwargs)


class BaseExceptionKillsTheWorker(ThreadPool):
    """A task that raises a BaseException that is not an Exception (KeyboardInterrupt, a
    cancellation) takes its worker thread with it, and its result never completes: get() blocks for
    ever. The stdlib does the same (PR #101081). (Here the worker stays in the task until the pool
    is joined or terminated.)
    """

    BREAKS = ("errors.base-exception-fails-result",)

    def __init__(self, processes: Optional[int] = None, initializer: Any = None, initargs: Iterable[Any] = ()) -> None:
        super().__init__(processes, initializer, initargs)
        self._stopping = threading.Event()

    def apply_async(self, func: Any, args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Any = None, error_callback: Any = None) -> Any:
        return super().apply_async(self._lost_on_base_exceptions(func) if callable(func) else func, args, kwds, callback, error_callback)

    def _lost_on_base_exceptions(self, func: Callable[..., Any]) -> Callable[..., Any]:
        stopping = self._stopping

        def call(*args: Any, **kwds: Any) -> Any:
            try:
                return func(*args, **kwds)
            except Exception:
                raise
            except BaseException:
                stopping.wait()  # the bug: the worker is gone for the rest of the pool's life
                raise

        return call

    def join(self) -> None:
        self._stopping.set()
        super().join()

    def terminate(self) -> None:
        super().terminate()
        self._stopping.set()

"""Broken pools of the apply, map, imap and imap-unordered families: results, order, streaming."""

from __future__ import annotations

import collections
import collections.abc
import functools
import itertools
import threading
from typing import Any, Callable, Deque, Iterable, Iterator, List, Mapping, Optional, Tuple

from poolspec.reference import ThreadPool, TimeoutError

from .wrappers import IteratorProxy, NeverReady, Sized, Slice, SlicedMaps, default_chunksize

NO_KEYWORDS: Mapping[str, Any] = {}


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

    BREAKS = ("imap-unordered.permutation", "imap-unordered.any-workload")

    def imap_unordered(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, **kwargs: Any) -> Iterator[Any]:
        results = list(super().imap_unordered(func, iterable, chunksize, **kwargs))
        return iter(results[:-1])


# -- apply ---------------------------------------------------------------------------------


class ApplyDropsKeywordsWithoutArgs(ThreadPool):
    """apply() and apply_async() pass kwds only along with positional arguments.

    A user calling ``pool.apply(connect, kwds={"host": h})`` gets ``connect()`` with its defaults.
    """

    BREAKS = ("apply.returns-value",)

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Any = None, error_callback: Any = None) -> Any:
        args = tuple(args)
        return super().apply_async(func, args, kwds if args else {}, callback, error_callback)


class KwdsMustBeAMapping(ThreadPool):
    """apply() and apply_async() take only a ``collections.abc.Mapping`` as kwds, as the reference once did.

    ``pool.apply(f, (), row)`` with an ``sqlite3.Row``, which ``f(**row)`` takes, raises
    ``TypeError: kwds must be a mapping`` where the stdlib calls ``f``. Built on the public API only.
    """

    BREAKS = ("apply.returns-value",)

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, *rest: Any, **options: Any) -> Any:
        if not isinstance(kwds, collections.abc.Mapping):
            raise TypeError(f"kwds must be a mapping, not {type(kwds).__name__}")
        return super().apply_async(func, args, kwds, *rest, **options)


class ArgsReadErrorsReplaced(ThreadPool):
    """apply() and apply_async() read args into a tuple and report any TypeError while doing so as "args must be an iterable".

    As the reference once did: an iterable whose iteration raises a TypeError of its own (a
    generator that hits a bug) is reported as not being an iterable, and the real error is lost.
    Built on the public API only.
    """

    BREAKS = ("apply.args-error-raised",)

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), *rest: Any, **options: Any) -> Any:
        try:
            args = tuple(args)
        except TypeError:
            raise TypeError(f"args must be an iterable, not {type(args).__name__}") from None
        return super().apply_async(func, args, *rest, **options)


class _Slot:
    """A hand-made result: set once, read by get()."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._ok = False
        self._value: Any = None

    def set(self, ok: bool, value: Any) -> None:
        self._ok, self._value = ok, value
        self._done.set()

    def ready(self) -> bool:
        return self._done.is_set()

    def successful(self) -> bool:
        if not self._done.is_set():
            raise ValueError("not ready")
        return self._ok

    def wait(self, timeout: Optional[float] = None) -> None:
        self._done.wait(timeout)

    def get(self, timeout: Optional[float] = None) -> Any:
        if not self._done.wait(timeout):
            raise TimeoutError
        if self._ok:
            return self._value
        raise self._value


class ApplyResultsInSubmissionOrder(ThreadPool):
    """apply_async() hands each finished call's outcome to the oldest result still waiting.

    Results are matched to calls by a queue instead of by job: as long as calls finish in the
    order they were submitted nothing shows, but when a later call finishes first, its value goes
    to the earlier call's result and the other way round.
    """

    BREAKS = ("apply.any-workload",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots: Deque[_Slot] = collections.deque()
        self._slots_lock = threading.Lock()

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Any = None, error_callback: Any = None) -> Any:
        slot = _Slot()
        with self._slots_lock:
            self._slots.append(slot)

        def deliver(ok: bool, value: Any) -> None:
            with self._slots_lock:
                oldest = self._slots.popleft()
            oldest.set(ok, value)

        super().apply_async(func, args, kwds, lambda value: deliver(True, value), lambda error: deliver(False, error))
        return slot


class ApplyAsyncRunsInCallerWhenBusy(Sized):
    """apply_async() runs the call in the caller's thread when every worker is busy.

    A "caller runs" policy: it keeps the queue short, but apply_async() then blocks for as long
    as the call takes, so a program that submits work and goes on waits instead.
    """

    BREAKS = ("apply.async-returns-at-once",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._busy = 0
        self._busy_lock = threading.Lock()

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: Mapping[str, Any] = NO_KEYWORDS, callback: Any = None, error_callback: Any = None) -> Any:
        with self._busy_lock:
            full = self._busy >= self.workers
        if full:
            try:
                value = func(*args, **kwds)
            except Exception as exc:  # noqa: BLE001 - delivered through the result
                return super().apply_async(_raise, (exc,), {}, callback, error_callback)
            return super().apply_async(_identity, (value,), {}, callback, error_callback)

        def counted(*call_args: Any, **call_kwds: Any) -> Any:
            with self._busy_lock:
                self._busy += 1
            try:
                return func(*call_args, **call_kwds)
            finally:
                with self._busy_lock:
                    self._busy -= 1

        return super().apply_async(counted, args, kwds, callback, error_callback)


def _identity(value: Any) -> Any:
    return value


def _raise(error: BaseException) -> Any:
    raise error


# -- map -----------------------------------------------------------------------------------


class MapSortsChunksAsText(Sized):
    """map() reassembles its chunks keyed by chunk number as text.

    "10" sorts before "2", so from the eleventh chunk on the tail of the list comes out of order;
    short inputs and big chunks look right.
    """

    BREAKS = ("map.order",)

    def map(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> List[Any]:
        items = list(iterable)
        values = super().map(func, items, chunksize)
        size = default_chunksize(len(items), self.workers) if chunksize is None else chunksize
        chunks = {str(number): values[start : start + size] for number, start in enumerate(range(0, len(items), size))}
        return [value for key in sorted(chunks) for value in chunks[key]]


class MapAsyncJoinsChunksInCompletionOrder(SlicedMaps):
    """map_async() (and so map()) puts each chunk's values after those of the chunks that finished before it.

    While chunks finish in input order, which they mostly do, the list is right; when a later
    chunk overtakes an earlier one, their values swap places.
    """

    BREAKS = ("map.async-order", "map.order")

    def slices(self, items: List[Any], size: int) -> List[Slice]:
        return [(start, items[start : start + size]) for start in range(0, len(items), size)]

    def assemble(self, length: int, outcomes: List[Slice], finished: List[int]) -> List[Any]:
        return [value for number in finished for value in outcomes[number][1]]


class StarmapUnpacksOnlyTuples(ThreadPool):
    """starmap() unpacks only tuples: a list or string of arguments is passed as one argument."""

    BREAKS = ("map.starmap-order",)

    def starmap_async(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        arguments = [args if isinstance(args, tuple) else (args,) for args in iterable]
        return super().starmap_async(func, arguments, chunksize, callback, error_callback)


class MapReadsItsInputTwice(Sized):
    """The map forms count the input to compute the default chunksize, then read it again.

    A list is read twice without harm; a generator or iterator is empty the second time, so
    ``pool.map(f, (x for x in xs))`` returns ``[]``.
    """

    BREAKS = ("map.any-iterable",)

    def map_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, *rest: Any, **options: Any) -> Any:
        return super().map_async(func, iterable, self._counted(iterable, chunksize), *rest, **options)

    def starmap_async(self, func: Any, iterable: Iterable[Any], chunksize: Optional[int] = None, *rest: Any, **options: Any) -> Any:
        return super().starmap_async(func, iterable, self._counted(iterable, chunksize), *rest, **options)

    def _counted(self, iterable: Iterable[Any], chunksize: Optional[int]) -> Optional[int]:
        return default_chunksize(len(list(iterable)), self.workers) if chunksize is None else chunksize


class MapReturnsTuplesForTuples(ThreadPool):
    """map() keeps its input's sequence type: a tuple in gives a tuple out, not a list."""

    BREAKS = ("map.returns-list",)

    def map(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: Optional[int] = None) -> Any:
        results = super().map(func, iterable, chunksize)
        return tuple(results) if isinstance(iterable, tuple) else results


class EmptyMapNeverCompletes(ThreadPool):
    """A map of an empty input has no chunk, and a map result completes when its last chunk does.

    So ``map([])`` blocks for ever and ``map_async([])`` never becomes ready.
    """

    BREAKS = ("map.empty-input",)

    def map_async(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        items = list(iterable)
        result = super().map_async(func, items, *args, **kwargs)
        return result if items else NeverReady()

    def starmap_async(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        items = list(iterable)
        result = super().starmap_async(func, items, *args, **kwargs)
        return result if items else NeverReady()


class MapAsyncWaitsForSmallInputs(Sized):
    """map_async() of no more items than workers waits for them before returning ("it is quick anyway")."""

    BREAKS = ("map.async-returns-at-once",)

    def map_async(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: Optional[int] = None, callback: Any = None, error_callback: Any = None) -> Any:
        items = list(iterable)
        result = super().map_async(func, items, chunksize, callback, error_callback)
        if len(items) <= self.workers:
            result.wait()
        return result


# -- imap ----------------------------------------------------------------------------------


class _Counted:
    """An input that counts the items read from it."""

    def __init__(self, iterable: Iterable[Any]) -> None:
        self.items = 0
        self._source = iter(iterable)

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> Any:
        item = next(self._source)
        self.items += 1
        return item


class _EmptyNeverEnds(IteratorProxy):
    """An iteration that, where the input had no item, waits for ever instead of ending."""

    def __init__(self, inner: Any, input: _Counted) -> None:
        super().__init__(inner)
        self.input = input
        self.never = threading.Event()

    def next(self, timeout: Optional[float] = None) -> Any:
        try:
            return self.inner.next(timeout)
        except StopIteration:
            if self.input.items:
                raise
        self.never.wait(timeout)
        raise TimeoutError


class EmptyImapNeverEnds(ThreadPool):
    """imap() over an empty input never ends: the first next() blocks for ever.

    (It ends only when a delivered task finds the input ended, and an empty input delivers none.)
    """

    BREAKS = ("imap.empty-input",)

    def imap(self, func: Any, iterable: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        counted = _Counted(iterable)
        return _EmptyNeverEnds(super().imap(func, counted, *args, **kwargs), counted)


class ImapPeeksTheFirstResult(ThreadPool):
    """imap() waits for the first result before returning, so that an early error is raised at the call."""

    BREAKS = ("imap.returns-at-once",)

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        iterator = super().imap(func, iterable, chunksize, buffersize)
        try:
            first = next(iterator)
        except StopIteration:
            return iter(())
        return itertools.chain([first], iterator)


class ImapListsItsInputInTheCaller(ThreadPool):
    """imap() reads the whole input in the caller's thread before returning, as map() does.

    An endless or slow input blocks the call itself, and no task runs until it is all read.
    """

    BREAKS = ("imap.returns-at-once", "imap.runs-tasks-while-reading")

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap(func, list(iterable), chunksize, buffersize)


def _all_first(iterable: Iterable[Any]) -> Iterator[Any]:
    yield from list(iterable)


class ImapReadsAllInputFirst(ThreadPool):
    """imap() returns at once, but its feeder reads the whole input before submitting the first task.

    With a slow input (lines from a socket, pages of a query) nothing runs until the last item
    has arrived.
    """

    BREAKS = ("imap.runs-tasks-while-reading",)

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap(func, _all_first(iterable), chunksize, buffersize)


def _one_behind(iterator: Iterator[Any]) -> Iterator[Any]:
    """Yields each value only once the next one has arrived (to know whether it is the last)."""
    try:
        previous = next(iterator)
    except StopIteration:
        return
    for value in iterator:
        yield previous
        previous = value
    yield previous


class ImapHoldsBackOneResult(ThreadPool):
    """imap() yields a result only once the next one is ready too: it looks one ahead to detect the end.

    The results are right and in order, but one slow task holds back the result before it.
    """

    BREAKS = ("imap.yields-when-ready",)

    def imap(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return _one_behind(super().imap(func, iterable, chunksize, buffersize))


class ImapUnorderedIsImap(ThreadPool):
    """imap_unordered() is imap(): every result is right, but one slow task holds back all later ones."""

    BREAKS = ("imap-unordered.yields-when-ready", "imap-unordered.any-workload")

    def imap_unordered(self, func: Callable[[Any], Any], iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap(func, iterable, chunksize, buffersize)


def _chunks(iterable: Iterable[Any], size: int) -> Iterator[List[Any]]:
    """Lists of ``size`` items of ``iterable`` (the last may be shorter), read as they are asked for."""
    items = iter(iterable)
    return iter(lambda: list(itertools.islice(items, size)), [])


Outcome = Tuple[bool, Any]


def _outcomes_reversed(func: Callable[[Any], Any], chunk: List[Any]) -> List[Outcome]:
    """Each item's outcome, (True, value) or (False, exception), last item first."""
    outcomes: List[Outcome] = []
    for item in chunk:
        try:
            outcomes.append((True, func(item)))
        except Exception as exc:  # noqa: BLE001 - raised at its place by _Unchunked
            outcomes.append((False, exc))
    return outcomes[::-1]


class _Unchunked(IteratorProxy):
    """An iterator over chunks' outcomes, yielding them one by one."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.pending: Deque[Outcome] = collections.deque()

    def next(self, timeout: Optional[float] = None) -> Any:
        if not self.pending:
            self.pending.extend(self.inner.next(timeout))
        ok, value = self.pending.popleft()
        if ok:
            return value
        raise value


class ImapUnorderedReversesEachChunk(ThreadPool):
    """imap_unordered() yields the items of each chunk last to first (it pops them off a list).

    Still a permutation, but with one worker and chunksize > 1 the results are out of order.
    (Each chunk is one task of the reference's imap_unordered over the chunks.)
    """

    BREAKS = ("imap-unordered.one-worker-in-order",)

    def imap_unordered(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        if not callable(func) or type(chunksize) is not int or chunksize < 1:
            return super().imap_unordered(func, iterable, chunksize, buffersize)
        return _Unchunked(super().imap_unordered(functools.partial(_outcomes_reversed, func), _chunks(iterable, chunksize), 1, buffersize))


def _counts(buffersize: Any) -> bool:
    """Whether ``buffersize`` is one the reference takes as a bound."""
    return type(buffersize) is int and buffersize >= 1


class BuffersizeOffByOne(ThreadPool):
    """imap(buffersize=b) lets b + 1 tasks be submitted but not yet yielded, one too many."""

    BREAKS = ("imap.buffersize-bounds-read-ahead",)

    def imap(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap(func, iterable, chunksize, buffersize + 1 if _counts(buffersize) else buffersize)  # type: ignore[operator]

    def imap_unordered(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap_unordered(func, iterable, chunksize, buffersize + 1 if _counts(buffersize) else buffersize)  # type: ignore[operator]


class BuffersizeCountsWorkers(Sized):
    """imap(buffersize=b) lets processes + b tasks be submitted but not yet yielded.

    It reads b items beyond those the workers are running, where CPython 3.16 counts those within
    b: with many workers and a small b, far more of the input is read ahead than was asked.
    """

    BREAKS = ("imap.buffersize-bounds-read-ahead",)

    def imap(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap(func, iterable, chunksize, self.workers + buffersize if _counts(buffersize) else buffersize)  # type: ignore[operator]

    def imap_unordered(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap_unordered(func, iterable, chunksize, self.workers + buffersize if _counts(buffersize) else buffersize)  # type: ignore[operator]


class BuffersizeIgnored(ThreadPool):
    """imap() accepts buffersize and ignores it: the input is read to the end at once."""

    BREAKS = ("imap.buffersize-bounds-read-ahead",)

    def imap(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap(func, iterable, chunksize)

    def imap_unordered(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap_unordered(func, iterable, chunksize)


class BuffersizeZeroUnbounded(ThreadPool):
    """imap() takes buffersize=0 for no bound (as ``if buffersize:`` would), where it should raise ValueError.

    A user who computed the bound as 0 gets the whole input read ahead, with no error to say so.
    """

    BREAKS = ("imap.buffersize-validated",)

    def imap(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap(func, iterable, chunksize, buffersize or None)

    def imap_unordered(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return super().imap_unordered(func, iterable, chunksize, buffersize or None)


class BuffersizeCheckedAtFirstNext(ThreadPool):
    """imap() given a buffersize it does not take as a bound returns an iterator, and the error comes from its first next().

    The TypeError or ValueError surfaces where the results are read, far from the call that caused it.
    """

    BREAKS = ("imap.buffersize-validated",)

    def imap(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        call = functools.partial(super().imap, func, iterable, chunksize, buffersize)
        return call() if buffersize is None or _counts(buffersize) else _made_at_first_next(call)

    def imap_unordered(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        call = functools.partial(super().imap_unordered, func, iterable, chunksize, buffersize)
        return call() if buffersize is None or _counts(buffersize) else _made_at_first_next(call)


def _made_at_first_next(call: Callable[[], Iterable[Any]]) -> Iterator[Any]:
    """The items of the iterator ``call()`` returns, called only when the first item is asked for."""
    yield from call()


class _Room:
    """Room for ``size`` chunks read ahead of the consumer; lifted, it bounds nothing any more."""

    def __init__(self, size: int) -> None:
        self.free = size
        self.lifted = False
        self.changed = threading.Condition()

    def take(self) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.free > 0 or self.lifted)
            self.free -= 1

    def give(self) -> None:
        with self.changed:
            self.free += 1
            self.changed.notify()

    def lift(self) -> None:
        with self.changed:
            self.lifted = True
            self.changed.notify_all()


def _read_in_room(items: Iterable[Any], chunksize: int, room: _Room) -> Iterator[Any]:
    """``items``, taking room before each chunk's first item."""
    for number, item in enumerate(items):
        if number % chunksize == 0:
            room.take()
        yield item


class _GivingRoom(IteratorProxy):
    """An imap iterator that gives its input a chunk's room back for every ``chunksize`` results yielded."""

    def __init__(self, inner: Any, chunksize: int, room: _Room) -> None:
        super().__init__(inner)
        self.chunksize = chunksize
        self.room = room
        self.yielded = 0

    def next(self, timeout: Optional[float] = None) -> Any:
        try:
            value = self.inner.next(timeout)
        except (StopIteration, TimeoutError):
            raise
        except BaseException:  # a failed item is yielded too
            self.yielded_one()
            raise
        self.yielded_one()
        return value

    def yielded_one(self) -> None:
        self.yielded += 1
        if self.yielded % self.chunksize == 0:
            self.room.give()


class CloseLeavesBufferedImapWaiting(ThreadPool):
    """close() leaves the feeder of an imap() with buffersize waiting for room that only the
    consumer can make, as CPython 3.16 did before gh-155477: close(); join() before the results
    are consumed waits for ever.

    (The buffersize is this pool's own: its input waits for room, and only terminate() lifts that.)"""

    BREAKS = ("imap.buffersize-close-and-terminate",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rooms: List[_Room] = []

    def imap(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._bounded(super().imap, func, iterable, chunksize, buffersize)

    def imap_unordered(self, func: Any, iterable: Iterable[Any], chunksize: int = 1, buffersize: Optional[int] = None) -> Any:
        return self._bounded(super().imap_unordered, func, iterable, chunksize, buffersize)

    def _bounded(self, method: Callable[..., Any], func: Any, iterable: Iterable[Any], chunksize: int, buffersize: Optional[int]) -> Any:
        if type(buffersize) is not int or buffersize < 1 or type(chunksize) is not int or chunksize < 1:
            return method(func, iterable, chunksize, buffersize)
        room = _Room(buffersize)
        iterator = _GivingRoom(method(func, _read_in_room(iterable, chunksize, room), chunksize), chunksize, room)
        self._rooms.append(room)
        return iterator

    def terminate(self) -> None:
        super().terminate()
        for room in self._rooms:
            room.lift()


class _WaitsWhenExhausted(IteratorProxy):
    """An imap iterator whose next(), once it has raised StopIteration, waits for an item until ``released``."""

    def __init__(self, inner: Any, released: threading.Event) -> None:
        super().__init__(inner)
        self.released = released
        self.exhausted = False

    def next(self, timeout: Optional[float] = None) -> Any:
        if self.exhausted:
            self.released.wait(timeout)
            raise StopIteration
        try:
            return self.inner.next(timeout)
        except StopIteration:
            self.exhausted = True
            raise


class ExhaustedImapWaits(ThreadPool):
    """Once an imap() or imap_unordered() iterator has raised StopIteration, its next() waits for
    another item (until terminate()), as an iterator does that looks for its end only while it
    still has items to take: list(it) works, a second loop over the same iterator hangs."""

    BREAKS = ("imap.iterator-protocol",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._terminated = threading.Event()

    def imap(self, *args: Any, **kwargs: Any) -> Any:
        return _WaitsWhenExhausted(super().imap(*args, **kwargs), self._terminated)

    def imap_unordered(self, *args: Any, **kwargs: Any) -> Any:
        return _WaitsWhenExhausted(super().imap_unordered(*args, **kwargs), self._terminated)

    def terminate(self) -> None:
        super().terminate()
        self._terminated.set()

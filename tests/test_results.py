"""Results: values, input order, chunks, errors, and the AsyncResult / iterator interfaces."""

from __future__ import annotations

import collections.abc
import math
import sqlite3
import threading
import time
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from poolspec.reference import ThreadPool, TimeoutError
from poolspec.reference._arguments import default_chunksize

from .helpers import Gates, finishes

Make = Callable[..., ThreadPool]


class OnlyGetitem:
    """A sequence known only through ``__getitem__``."""

    def __init__(self, items: List[int]) -> None:
        self._items = items

    def __getitem__(self, index: int) -> int:
        return self._items[index]


def inputs(items: List[int]) -> List[Tuple[str, Callable[[], Any]]]:
    return [
        ("list", lambda: list(items)),
        ("tuple", lambda: tuple(items)),
        ("generator", lambda: (x for x in items)),
        ("iterator", lambda: iter(items)),
        ("getitem-only", lambda: OnlyGetitem(items)),
    ]


def double(x: int) -> int:
    return 2 * x


@pytest.mark.parametrize("n", [0, 1, 7, 40])
@pytest.mark.parametrize("chunksize", [None, 1, 3, 100])
def test_every_form_returns_func_of_each_item_in_input_order(make_pool: Make, n: int, chunksize: Any) -> None:
    pool = make_pool(3)
    items = list(range(n))
    expected = [2 * x for x in items]
    for name, make_input in inputs(items):
        assert pool.map(double, make_input(), chunksize) == expected, name
        assert pool.map_async(double, make_input(), chunksize).get(10) == expected, name
        assert pool.starmap(double, [(x,) for x in make_input()], chunksize) == expected, name
        assert pool.starmap_async(double, [[x] for x in make_input()], chunksize).get(10) == expected, name
        imap_size = chunksize or 1
        assert list(pool.imap(double, make_input(), imap_size)) == expected, name
        assert sorted(pool.imap_unordered(double, make_input(), imap_size)) == expected, name


class BackwardsList(List[int]):
    """A list subclass whose iteration differs from its items: imap must iterate it, not index it."""

    def __iter__(self) -> Iterator[int]:
        return reversed(list(super().__iter__()))


class BackwardsTuple(Tuple[int, ...]):
    def __iter__(self) -> Iterator[int]:
        return reversed(tuple(super().__iter__()))


@pytest.mark.parametrize("chunksize", [1, 2, 3, 10])
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_imap_over_sequences_and_their_subclasses(make_pool: Make, method: str, chunksize: int) -> None:
    """Exact lists, tuples and ranges are submitted at the call; subclasses are iterated."""
    pool = make_pool(2)
    cases: List[Tuple[Any, List[int]]] = [
        ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
        ((1, 2, 3, 4, 5), [1, 2, 3, 4, 5]),
        (range(3, 20, 4), [3, 7, 11, 15, 19]),
        (range(0), []),
        ([], []),
        ((), []),
        (BackwardsList([1, 2, 3, 4, 5]), [5, 4, 3, 2, 1]),
        (BackwardsTuple((1, 2, 3)), [3, 2, 1]),
    ]
    arrange: Callable[[List[int]], List[int]] = list if method == "imap" else sorted
    for source, order in cases:
        expected = arrange([2 * x for x in order])
        assert arrange(list(getattr(pool, method)(double, source, chunksize))) == expected, source
        assert arrange(list(getattr(pool, method)(double, source, chunksize, buffersize=1))) == expected, source


@pytest.mark.parametrize("chunksize", [1, 2, 10])
def test_imap_over_a_list_ignores_changes_after_the_call(make_pool: Make, gate_factory: Gates, chunksize: int) -> None:
    """The reference reads an exact list whole during the call (the stdlib reads it later)."""
    pool = make_pool(2)
    gate = gate_factory()
    items = [1, 2, 3, 4]

    def task(x: int) -> int:
        gate.wait()
        return 2 * x

    iterator = pool.imap(task, items, chunksize)
    items[0] = 100
    items.append(5)
    del items[1]
    gate.open()
    assert finishes(lambda: list(iterator), "an imap over a list changed after the call") == [2, 4, 6, 8]


def test_imap_reads_a_range_too_long_for_len_lazily(make_pool: Make) -> None:
    pool = make_pool(2)
    iterator = pool.imap(double, range(2**64))
    assert [next(iterator) for _ in range(3)] == [0, 2, 4]
    pool.terminate()


def test_map_results_are_lists(make_pool: Make) -> None:
    pool = make_pool(2)
    assert type(pool.map(double, (1, 2))) is list
    assert type(pool.map_async(double, (1, 2)).get(10)) is list
    assert type(pool.starmap(pow, iter([(2, 2)]))) is list


class LyingLength:
    """Iterates ``items`` but says it has ``length`` of them."""

    def __init__(self, items: List[int], length: int) -> None:
        self._items = items
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)


@pytest.mark.parametrize("length", [0, 2, 9])
def test_map_reads_its_input_by_iteration_whatever_len_says(make_pool: Make, length: int) -> None:
    """The stdlib sizes the result by len(): never complete if it says more, silently short if less."""
    pool = make_pool(2)
    assert pool.map(double, LyingLength([1, 2, 3, 4], length)) == [2, 4, 6, 8]
    assert pool.map_async(double, LyingLength([1, 2, 3, 4], length), 3).get(10) == [2, 4, 6, 8]


def test_starmap_accepts_any_argument_sequences(make_pool: Make) -> None:
    assert make_pool(2).starmap(pow, [[2, 3], (3, 2), range(2, 4)]) == [8, 9, 8]


def test_apply_passes_args_and_kwds(make_pool: Make) -> None:
    pool = make_pool(1)
    assert pool.apply(int, ("ff",), {"base": 16}) == 255
    assert pool.apply_async(divmod, [7, 2]).get(10) == (3, 1)


def parse(x: str, base: int) -> int:
    return int(x, base)


def test_kwds_may_be_a_mapping_by_protocol_only(make_pool: Make) -> None:
    """What ``f(**kwds)`` takes: an sqlite3.Row has keys() and __getitem__ but is no Mapping."""
    connection = sqlite3.connect(":memory:")
    connection.row_factory = sqlite3.Row
    row = connection.execute("select 'ff' as x, 16 as base").fetchone()
    assert not isinstance(row, collections.abc.Mapping)
    pool = make_pool(1)
    assert pool.apply(parse, (), row) == 255
    assert pool.apply_async(parse, (), row).get(10) == 255
    connection.close()


class BrokenKeys:
    def keys(self) -> List[str]:
        raise LookupError("the keys are gone")

    def __getitem__(self, key: str) -> Any:
        raise AssertionError("never read")


def test_an_error_reading_args_propagates_as_it_is(make_pool: Make) -> None:
    """A TypeError raised while an iterable is read is its own, not "args must be an iterable"."""
    error = TypeError("a bug in the generator")

    def failing_read() -> Iterator[int]:
        yield 1
        raise error

    with pytest.raises(TypeError) as raised:
        make_pool(1).apply_async(abs, failing_read())
    assert raised.value is error


def test_an_error_reading_kwds_propagates_as_it_is(make_pool: Make) -> None:
    with pytest.raises(LookupError, match="the keys are gone"):
        make_pool(1).apply_async(abs, (1,), BrokenKeys())  # type: ignore[arg-type]


def reverse_completion(pool: ThreadPool, gates: Gates, n: int) -> Tuple[Callable[[int], int], Callable[[], None]]:
    """A task function whose n tasks finish in reverse order, and the call that makes them finish."""
    release = [gates() for _ in range(n)]
    finished = [threading.Event() for _ in range(n)]

    def task(i: int) -> int:
        release[i].wait()
        finished[i].set()
        return i

    def finish_in_reverse() -> None:
        for i in reversed(range(n)):
            release[i].open()
            assert finished[i].wait(10)

    return task, finish_in_reverse


def test_order_holds_when_tasks_complete_in_reverse(make_pool: Make, gate_factory: Gates) -> None:
    n = 5
    pool = make_pool(n)
    task, finish = reverse_completion(pool, gate_factory, n)
    mapped = pool.map_async(task, range(n), chunksize=1)
    finish()
    assert mapped.get(10) == list(range(n))

    task, finish = reverse_completion(pool, gate_factory, n)
    iterator = pool.imap(task, range(n))
    finish()
    assert list(iterator) == list(range(n))

    task, finish = reverse_completion(pool, gate_factory, n)
    unordered = pool.imap_unordered(task, range(n))
    finish()
    assert list(unordered) == list(reversed(range(n)))


def test_imap_yields_a_result_as_soon_as_it_and_those_before_are_ready(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(3)
    later = gate_factory()
    iterator = pool.imap(lambda i: later.wait() if i == 2 else i, range(4))
    assert iterator.next(10) == 0
    assert iterator.next(10) == 1
    with pytest.raises(TimeoutError):
        iterator.next(0.05)
    later.open()
    assert list(iterator) == [None, 3]


def test_imap_unordered_yields_a_ready_result_while_earlier_ones_block(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(2)
    first = gate_factory()
    iterator = pool.imap_unordered(lambda i: first.wait() if i == 0 else i, range(2))
    assert iterator.next(10) == 1
    first.open()
    assert iterator.next(10) is None


@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_consumers_in_several_threads_share_every_result_once(make_pool: Make, gate_factory: Gates, method: str) -> None:
    pool = make_pool(2)
    gate = gate_factory()
    iterator = getattr(pool, method)(lambda i: (gate.wait(), i)[1], range(40))
    got: List[int] = []

    def consume(timeout: Any) -> None:
        while True:
            try:
                got.append(iterator.next(timeout))
            except StopIteration:
                return

    # Consumers waiting with and without a timeout at once, on one iterator.
    consumers = [threading.Thread(target=consume, args=(timeout,), daemon=True) for timeout in (None, None, 10, 10)]
    for consumer in consumers:
        consumer.start()
    gate.open()
    for consumer in consumers:
        consumer.join(10)
    assert not any(consumer.is_alive() for consumer in consumers), "a consumer hung"
    assert sorted(got) == list(range(40))


def test_a_timeout_of_nan_waits_for_nothing(make_pool: Make, gate_factory: Gates) -> None:
    """As threading.Condition.wait does: NaN > 0 is false, so NaN is a timeout of 0."""
    pool = make_pool(1)
    gate = gate_factory()
    result = pool.apply_async(gate.wait)
    iterators = [pool.imap(abs, [1]), pool.imap_unordered(abs, [1], 1, 1)]
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        result.get(math.nan)
    assert result.wait(math.nan) is None
    for iterator in iterators:
        with pytest.raises(TimeoutError):
            iterator.next(math.nan)
    assert time.monotonic() - start < 0.5
    gate.open()
    assert [list(iterator) for iterator in iterators] == [[1], [1]]


@pytest.mark.parametrize("buffersize", [None, 2])
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_a_chunksize_beyond_maxsize_is_one_chunk_for_any_input(make_pool: Make, method: str, buffersize: Any) -> None:
    pool = make_pool(2)
    for items in ([1, -2, 3], iter([1, -2, 3])):
        assert sorted(getattr(pool, method)(abs, items, 2**70, buffersize)) == [1, 2, 3]
    assert pool.map(abs, iter([1, -2]), 2**70) == [1, 2]


@pytest.mark.parametrize("chunksize", [1, 3])
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_consumers_racing_for_ready_results_get_each_once(make_pool: Make, method: str, chunksize: int) -> None:
    """Consumers take ready results without the iterator's lock: none is lost or yielded twice."""
    pool = make_pool(2)
    n = 20000
    iterator = getattr(pool, method)(abs, range(n), chunksize)
    got: List[List[int]] = [[] for _ in range(4)]

    def consume(mine: List[int]) -> None:
        mine.extend(iterator)

    consumers = [threading.Thread(target=consume, args=(mine,), daemon=True) for mine in got]
    for consumer in consumers:
        consumer.start()
    for consumer in consumers:
        consumer.join(30)
    assert not any(consumer.is_alive() for consumer in consumers), "a consumer hung"
    assert sorted(value for mine in got for value in mine) == list(range(n))
    if method == "imap":
        assert all(mine == sorted(mine) for mine in got), "one consumer saw results out of order"


@pytest.mark.parametrize("method", ["map", "imap", "imap_unordered"])
def test_a_chunk_runs_in_order_on_one_worker(make_pool: Make, method: str) -> None:
    pool = make_pool(3)
    ran: List[Tuple[int, int]] = []
    lock = threading.Lock()

    def record(i: int) -> int:
        with lock:
            ran.append((i, threading.get_ident()))
        return i

    list(getattr(pool, method)(record, range(20), 4))
    for start in range(0, 20, 4):
        chunk = [entry for entry in ran if start <= entry[0] < start + 4]
        assert [i for i, _ in chunk] == list(range(start, start + 4))
        assert len({thread for _, thread in chunk}) == 1
        # Other workers run at the same time (truly so on a free-threaded build): only what this
        # worker ran must show the chunk's items one after another.
        own = [i for i, thread in ran if thread == chunk[0][1]]
        position = own.index(start)
        assert own[position : position + 4] == list(range(start, start + 4)), "the worker ran other items within a chunk"


@pytest.mark.parametrize(("items", "workers", "expected"), [(0, 3, 1), (1, 3, 1), (12, 3, 1), (13, 3, 2), (100, 3, 9), (10**5, 4, 6250)])
def test_default_map_chunksize_is_the_stdlibs(items: int, workers: int, expected: int) -> None:
    assert default_chunksize(items, workers) == expected


class Boom(Exception):
    pass


def fail_on(bad: Any) -> Callable[[int], int]:
    def task(i: int) -> int:
        if i in bad:
            raise Boom(i)
        return i

    return task


def test_get_reraises_the_tasks_own_exception_object(make_pool: Make) -> None:
    pool = make_pool(1)
    raised: List[BaseException] = []

    def task() -> None:
        error = Boom("x")
        raised.append(error)
        raise error

    result = pool.apply_async(task)
    for _ in range(2):
        with pytest.raises(Boom) as caught:
            result.get(10)
        assert caught.value is raised[0]
    assert result.successful() is False


@pytest.mark.parametrize("chunksize", [1, 3])
def test_map_raises_one_of_the_failures_and_the_pool_survives(make_pool: Make, chunksize: int) -> None:
    pool = make_pool(2)
    with pytest.raises(Boom) as caught:
        pool.map(fail_on({2, 7}), range(10), chunksize)
    assert caught.value.args[0] in {2, 7}
    assert pool.map(double, range(3)) == [0, 2, 4]


def test_map_is_ready_only_after_every_chunk_finished(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(2)
    slow = gate_factory()
    result = pool.map_async(lambda i: slow.wait() if i else fail_on({0})(i), range(2), 1)
    with pytest.raises(TimeoutError):
        result.get(0.05)
    slow.open()
    with pytest.raises(Boom):
        result.get(10)


@pytest.mark.parametrize("chunksize", [1, 2, 3])
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
@pytest.mark.parametrize("source", ["range", "list", "generator"])
def test_imap_raises_each_failed_item_and_goes_on(make_pool: Make, method: str, chunksize: int, source: str) -> None:
    pool = make_pool(2)
    items = {"range": range(6), "list": list(range(6)), "generator": (i for i in range(6))}[source]
    iterator = getattr(pool, method)(fail_on({2, 4}), items, chunksize)
    values, errors = [], []
    while True:
        try:
            values.append(iterator.next(10))
        except Boom as error:
            errors.append(error.args[0])
        except StopIteration:
            break
    if method == "imap":
        assert values == [0, 1, 3, 5]
        assert errors == [2, 4]
    else:
        assert sorted(values) == [0, 1, 3, 5]
        assert sorted(errors) == [2, 4]


def broken_input(n: int, error: BaseException) -> Iterator[int]:
    yield from range(n)
    raise error


@pytest.mark.parametrize("method", ["map", "map_async", "starmap", "starmap_async"])
def test_map_forms_raise_an_input_error_from_the_call(make_pool: Make, method: str) -> None:
    error = Boom("input")
    with pytest.raises(Boom) as caught:
        getattr(make_pool(2), method)(double, broken_input(3, error))
    assert caught.value is error


@pytest.mark.parametrize("chunksize", [1, 2, 4])
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_imap_raises_an_input_error_after_every_earlier_item_then_stops(make_pool: Make, method: str, chunksize: int) -> None:
    error = Boom("input")
    iterator = getattr(make_pool(2), method)(double, broken_input(5, error), chunksize)
    yielded = [iterator.next(10) for _ in range(5)]
    assert sorted(yielded) == [0, 2, 4, 6, 8]
    with pytest.raises(Boom) as caught:
        iterator.next(10)
    assert caught.value is error
    with pytest.raises(StopIteration):
        iterator.next(10)


def test_a_task_raising_a_base_exception_fails_its_result_only(make_pool: Make) -> None:
    pool = make_pool(1)
    result = pool.apply_async(broken_task, (KeyboardInterrupt,))
    with pytest.raises(KeyboardInterrupt):
        finishes(lambda: result.get(), "get() of a task that raised KeyboardInterrupt")
    with pytest.raises(SystemExit):
        finishes(lambda: pool.map(broken_task, [SystemExit]), "map() of a task that raised SystemExit")
    assert pool.apply(abs, (-1,)) == 1


def broken_task(kind: type) -> None:
    raise kind()


def test_ready_successful_and_wait(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(1)
    gate = gate_factory()
    result = pool.apply_async(gate.wait)
    assert result.ready() is False
    with pytest.raises(ValueError, match="not ready"):
        result.successful()
    assert result.wait(0.01) is None
    gate.open()
    assert result.wait(10) is None
    assert result.ready() is True
    assert result.successful() is True


def test_get_times_out_after_about_the_timeout_and_stays_gettable(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(1)
    gate = gate_factory()
    result = pool.apply_async(lambda: gate.wait() or "done")
    for timeout in (0, -1):
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            result.get(timeout)
        assert time.monotonic() - start < 0.5
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        result.get(0.2)
    elapsed = time.monotonic() - start
    assert 0.19 <= elapsed < 2.0
    gate.open()
    assert result.get(10) == "done"
    assert result.get(0) == "done"


@pytest.mark.parametrize("chunksize", [1, 3])
def test_imap_next_times_out_and_the_iterator_goes_on(make_pool: Make, gate_factory: Gates, chunksize: int) -> None:
    pool = make_pool(2)
    gate = gate_factory()
    iterator = pool.imap(lambda i: (gate.wait(), i)[1], range(3), chunksize)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        iterator.next(0.2)
    assert 0.19 <= time.monotonic() - start < 2.0
    with pytest.raises(TimeoutError):
        iterator.next(0)
    gate.open()
    assert [iterator.next(10) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(StopIteration):
        iterator.next(10)
    assert iter(iterator) is iterator

"""Callbacks: once, with the right value, on one pool thread, finished before the result is ready."""

from __future__ import annotations

import threading
from typing import Any, Callable, List

import pytest

from poolspec.reference import ThreadPool

from .helpers import Gates, finishes

Make = Callable[..., ThreadPool]


class Boom(Exception):
    pass


def raise_boom(*args: Any) -> None:
    raise Boom(*args)


def test_callback_gets_the_value_once(make_pool: Make) -> None:
    pool = make_pool(2)
    seen: List[Any] = []
    result = pool.apply_async(abs, (-4,), callback=seen.append, error_callback=seen.append)
    assert result.get(10) == 4
    assert seen == [4]


@pytest.mark.parametrize("method", ["map_async", "starmap_async"])
def test_map_callback_gets_the_list_that_get_returns(make_pool: Make, method: str) -> None:
    pool = make_pool(3)
    seen: List[Any] = []
    items = [(x,) for x in range(50)] if method == "starmap_async" else range(50)
    result = getattr(pool, method)(abs, items, 3, seen.append)
    value = result.get(10)
    assert value == list(range(50))
    assert len(seen) == 1 and seen[0] is value


def test_empty_map_async_calls_back_with_an_empty_list(make_pool: Make) -> None:
    seen: List[Any] = []
    result = make_pool(1).map_async(abs, [], callback=seen.append)
    assert result.get(10) == []
    assert seen == [[]]


def test_error_callback_gets_the_exception_once_and_callback_is_not_called(make_pool: Make) -> None:
    pool = make_pool(2)
    values: List[Any] = []
    errors: List[BaseException] = []
    result = pool.map_async(raise_boom, range(6), 1, values.append, errors.append)
    with pytest.raises(Boom) as caught:
        result.get(10)
    assert values == []
    assert errors == [caught.value]


def test_callbacks_run_on_one_pool_thread_never_concurrently(make_pool: Make) -> None:
    pool = make_pool(4)
    threads = set()
    active = [0]
    overlap = []
    lock = threading.Lock()

    def callback(_: Any) -> None:
        with lock:
            active[0] += 1
            overlap.append(active[0])
            threads.add(threading.get_ident())
        with lock:
            active[0] -= 1

    results = [pool.apply_async(abs, (i,), callback=callback) for i in range(200)]
    results += [pool.map_async(abs, range(20), 1, callback) for _ in range(20)]
    for result in results:
        result.get(10)
    assert max(overlap) == 1
    assert len(threads) == 1
    assert threading.get_ident() not in threads


def test_a_callback_has_finished_before_the_result_is_ready(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(1)
    in_callback = threading.Event()
    leave = gate_factory()
    finished: List[bool] = []

    def callback(_: Any) -> None:
        in_callback.set()
        leave.wait()
        finished.append(True)

    result = pool.apply_async(abs, (1,), callback=callback)
    assert in_callback.wait(10)
    assert result.ready() is False
    result.wait(0.01)
    assert finished == []
    leave.open()
    result.wait(10)
    assert finished == [True]
    assert result.ready()


@pytest.mark.parametrize("kind", [Boom, KeyboardInterrupt])
def test_a_raising_callback_fails_its_result_and_the_pool_goes_on(make_pool: Make, kind: type) -> None:
    """gh-83371: in the stdlib a raising callback kills the result thread; every result then hangs."""
    pool = make_pool(2)
    result = pool.apply_async(abs, (-1,), callback=lambda _: raise_kind(kind))
    with pytest.raises(kind):
        finishes(lambda: result.get(), "get() after a raising callback (gh-83371)")
    assert result.successful() is False
    assert finishes(lambda: pool.map_async(abs, [-1, -2], callback=lambda _: None).get(), "a later map_async") == [1, 2]
    pool.close()
    finishes(pool.join, "close(); join() after a raising callback (gh-83371)")


def raise_kind(kind: type) -> None:
    raise kind()


def test_a_raising_error_callback_keeps_the_original_error_in_the_context(make_pool: Make) -> None:
    pool = make_pool(1)
    original = Boom("task")
    secondary = ValueError("error_callback")

    def task() -> None:
        raise original

    def error_callback(_: BaseException) -> None:
        raise secondary

    result = pool.apply_async(task, error_callback=error_callback)
    with pytest.raises(ValueError) as caught:
        finishes(lambda: result.get(), "get() after a raising error_callback (gh-83371)")
    assert caught.value is secondary
    assert secondary.__context__ is original


@pytest.mark.parametrize("keyword", ["callback", "error_callback"])
def test_a_non_callable_callback_is_rejected_at_submission(make_pool: Make, keyword: str) -> None:
    pool = make_pool(1)
    with pytest.raises(TypeError, match=keyword):
        pool.apply_async(abs, (1,), **{keyword: 42})
    with pytest.raises(TypeError, match=keyword):
        pool.map_async(abs, [1], **{keyword: 42})


@pytest.mark.parametrize("method", ["apply", "imap", "imap_unordered"])
def test_forms_without_callbacks_reject_them(make_pool: Make, method: str) -> None:
    with pytest.raises(TypeError):
        getattr(make_pool(1), method)(abs, [1], callback=print)


def test_terminate_waits_for_a_callback_that_has_started(make_pool: Make, gate_factory: Gates) -> None:
    """A result whose callback is running completes when the callback returns, terminate or not."""
    pool = make_pool(1)
    in_callback = threading.Event()
    leave = gate_factory()
    finished: List[Any] = []

    def callback(value: Any) -> None:
        in_callback.set()
        leave.wait()
        finished.append(value)

    result = pool.apply_async(abs, (-7,), callback=callback)
    assert in_callback.wait(10)
    pool.terminate()
    assert result.ready() is False
    leave.open()
    assert result.get(10) == 7
    assert finished == [7]


def test_empty_map_async_completes_before_close_join_returns(make_pool: Make) -> None:
    pool = make_pool(2)
    seen: List[Any] = []
    result = pool.map_async(abs, [], callback=seen.append)
    pool.close()
    finishes(pool.join, "close(); join() after an empty map_async")
    assert result.ready()
    assert seen == [[]]

"""Construction: worker count, argument validation, the initializer, and the pool object itself."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from typing import Any, Callable, Iterator, List

import pytest

import poolspec.reference
from poolspec.reference import ThreadPool

from .helpers import Gates


def running_at_once(pool: ThreadPool, gates: Gates, tasks: int) -> int:
    """How many of ``tasks`` blocked tasks the pool runs at the same time."""
    lock = threading.Lock()
    started = threading.Semaphore(0)
    running = [0]
    release = gates()

    def task(_: int) -> None:
        with lock:
            running[0] += 1
        started.release()
        release.wait()

    result = pool.map_async(task, range(tasks), chunksize=1)
    for _ in range(min(tasks, pool_size(pool))):
        assert started.acquire(timeout=10), "a worker never started a task"
    # Every worker is now busy; a task beyond the worker count must not have started.
    assert not started.acquire(timeout=0.05)
    count = running[0]
    release.open()
    result.get(10)
    return count


def pool_size(pool: ThreadPool) -> int:
    return int(repr(pool).rsplit("pool_size=", 1)[1].rstrip(">"))


@pytest.mark.parametrize("processes", [1, 2, 5])
def test_exactly_processes_tasks_run_at_once(make_pool: Callable[..., ThreadPool], gate_factory: Gates, processes: int) -> None:
    assert running_at_once(make_pool(processes), gate_factory, processes + 2) == processes


def test_default_worker_count_is_the_stdlibs_cpu_count(monkeypatch: pytest.MonkeyPatch, make_pool: Callable[..., ThreadPool]) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    monkeypatch.setattr(os, "process_cpu_count", lambda: 3, raising=False)
    assert "pool_size=3" in repr(make_pool())
    assert "pool_size=3" in repr(make_pool(None))


def test_default_prefers_process_cpu_count(monkeypatch: pytest.MonkeyPatch, make_pool: Callable[..., ThreadPool]) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 7)
    monkeypatch.setattr(os, "process_cpu_count", lambda: 2, raising=False)
    assert "pool_size=2" in repr(make_pool())


def test_default_is_one_when_the_cpu_count_is_unknown(monkeypatch: pytest.MonkeyPatch, make_pool: Callable[..., ThreadPool]) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    monkeypatch.setattr(os, "process_cpu_count", lambda: None, raising=False)
    assert "pool_size=1" in repr(make_pool())


@pytest.mark.parametrize("processes", [0, -1])
def test_processes_below_one_is_a_value_error(processes: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ThreadPool(processes)


@pytest.mark.parametrize("processes", [2.5, 2.0, "2", object()])
def test_processes_of_another_type_is_a_type_error(processes: Any) -> None:
    with pytest.raises(TypeError, match="processes must be an integer"):
        ThreadPool(processes)


def test_a_bool_processes_is_an_integer(make_pool: Callable[..., ThreadPool]) -> None:
    assert make_pool(True).apply(abs, (-1,)) == 1


def test_non_callable_initializer_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="initializer must be a callable"):
        ThreadPool(1, initializer=42)  # type: ignore[arg-type]


def test_non_iterable_initargs_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="initargs must be an iterable"):
        ThreadPool(1, print, 5)  # type: ignore[arg-type]


def failing_read(error: BaseException) -> Iterator[int]:
    yield 1
    raise error


@pytest.mark.parametrize("error", [TypeError("a bug in the generator"), LookupError("gone")], ids=["TypeError", "LookupError"])
def test_an_error_reading_initargs_propagates_as_it_is(error: BaseException) -> None:
    with pytest.raises(type(error)) as raised:
        ThreadPool(1, print, failing_read(error))
    assert raised.value is error


def test_one_shot_initargs_reach_every_worker(make_pool: Callable[..., ThreadPool]) -> None:
    """Read once at construction: the stdlib hands the iterator itself to each worker, and only the first gets its items."""
    seen: List[Any] = []
    pool = make_pool(3, lambda *args: seen.append(args), iter(["a", 1]))
    pool.close()
    pool.join()
    assert seen == [("a", 1)] * 3


@pytest.mark.parametrize("keyword", ["maxtasksperchild", "context"])
def test_process_pool_keywords_are_rejected(keyword: str) -> None:
    with pytest.raises(TypeError, match=keyword):
        ThreadPool(1, **{keyword: None})


def test_initializer_runs_once_per_worker_before_its_tasks(make_pool: Callable[..., ThreadPool], gate_factory: Gates) -> None:
    initialized: List[Any] = []
    lock = threading.Lock()

    def init(*args: Any) -> None:
        with lock:
            initialized.append((threading.get_ident(), args))

    def task(_: int) -> bool:
        me = threading.get_ident()
        with lock:
            return any(ident == me for ident, _ in initialized)

    pool = make_pool(3, init, ("a", 1))
    assert all(pool.map(task, range(60), chunksize=1))
    pool.close()
    pool.join()
    assert len(initialized) == 3
    assert len({ident for ident, _ in initialized}) == 3
    assert all(args == ("a", 1) for _, args in initialized)


def test_initargs_without_initializer_are_ignored(make_pool: Callable[..., ThreadPool]) -> None:
    assert make_pool(1, None, (1, 2)).apply(abs, (-3,)) == 3


def test_timeout_error_is_the_stdlibs_class() -> None:
    assert poolspec.reference.TimeoutError is multiprocessing.TimeoutError


def test_repr_shows_state_and_size(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    assert repr(pool) == "<poolspec.reference.pool.ThreadPool state=RUN pool_size=2>"
    pool.close()
    assert "state=CLOSE" in repr(pool)
    pool.terminate()
    assert "state=TERMINATE" in repr(pool)


def test_a_pool_cannot_be_pickled(make_pool: Callable[..., ThreadPool]) -> None:
    with pytest.raises(NotImplementedError, match="pickled"):
        pickle.dumps(make_pool(1))


def test_results_are_generic() -> None:
    assert poolspec.reference.AsyncResult[int] is not None
    assert poolspec.reference.MapResult[int] is not None
    assert poolspec.reference.IMapIterator[int] is not None

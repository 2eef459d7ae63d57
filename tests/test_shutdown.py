"""close, terminate, join, the context manager, and what happens to a pool nobody references."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import warnings
import weakref
from typing import Any, Callable, Dict, Iterator, List

import pytest

from poolspec.reference import PoolTerminatedError, ThreadPool

from .helpers import HANG_LIMIT, Gates, finishes

Make = Callable[..., ThreadPool]

SUBMISSIONS: Dict[str, Callable[[ThreadPool], Any]] = {
    "apply": lambda pool: pool.apply(abs, (1,)),
    "apply_async": lambda pool: pool.apply_async(abs, (1,)),
    "map": lambda pool: pool.map(abs, [1]),
    "map-empty": lambda pool: pool.map(abs, []),
    "map_async": lambda pool: pool.map_async(abs, [1]),
    "starmap": lambda pool: pool.starmap(abs, [(1,)]),
    "starmap_async": lambda pool: pool.starmap_async(abs, [(1,)]),
    "imap": lambda pool: pool.imap(abs, [1]),
    "imap-chunked": lambda pool: pool.imap(abs, [1], 2),
    "imap_unordered": lambda pool: pool.imap_unordered(abs, [1]),
    "enter": lambda pool: pool.__enter__(),
}


@pytest.mark.parametrize("stop", ["close", "terminate"])
@pytest.mark.parametrize("submission", list(SUBMISSIONS))
def test_nothing_is_accepted_after_close_or_terminate(make_pool: Make, stop: str, submission: str) -> None:
    pool = make_pool(1)
    getattr(pool, stop)()
    with pytest.raises(ValueError, match="Pool not running"):
        SUBMISSIONS[submission](pool)


def test_map_after_close_does_not_consume_the_input(make_pool: Make) -> None:
    pool = make_pool(1)
    pool.close()
    items = iter([1, 2])
    with pytest.raises(ValueError):
        pool.map(abs, items)
    assert list(items) == [1, 2]


def test_join_while_running_is_a_value_error(make_pool: Make) -> None:
    with pytest.raises(ValueError, match="still running"):
        make_pool(1).join()


def test_close_then_join_waits_for_all_submitted_work(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(2)
    gate = gate_factory()
    consumed: List[int] = []
    called_back: List[Any] = []

    def slow_input() -> Any:
        for i in range(5):
            gate.wait()
            consumed.append(i)
            yield i

    results = [pool.apply_async(lambda: gate.wait() or 1, callback=called_back.append) for _ in range(4)]
    mapped = pool.map_async(abs, range(30), 1, called_back.append)
    iterator = pool.imap(abs, slow_input())
    pool.close()
    joined = threading.Thread(target=pool.join)
    joined.start()
    joined.join(0.05)
    assert joined.is_alive(), "join() returned while tasks were still blocked"
    gate.open()
    joined.join(10)
    assert not joined.is_alive(), "join() did not return after the work finished"
    assert all(result.ready() for result in [*results, mapped])
    assert consumed == [0, 1, 2, 3, 4]
    assert len(called_back) == 5
    assert list(iterator) == [0, 1, 2, 3, 4]


def test_close_join_and_terminate_are_idempotent(make_pool: Make) -> None:
    pool = make_pool(2)
    pool.close()
    pool.close()
    pool.join()
    pool.join()
    pool.terminate()
    pool.terminate()
    pool.close()
    pool.join()


def test_terminate_returns_at_once_and_fails_every_pending_result(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(2)
    gate = gate_factory()
    started = threading.Semaphore(0)

    def blocked(_: Any = None) -> None:
        started.release()
        gate.wait()

    running = [pool.apply_async(blocked) for _ in range(2)]
    for _ in range(2):
        assert started.acquire(timeout=10)
    queued = pool.apply_async(abs, (1,))
    mapped = pool.map_async(abs, range(10))
    iterator = pool.imap(abs, range(10))
    finishes(pool.terminate, "terminate() with tasks running")
    for result in [*running, queued, mapped]:
        with pytest.raises(PoolTerminatedError):
            finishes(result.get, "get() after terminate()")
    with pytest.raises(PoolTerminatedError):
        finishes(lambda: list(iterator), "iterating an imap after terminate()")
    with pytest.raises(StopIteration):
        next(iterator)


def test_terminate_wakes_a_caller_already_blocked_in_get(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(1)
    gate = gate_factory()
    result = pool.apply_async(gate.wait)
    outcome: List[BaseException] = []

    def wait_for_it() -> None:
        try:
            result.get()
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    pool.terminate()
    waiter.join(10)
    assert not waiter.is_alive(), "get() still blocked after terminate()"
    assert isinstance(outcome[0], PoolTerminatedError)


def test_imap_yields_what_completed_before_terminate(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(1)
    gate = gate_factory()
    iterator = pool.imap(lambda i: gate.wait() if i == 2 else i, range(5))
    assert [iterator.next(10), iterator.next(10)] == [0, 1]
    pool.terminate()
    with pytest.raises(PoolTerminatedError):
        iterator.next(10)


def test_the_context_manager_returns_the_pool_and_terminates(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(1)
    gate = gate_factory()
    with pool as entered:
        assert entered is pool
        pending = pool.apply_async(gate.wait)
    assert "state=TERMINATE" in repr(pool)
    with pytest.raises(PoolTerminatedError):
        pending.get(10)


@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_no_thread_of_the_pool_is_left_after_join(stop: str, gate_factory: Gates) -> None:
    before = set(threading.enumerate())
    gate = gate_factory()
    pool = ThreadPool(3)
    pool.map(abs, range(10))
    list(pool.imap(abs, range(10)))
    pool.apply_async(gate.wait)
    pool.imap(abs, (gate.wait() or i for i in range(3)))
    assert len(set(threading.enumerate()) - before) >= 4
    getattr(pool, stop)()
    gate.open()
    finishes(pool.join, f"{stop}(); join()")
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    if stop == "terminate":
        # join() after terminate() does not wait for a feeder still in its input, which may block
        # for ever; this input was let go, so its feeder ends on its own, soon.
        assert all(type(t).__name__ == "Feeder" for t in left), left
        for feeder in left:
            feeder.join(HANG_LIMIT)
        left = [t for t in left if t.is_alive()]
    assert left == []


@pytest.mark.parametrize("where", ["task", "callback"])
def test_join_from_a_thread_of_the_pool_is_an_error_not_a_deadlock(make_pool: Make, where: str) -> None:
    pool = make_pool(2)
    errors: List[BaseException] = []

    def join_here(*_: Any) -> None:
        pool.close()
        try:
            pool.join()
        except RuntimeError as exc:
            errors.append(exc)

    if where == "task":
        result = pool.apply_async(join_here)
    else:
        result = pool.apply_async(abs, (1,), callback=join_here)
    finishes(result.get, f"join() from a {where}")
    assert "would wait for itself" in str(errors[0])


def test_terminate_from_a_task_returns(make_pool: Make) -> None:
    pool = make_pool(2)
    result = pool.apply_async(pool.terminate)
    with pytest.raises(PoolTerminatedError):
        finishes(result.get, "get() of a task that terminated its pool")


# The last reference to the pool may go on any thread, which then warns. A filter set inside the
# test would not reach the pool's threads where warnings are per context (the free-threaded build):
# the mark's filter is in place before the threads start, and they inherit it.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_results_are_delivered_after_the_pool_is_dropped(gate_factory: Gates) -> None:
    gate = gate_factory()
    pool = ThreadPool(2)
    applied = pool.apply_async(lambda: gate.wait() or 1)
    mapped = pool.map_async(lambda i: gate.wait() or i, range(3))
    iterator = pool.imap(lambda i: gate.wait() or i, range(3))
    collected = threading.Event()
    weakref.finalize(pool, collected.set)
    del pool
    gc.collect()
    assert not collected.is_set(), "the pool was collected while it owed results"
    gate.open()
    assert applied.get(10) == 1
    assert mapped.get(10) == [0, 1, 2]
    assert list(iterator) == [0, 1, 2]
    del applied, mapped, iterator
    gc.collect()
    assert collected.wait(10), "the pool was not collected once it owed nothing"


def test_collecting_a_running_pool_warns_and_terminates_it() -> None:
    before = set(threading.enumerate())
    pool = ThreadPool(2)
    started = set(threading.enumerate()) - before
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del pool
        gc.collect()
    assert [str(w.message) for w in caught] == ["unclosed running poolspec.reference.ThreadPool"]
    for thread in started:
        thread.join(10)
        assert not thread.is_alive(), "a collected pool was not terminated"


def test_collecting_a_closed_pool_does_not_warn() -> None:
    pool = ThreadPool(1)
    pool.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del pool
        gc.collect()
    assert caught == []


def test_imap_stays_finished_when_a_running_task_completes_after_terminate(make_pool: Make, gate_factory: Gates) -> None:
    pool = make_pool(2)
    gate = gate_factory()
    started = threading.Event()
    done = threading.Event()

    def task(i: int) -> int:
        if i == 1:
            started.set()
            gate.wait()
            done.set()
        return i

    iterator = pool.imap(task, range(2))
    assert started.wait(10)
    assert iterator.next(10) == 0
    pool.terminate()
    with pytest.raises(PoolTerminatedError):
        iterator.next(10)
    gate.open()
    assert done.wait(10)
    for _ in range(2):
        with pytest.raises(StopIteration):
            iterator.next(10)


def waiting_in_engine_join(thread: threading.Thread) -> bool:
    """Whether ``thread`` is blocked in a wait inside the engine's join()."""
    frame = sys._current_frames().get(thread.ident or -1)
    names = []
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    return bool(names) and names[0] == "wait" and "join" in names


def blocked_input(gate: Any, read: List[int]) -> Iterator[int]:
    """Yields 0, then blocks until ``gate`` opens, then yields 1, 2, 3: every item read is in ``read``."""
    for item in range(4):
        if item == 1:
            gate.wait()
        read.append(item)
        yield item


@pytest.mark.parametrize("join_first", [False, True], ids=["terminate-then-join", "join-after-close-then-terminate"])
def test_join_after_terminate_does_not_wait_for_a_blocked_imap_input(make_pool: Make, gate_factory: Gates, join_first: bool) -> None:
    """The feeder reading the blocked input stays until the input returns, then stops, reading no more."""
    pool = make_pool(2)
    gate = gate_factory()
    read: List[int] = []
    iterator = pool.imap(abs, blocked_input(gate, read))
    assert finishes(lambda: next(iterator), "the first item") == 0
    feeders = [thread for thread in threading.enumerate() if thread.name == "poolspec.reference.ThreadPool feeder"]
    if join_first:
        pool.close()
        joining = threading.Thread(target=pool.join, daemon=True)
        joining.start()
        deadline = time.monotonic() + 10
        while not waiting_in_engine_join(joining):
            assert joining.is_alive() and time.monotonic() < deadline, "join() after close() did not wait for the input being read"
            os.sched_yield()
        pool.terminate()
        joining.join(10)
        assert not joining.is_alive(), "join() waiting after close() did not return once the pool was terminated"
    else:
        pool.terminate()
        finishes(pool.join, "join() after terminate() with an imap input blocked")
    assert [feeder.is_alive() for feeder in feeders] == [True], "the feeder should still be blocked in the input"
    gate.open()
    for feeder in feeders:
        feeder.join(10)
        assert not feeder.is_alive(), "the feeder did not stop once its input returned"
    assert read == [0, 1], f"the feeder read on after the pool was terminated: {read}"

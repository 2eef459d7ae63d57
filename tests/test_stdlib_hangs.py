"""Where the stdlib hangs or silently answers wrongly, the reference raises or completes instead.

Each test bounds every wait with :func:`finishes`, so a regression to the stdlib's behaviour fails
within seconds with a message naming the upstream issue, instead of stalling the run.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator, List

import pytest

from poolspec.reference import InitializerError, ThreadPool

from .helpers import Gates, finishes

Make = Callable[..., ThreadPool]

MAP_FORMS = ["map", "map_async", "starmap", "starmap_async", "imap", "imap_unordered"]


def call_form(pool: ThreadPool, form: str, chunksize: Any) -> Any:
    items: List[Any] = [(1,), (2,), (3,)] if form.startswith("starmap") else [1, 2, 3]
    return getattr(pool, form)(abs, items, chunksize)


@pytest.mark.parametrize("form", MAP_FORMS)
@pytest.mark.parametrize("chunksize", [0, -1])
def test_a_chunksize_below_one_is_a_value_error(make_pool: Make, form: str, chunksize: int) -> None:
    """The stdlib's map forms return [None] * n without running anything."""
    with pytest.raises(ValueError, match="Chunksize must be 1\\+"):
        finishes(lambda: call_form(make_pool(2), form, chunksize), f"{form}(chunksize={chunksize})")


@pytest.mark.parametrize("form", MAP_FORMS)
@pytest.mark.parametrize("chunksize", [1.5, 2.0, "2"])
def test_a_chunksize_that_is_not_an_integer_is_a_type_error(make_pool: Make, form: str, chunksize: Any) -> None:
    """The stdlib's map forms never complete for a float chunksize (and neither does join)."""
    with pytest.raises(TypeError, match="chunksize must be an integer"):
        finishes(lambda: call_form(make_pool(2), form, chunksize), f"{form}(chunksize={chunksize!r})")


@pytest.mark.parametrize("form", ["imap", "imap_unordered"])
def test_imap_rejects_a_chunksize_of_none(make_pool: Make, form: str) -> None:
    with pytest.raises(TypeError, match="chunksize"):
        getattr(make_pool(1), form)(abs, [1], None)


@pytest.mark.parametrize("form", MAP_FORMS)
def test_a_non_iterable_input_is_a_type_error_at_the_call(make_pool: Make, form: str) -> None:
    with pytest.raises(TypeError):
        getattr(make_pool(1), form)(abs, 5)


@pytest.mark.parametrize("form", ["apply_async", *MAP_FORMS])
def test_a_non_callable_func_is_a_type_error_at_the_call(make_pool: Make, form: str) -> None:
    with pytest.raises(TypeError, match="func must be callable"):
        getattr(make_pool(1), form)(42, [1])


def test_non_iterable_args_and_non_mapping_kwds_are_type_errors(make_pool: Make) -> None:
    pool = make_pool(1)
    with pytest.raises(TypeError, match="args must be an iterable"):
        pool.apply_async(abs, 5)  # type: ignore[arg-type]
    for kwds in (5, [("x", 1)]):
        with pytest.raises(TypeError, match="kwds must be a mapping"):
            pool.apply_async(abs, (), kwds)  # type: ignore[arg-type]


class InitFailed(Exception):
    pass


def failing_initializer() -> None:
    raise InitFailed("no database")


def test_a_failing_initializer_fails_pending_and_later_results(make_pool: Make) -> None:
    """bpo-43306 / gh-87472: in the stdlib those results never complete."""
    pool = make_pool(2, failing_initializer)
    submissions: List[Callable[[], Any]] = [
        lambda: pool.apply(abs, (1,)),
        lambda: pool.map(abs, range(5)),
        lambda: pool.map_async(abs, []).get(),
        lambda: pool.starmap(abs, [(1,)]),
        lambda: list(pool.imap(abs, range(5))),
        lambda: list(pool.imap_unordered(abs, range(5), 2)),
        lambda: list(pool.imap(abs, [])),
        lambda: list(pool.imap(abs, iter([1, 2]))),
    ]
    for submit in submissions * 2:
        with pytest.raises(InitializerError) as caught:
            finishes(submit, "a submission to a pool whose initializer raised (bpo-43306)")
        assert isinstance(caught.value.__cause__, InitFailed)
        assert "no database" in str(caught.value)
    pool.close()
    finishes(pool.join, "close(); join() of a pool whose initializer raised")


def test_a_failing_initializer_fails_results_already_queued(make_pool: Make, gate_factory: Gates) -> None:
    """Results submitted before any initializer ran fail too, instead of never completing."""
    gate = gate_factory()

    def initializer() -> None:
        gate.wait()
        raise InitFailed("late")

    pool = make_pool(1, initializer)
    queued = [pool.apply_async(abs, (1,)), pool.map_async(abs, range(3)), pool.imap(abs, range(3))]
    gate.open()
    with pytest.raises(InitializerError):
        finishes(lambda: queued[0].get(), "get() of a result queued before the initializer raised")
    with pytest.raises(InitializerError):
        finishes(lambda: queued[1].get(), "get() of a map queued before the initializer raised")
    with pytest.raises(InitializerError):
        finishes(lambda: list(queued[2]), "an imap queued before the initializer raised")


def test_a_blocking_imap_input_does_not_stall_other_jobs(make_pool: Make, gate_factory: Gates) -> None:
    """The stdlib reads every job's input on one thread, so one blocking input stalls the pool."""
    pool = make_pool(2)
    gate = gate_factory()

    def blocking_input() -> Iterator[int]:
        yield 1
        gate.wait()
        yield 2

    iterator = pool.imap(abs, blocking_input())
    assert finishes(lambda: pool.apply(abs, (-5,)), "apply() behind a blocking imap input") == 5
    assert finishes(lambda: iterator.next(), "the first imap result") == 1
    gate.open()
    assert finishes(lambda: list(iterator), "the rest of the imap") == [2]


@pytest.mark.parametrize("form", ["imap", "imap_unordered"])
def test_close_join_with_an_unconsumed_buffered_imap_completes(make_pool: Make, form: str) -> None:
    """gh-155477: join() deadlocked in 3.16 while only terminate() lifted the buffersize bound; with
    its fix (3.16.0a0) the iteration ends after the items already submitted, without reading the rest."""
    pool = make_pool(2)
    ran: List[int] = []
    lock = threading.Lock()

    def record(i: int) -> int:
        with lock:
            ran.append(i)
        return i

    iterator = getattr(pool, form)(record, range(50), 1, 1)
    assert finishes(lambda: iterator.next(), "the first buffered result") in range(50)
    pool.close()
    finishes(pool.join, "close(); join() with a buffered imap nobody consumes (gh-155477)")
    assert sorted(ran) == list(range(50))
    assert len(list(iterator)) == 49


def test_a_task_that_raises_keyboard_interrupt_does_not_kill_a_worker(make_pool: Make) -> None:
    """The stdlib loses the worker and never completes the result (PR #101081)."""
    pool = make_pool(1)
    for _ in range(3):
        with pytest.raises(KeyboardInterrupt):
            finishes(lambda: pool.apply(raise_keyboard_interrupt), "apply() of a task raising KeyboardInterrupt")
    assert finishes(lambda: pool.apply(abs, (-1,)), "apply() after it") == 1


def raise_keyboard_interrupt() -> None:
    raise KeyboardInterrupt


def test_an_initializer_failing_after_terminate_does_not_block_join(make_pool: Make, gate_factory: Gates) -> None:
    """Giving up on the queued work must not drop the sentinels that stop the workers."""
    gate = gate_factory()
    calls = threading.Semaphore(0)

    def initializer() -> None:
        calls.release()
        gate.wait()
        raise InitFailed("after terminate")

    pool = make_pool(2, initializer)
    pool.apply_async(abs, (1,))
    for _ in range(2):
        assert calls.acquire(timeout=10)
    pool.terminate()
    gate.open()
    finishes(pool.join, "join() after an initializer failed past terminate()")

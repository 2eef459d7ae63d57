"""The reference pool lets go of a job once it has delivered it: its arguments, values, exceptions and function (bpo-29861).

A worker, or the callback thread, may still be returning from the call that completed a result
when the caller wakes, so each check waits (bounded, collecting garbage) for the objects to go:
:func:`poolspec.conformance.collection.uncollected`.
"""

from __future__ import annotations

import functools
import weakref
from typing import Any, Callable, Dict, List

import pytest

from poolspec.conformance.collection import uncollected
from poolspec.reference import ThreadPool

from .helpers import HANG_LIMIT, finishes

Make = Callable[..., ThreadPool]


class Payload:
    """An argument or value that can be weakly referenced."""

    def __init__(self, number: int) -> None:
        self.number = number


class Failure(Exception):
    pass


class Task:
    """The job's function: echoes its argument, or raises ``Failure`` carrying it when told to."""

    def __init__(self, fails: bool) -> None:
        self.fails = fails

    def __call__(self, payload: Payload) -> Payload:
        if self.fails:
            raise Failure(payload)
        return payload


def ignore(outcome: Any) -> None:
    return None


def outcomes_of(call: Callable[[], Any]) -> List[Any]:
    try:
        value = call()
    except Failure as error:
        return [error]
    return list(value) if isinstance(value, list) else [value]


def every_outcome(iterator: Any, items: List[Payload]) -> List[Any]:
    """One outcome per item: the reference's imap raises each failure at its place and goes on."""
    return [each for _ in items for each in outcomes_of(iterator.next)]


RUNS: Dict[str, Callable[[ThreadPool, Task, List[Payload]], List[Any]]] = {
    "apply": lambda pool, task, items: [each for item in items for each in outcomes_of(functools.partial(pool.apply, task, (item,)))],
    "apply_async with callbacks": lambda pool, task, items: [
        each for result in [pool.apply_async(task, (item,), {}, ignore, ignore) for item in items] for each in outcomes_of(result.get)
    ],
    "map": lambda pool, task, items: outcomes_of(lambda: pool.map(task, items)),
    "map chunksize 1": lambda pool, task, items: outcomes_of(lambda: pool.map(task, items, 1)),
    "map_async with callbacks": lambda pool, task, items: outcomes_of(pool.map_async(task, items, 2, ignore, ignore).get),
    "starmap": lambda pool, task, items: outcomes_of(lambda: pool.starmap(task, [(item,) for item in items])),
    "imap": lambda pool, task, items: every_outcome(pool.imap(task, items), items),
    "imap over a generator, chunksize 3": lambda pool, task, items: every_outcome(pool.imap(task, iter(items), 3), items),
    "imap_unordered with a buffersize": lambda pool, task, items: every_outcome(pool.imap_unordered(task, items, 1, 2), items),
}


@pytest.mark.parametrize("fails", [False, True], ids=["returns", "raises"])
@pytest.mark.parametrize("form", list(RUNS))
def test_nothing_of_a_delivered_job_stays_alive(make_pool: Make, form: str, fails: bool) -> None:
    pool = make_pool(3)
    task = Task(fails)
    items = [Payload(number) for number in range(10)]
    references = [weakref.ref(task), *[weakref.ref(item) for item in items]]
    outcomes = finishes(functools.partial(RUNS[form], pool, task, items), form)
    assert outcomes and all(isinstance(each, Failure if fails else Payload) for each in outcomes)
    del task, items, outcomes
    alive = uncollected(references, HANG_LIMIT)
    assert not alive, f"{form}: {len(alive)} objects of the delivered job still alive: {[references[position]() for position in alive]}"


def test_cpythons_release_task_refs(make_pool: Make) -> None:
    """CPython's test_release_task_refs, but waiting for the release instead of sleeping."""
    pool = make_pool(4)
    objects = [Payload(number) for number in range(10)]
    references = [weakref.ref(each) for each in objects]
    pool.map(id, objects)
    del objects
    assert not uncollected(references, HANG_LIMIT)

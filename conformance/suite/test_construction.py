"""Clauses of the construction family."""

from __future__ import annotations

import threading
from typing import List

import pytest

from conformance import checks
from conformance.pools import Pools


@checks("construction.processes-honoured")
@pytest.mark.parametrize("processes", [1, 3])
def test_exactly_processes_tasks_run_at_once(make_pool: Pools, processes: int) -> None:
    pool = make_pool(processes)
    release = make_pool.gate()
    started = threading.Semaphore(0)
    running: List[int] = []

    def task(i: int) -> None:
        running.append(i)
        started.release()
        release.wait()

    result = pool.map_async(task, range(processes + 1), 1)
    for _ in range(processes):
        assert started.acquire(timeout=make_pool.hang_limit), f"only {len(running)} of {processes} tasks started while the workers were free"
    assert not started.acquire(timeout=0.1), f"{processes + 1} tasks ran at once on ThreadPool({processes})"
    release.open()
    result.get(make_pool.hang_limit)


@checks("construction.processes-below-one-rejected")
@pytest.mark.parametrize("processes", [0, -1])
def test_processes_below_one_is_a_value_error(make_pool: Pools, processes: int) -> None:
    with pytest.raises(ValueError):
        make_pool.build(processes)

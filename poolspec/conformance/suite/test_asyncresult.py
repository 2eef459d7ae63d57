"""Clauses of the asyncresult family that are not about time: ready(), successful(), when a map result is ready."""

from __future__ import annotations

import functools
import threading
from typing import Any, List, Tuple

import pytest

from poolspec.conformance import checks
from poolspec.conformance.process_gate import wait_at
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.tasks import TaskError, fail


@checks("asyncresult.ready")
@pytest.mark.parametrize("form", ["apply_async", "starmap_async"])
def test_ready_is_false_until_the_last_task_has_finished(scenario: Scenario, form: str) -> None:
    # Every task but the last finishes at once; the last waits for the gate.
    pool = scenario.pool(3)
    gate = scenario.gate()
    finished = threading.Semaphore(0)
    last = 3

    def task(i: int) -> int:
        if i == last:
            gate.wait()
        finished.release()
        return -i

    expected: Any
    if form == "apply_async":
        result, expected, first_ones = pool.apply_async(task, (last,)), -last, 0
    else:
        result, expected, first_ones = pool.starmap_async(task, [(i,) for i in range(last + 1)], 1), [-i for i in range(last + 1)], last
    for _ in range(first_ones):
        assert finished.acquire(timeout=scenario.limits.patience), f"the tasks of {form} that need no gate did not all finish"
    result.wait(scenario.limits.glimpse)  # time for a wrong pool to mark the result ready
    assert not result.ready(), f"ready() of {form} was True while its last task still waited (the other {first_ones} had finished)"
    gate.open()
    assert scenario.bounded(result.get, f"get() of {form}") == expected
    assert result.ready(), f"ready() of {form} was False after get() had returned its value"


@checks("asyncresult.ready")
@pytest.mark.parametrize("form", ["apply_async", "map_async"])
def test_ready_is_true_after_a_failure(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    result = pool.apply_async(fail, (1,)) if form == "apply_async" else pool.map_async(fail, [1, 2], 1)
    with pytest.raises(TaskError):
        scenario.bounded(result.get, f"get() of {form}")
    assert result.ready(), f"ready() of {form} was False after get() had raised the task's error"


def gated(path: str, limit: float, outcome: str, x: int) -> int:
    """Wait at the process gate at ``path``, then return ``x`` or raise TaskError (a module-level task: any pool can run it)."""
    wait_at(path, limit)
    if outcome == "raises":
        raise TaskError(x)
    return x


@checks("asyncresult.successful")
@pytest.mark.parametrize("outcome", ["returns", "raises"])
@pytest.mark.parametrize("form", ["apply_async", "map_async", "starmap_async"])
def test_successful_raises_until_ready_then_tells_the_outcome(scenario: Scenario, form: str, outcome: str) -> None:
    pool = scenario.pool(2)
    gate = scenario.process_gate()
    task = functools.partial(gated, gate.path, scenario.limits.hang, outcome)
    if form == "apply_async":
        result = pool.apply_async(task, (1,))
    elif form == "map_async":
        result = pool.map_async(task, [1, 2], 1)
    else:
        result = pool.starmap_async(task, [(1,), (2,)], 1)
    try:
        answer = result.successful()
    except ValueError:
        pass
    except Exception as exc:  # noqa: BLE001 - the wrong exception is the finding
        pytest.fail(f"successful() of a pending {form} result raised {exc!r}, not ValueError")
    else:
        pytest.fail(f"successful() of a pending {form} result returned {answer!r}")
    gate.open()
    try:
        scenario.bounded(result.get, f"get() of {form}")
    except TaskError:
        pass
    answer = result.successful()
    assert answer is (outcome == "returns"), f"successful() of a {form} result whose task {outcome} returned {answer!r}"


@checks("asyncresult.map-ready-after-all-chunks", needs=("any-thread",))
@pytest.mark.parametrize(
    ("form", "chunksize", "failing"),
    [("map_async", 1, "first"), ("map_async", 2, "last"), ("starmap_async", 1, "last"), ("starmap_async", 2, "first")],
)
def test_a_failed_map_is_ready_only_once_every_chunk_has_finished(scenario: Scenario, form: str, chunksize: int, failing: str) -> None:
    # Four items; the failing one is the first or the last; every item of the other chunks waits
    # for the gate. A worker per chunk, so the failing chunk runs while the others wait.
    items = 4
    bad = 0 if failing == "first" else items - 1
    bad_chunk = bad // chunksize
    pool = scenario.pool(items // chunksize)
    gate = scenario.gate()
    failed = threading.Event()
    finished: List[int] = []
    error = TaskError(bad)

    def task(i: int) -> int:
        if i == bad:
            failed.set()
            raise error
        if i // chunksize != bad_chunk:
            gate.wait()
        finished.append(i)
        return i

    if form == "map_async":
        result = pool.map_async(task, range(items), chunksize)
    else:
        result = pool.starmap_async(task, [(i,) for i in range(items)], chunksize)
    assert failed.wait(scenario.limits.patience), f"the failing task of {form} never ran"
    # get() on another thread: it must not return while the chunks without a failure still run.
    seen: List[Tuple[str, List[int]]] = []

    def observe() -> None:
        try:
            outcome = f"returned {result.get()!r}"
        except TaskError:
            outcome = "raised"
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome = f"raised {exc!r}"
        seen.append((outcome, sorted(finished)))

    waiter = threading.Thread(target=observe, name=f"get() of {form}")
    waiter.start()
    waiter.join(scenario.limits.glimpse)  # time for a wrong pool to let get() return
    gate.open()
    waiter.join(scenario.limits.patience)
    assert seen, f"get() of {form} did not return within {scenario.limits.patience:g} s after every task was let go"
    others = sorted(set(range(items)) - {i for i in range(items) if i // chunksize == bad_chunk and i >= bad})
    outcome, done = seen[0]
    assert outcome == "raised", f"get() of {form} (chunksize {chunksize}) with item {bad} failing {outcome}"
    assert done == others, f"get() of {form} (chunksize {chunksize}) raised the task's error when only items {done} of {others} had finished"

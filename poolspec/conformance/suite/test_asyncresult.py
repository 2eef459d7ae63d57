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
from poolspec.conformance.verdict import gave, mismatch, returned
from poolspec.conformance.watchdog import RUNNER_PREFIX


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
        call = f"apply_async(task, ({last},)), its task held back"
        result, expected, first_ones = pool.apply_async(task, (last,)), -last, 0
    else:
        call = f"starmap_async(task, [(0,), …, ({last},)], 1), the task of item {last} held back"
        result, expected, first_ones = pool.starmap_async(task, [(i,) for i in range(last + 1)], 1), [-i for i in range(last + 1)], last
    for done in range(first_ones):
        if not finished.acquire(timeout=scenario.limits.patience):
            mismatch(call, f"ran {done} of the {first_ones} tasks that are not held back within {scenario.limits.patience:g} s", "each to run")
    result.wait(scenario.limits.glimpse)  # time for a wrong pool to mark the result ready
    if result.ready():
        mismatch(f"ready() of {call}", f"returned True while the held-back task waited (the other {first_ones} had finished)", "False")
    gate.open()
    value = scenario.bounded(result.get, f"get() of {form}")
    if value != expected:
        mismatch(f"get() of {call}, once let go", returned(value), repr(expected))
    if not result.ready():
        mismatch(f"ready() of {call}, after get() returned", "returned False", "True")


@checks("asyncresult.ready")
@pytest.mark.parametrize("form", ["apply_async", "map_async"])
def test_ready_is_true_after_a_failure(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    result = pool.apply_async(fail, (1,)) if form == "apply_async" else pool.map_async(fail, [1, 2], 1)
    with pytest.raises(TaskError):
        scenario.bounded(result.get, f"get() of {form}")
    if not result.ready():
        call = "apply_async(fail, (1,))" if form == "apply_async" else "map_async(fail, [1, 2], 1)"
        mismatch(f"ready() of {call}, after get() raised the task's TaskError", "returned False", "True")


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
        call, result = "apply_async(task, (1,))", pool.apply_async(task, (1,))
    elif form == "map_async":
        call, result = "map_async(task, [1, 2], 1)", pool.map_async(task, [1, 2], 1)
    else:
        call, result = "starmap_async(task, [(1,), (2,)], 1)", pool.starmap_async(task, [(1,), (2,)], 1)
    call += f", whose tasks {'return' if outcome == 'returns' else 'raise TaskError'}"
    pending: object
    try:
        pending = result.successful()
    except ValueError:
        pending = None
    except Exception as exc:  # noqa: BLE001 - the wrong exception is the finding
        pending = exc
    if pending is not None:
        mismatch(f"successful() of {call}, while its tasks were held back", gave(pending), "to raise ValueError")
    gate.open()
    try:
        scenario.bounded(result.get, f"get() of {form}")
    except TaskError:
        pass
    answer = result.successful()
    if answer is not (outcome == "returns"):
        mismatch(f"successful() of {call}, after get()", returned(answer), repr(outcome == "returns"))


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
    call = f"{form}(task, {'range' if form == 'map_async' else 'one-tuples of range'}({items}), {chunksize}), item {bad} failing, the other chunks held back"
    if not failed.wait(scenario.limits.patience):
        mismatch(call, f"did not run the failing task within {scenario.limits.patience:g} s", "it to run while the others wait")
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

    waiter = threading.Thread(target=observe, name=f"{RUNNER_PREFIX}get() of {form}")
    waiter.start()
    waiter.join(scenario.limits.glimpse)  # time for a wrong pool to let get() return
    gate.open()
    waiter.join(scenario.limits.patience)
    if not seen:
        mismatch(f"get() of {call}", f"did not return within {scenario.limits.patience:g} s after every task was let go", "to raise the task's TaskError")
    others = sorted(set(range(items)) - {i for i in range(items) if i // chunksize == bad_chunk and i >= bad})
    outcome, done = seen[0]
    if outcome != "raised":
        mismatch(f"get() of {call}", outcome, "to raise the task's TaskError")
    if done != others:
        mismatch(f"get() of {call}", f"raised the task's TaskError when only items {done} had finished", f"to raise it once items {others} had finished")

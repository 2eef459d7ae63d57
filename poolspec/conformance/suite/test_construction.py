"""Clauses of the construction family."""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import pickle
import threading
import warnings
from typing import Any, Callable, Dict, List, Tuple

import pytest

from poolspec.conformance import checks
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.verdict import gave, mismatch
from poolspec.conformance.workloads import TIMED_OUT, outcome_of, outcome_within, soon


def stdlib_cpu_count() -> Tuple[int, str]:
    """The worker count the stdlib gives ThreadPool(None) on this Python, and where it comes from."""
    name = "process_cpu_count" if hasattr(os, "process_cpu_count") else "cpu_count"
    counted = getattr(os, name)()
    return counted or 1, f"os.{name}() is {counted}" + ("" if counted else ", so 1")


def assert_runs_exactly_at_once(scenario: Scenario, pool: Any, expected: int, what: str, why: str = "") -> None:
    """``pool`` (``what``) runs ``expected`` blocked tasks at the same time, and not one more.

    One task more than ``expected`` is submitted, so a pool with too many workers shows it by
    running all of them at once; ``why`` says where the clause's count comes from.
    """
    release = scenario.gate()
    started = threading.Semaphore(0)
    running: List[int] = []
    submitted = expected + 1
    call = f"map_async(task, range({submitted}), 1) on {what}, each task blocked until the test lets it go"
    requires = f"exactly {expected} at once{why}"

    def task(i: int) -> None:
        running.append(i)
        started.release()
        release.wait()

    result = pool.map_async(task, range(submitted), 1)
    within = scenario.limits.patience  # so that too few workers fail here, not as a HANG of the scenario
    for _ in range(expected):
        if not started.acquire(timeout=within):
            mismatch(call, f"had started {len(running)} of them {within:g} s later", requires)
    if started.acquire(timeout=scenario.limits.glimpse):
        mismatch(call, f"ran all {submitted} at the same time", requires)
    release.open()
    result.get(scenario.limits.patience)


@checks("construction.processes-honoured")
@pytest.mark.parametrize("processes", [1, 3])
def test_exactly_processes_tasks_run_at_once(scenario: Scenario, processes: int) -> None:
    assert_runs_exactly_at_once(scenario, scenario.pool(processes), processes, f"ThreadPool({processes})")


@checks("construction.processes-default")
def test_the_default_worker_count_is_the_stdlibs_cpu_count(scenario: Scenario) -> None:
    expected, source = stdlib_cpu_count()
    assert_runs_exactly_at_once(scenario, scenario.build(None), expected, "ThreadPool(None)", f", the stdlib's CPU count here ({source})")


@checks("construction.processes-below-one-rejected")
@pytest.mark.parametrize("processes", [0, -1])
def test_processes_below_one_is_a_value_error(scenario: Scenario, processes: int) -> None:
    with pytest.raises(ValueError):
        scenario.build(processes)


@checks("construction.processes-type-checked")
@pytest.mark.parametrize("processes", ["2", 2.5], ids=["str", "float"])
def test_processes_that_is_not_an_integer_is_rejected(scenario: Scenario, processes: Any) -> None:
    try:
        pool = scenario.build(processes)
    except (TypeError, ValueError):
        return
    mismatch(f"ThreadPool({processes!r})", gave(pool), "to raise TypeError or ValueError")


@checks("construction.initializer-per-worker")
@pytest.mark.parametrize("processes", [1, 3])
def test_the_initializer_runs_once_on_each_worker_before_its_tasks(scenario: Scenario, processes: int) -> None:
    initargs = ("initarg", processes)
    calls: List[Tuple[int, Tuple[Any, ...]]] = []
    tasks: List[Tuple[int, bool]] = []
    lock = threading.Lock()

    def initializer(*args: Any) -> None:
        with lock:
            calls.append((threading.get_ident(), args))

    # Every task waits for all the others, so each worker runs exactly one of them.
    meeting = threading.Barrier(processes, timeout=scenario.limits.patience)

    def task(i: int) -> int:
        ident = threading.get_ident()
        with lock:
            tasks.append((ident, any(caller == ident for caller, _ in calls)))
        meeting.wait()
        return ident

    pool = scenario.pool(processes, initializer, initargs)
    idents = pool.map(task, range(processes), 1)
    pool.close()
    scenario.bounded(pool.join, "join() after close()")

    call = f"ThreadPool({processes}, initializer, {initargs!r}).map(task, range({processes}), 1), each task waiting for all the others, then close(); join()"
    if len(set(idents)) != processes:
        mismatch(call, f"ran the tasks on {len(set(idents))} distinct threads", f"{processes}, one on each worker")
    late = [ident for ident, initialised in tasks if not initialised]
    if late:
        mismatch(call, f"ran {len(late)} task(s) on a worker the initializer had not run on yet", "the initializer to run on each worker before its first task")
    callers = [caller for caller, _ in calls]
    if sorted(callers) != sorted(idents):
        mismatch(
            call,
            f"called the initializer {len(calls)} time(s), {len(set(callers) - set(idents))} on thread(s) that ran no task, "
            f"{len(callers) - len(set(callers))} repeated on the same thread",
            f"one call on each of the {processes} workers and nowhere else",
        )
    wrong = [args for _, args in calls if args != initargs]
    if wrong:
        mismatch(call, f"called the initializer with the arguments {wrong!r}", f"each call to be initializer(*{initargs!r})")


@checks("construction.initializer-not-callable-rejected")
@pytest.mark.parametrize("initializer", [42, "initializer"], ids=["int", "str"])
def test_an_initializer_that_is_not_callable_is_a_type_error(scenario: Scenario, initializer: Any) -> None:
    with pytest.raises(TypeError):
        scenario.build(1, initializer)


class InitializerFailed(Exception):
    """Raised by the initializer of a scenario."""


def failing_initializer() -> None:
    raise InitializerFailed("the initializer failed")


def caused_by_the_initializer(exc: BaseException) -> bool:
    """Whether ``exc`` is the initializer's exception, or has it in its cause or context chain."""
    seen: List[BaseException] = []
    current: Any = exc
    while current is not None and not any(current is other for other in seen):
        if isinstance(current, InitializerFailed):
            return True
        seen.append(current)
        current = current.__cause__ or current.__context__
    return False


SUBMISSIONS: Dict[str, Callable[[Any], Any]] = {
    "apply_async()": lambda pool: pool.apply_async(abs, (-1,)),
    "map_async()": lambda pool: pool.map_async(abs, [-1, -2], 1),
    "imap() over a list": lambda pool: pool.imap(abs, [-1, -2]),
    "imap() over an empty list": lambda pool: pool.imap(abs, []),
    "imap_unordered() over an empty list": lambda pool: pool.imap_unordered(abs, []),
}
"""Each call whose outcome the initializer's failure must decide: a result (``get``) or an iterator (``next``).
An empty input has no task that could fail, yet its iteration must not end as if it had succeeded."""


# The stdlib prints each dead worker's traceback through threading.excepthook.
@checks("construction.initializer-error-fails-results")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_results_fail_when_the_initializer_raises(scenario: Scenario) -> None:
    pool = scenario.pool(2, failing_initializer)
    expected = "to fail with the initializer's exception, or one caused by it"
    # The same submissions twice: the second time the initializer has certainly raised already.
    for method, submit in [*SUBMISSIONS.items(), *SUBMISSIONS.items()]:
        call = f"{method} on ThreadPool(2, initializer) whose initializer raises InitializerFailed"
        try:
            result = submit(pool)
        except Exception as exc:  # noqa: BLE001 - rejecting the submission is allowed, if it says why
            if not caused_by_the_initializer(exc):
                mismatch(call, gave(exc), expected)
            continue
        outcome = outcome_within(result, scenario.limits.promptly, scenario.impl.timeout_error)
        if outcome is TIMED_OUT:
            mismatch(call, f"did not complete within {scenario.limits.promptly:g} s", expected)
        if isinstance(outcome, StopIteration):
            mismatch(call, "ended its iteration without an error", expected)
        if not isinstance(outcome, BaseException) or not caused_by_the_initializer(outcome):
            mismatch(call, gave(outcome), expected)


# On the stdlib the half-built pool's __del__ fails ("Exception ignored in Pool.__del__").
@checks("construction.process-arguments-rejected")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("keyword", ["maxtasksperchild", "context"])
def test_process_pool_arguments_are_a_type_error(scenario: Scenario, keyword: str) -> None:
    value = 2 if keyword == "maxtasksperchild" else multiprocessing.get_context()
    try:
        pool = scenario.build(1, **{keyword: value})
    except TypeError:
        return
    mismatch(f"ThreadPool(1, {keyword}={value!r})", gave(pool), "to raise TypeError")


STOPS: Dict[str, Callable[[Any], None]] = {
    "close(); join()": lambda pool: (pool.close(), pool.join())[-1],
    "terminate(); join()": lambda pool: (pool.terminate(), pool.join())[-1],
}


@checks("construction.pools-independent")
@pytest.mark.parametrize("stop", list(STOPS))
def test_stopping_a_pool_leaves_the_others_running(scenario: Scenario, stop: str) -> None:
    before = scenario.pool(1)
    stopped = scenario.pool(1)
    soon(scenario, functools.partial(STOPS[stop], stopped), f"{stop} of a ThreadPool(1)")
    after = scenario.pool(1)
    for which, pool in (("built before it", before), ("built after it", after)):
        call = "apply(abs, (-3,))"
        got = outcome_of(functools.partial(soon, scenario, functools.partial(pool.apply, abs, (-3,)), f"{call} on a ThreadPool(1) {which}"))
        if got != 3:
            mismatch(f"{stop} of a ThreadPool(1), then {call} on another ThreadPool(1) {which}", gave(got), "3")


@checks("construction.pickling-rejected")
def test_pickling_a_pool_is_not_implemented(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    with pytest.raises(NotImplementedError):
        pickle.dumps(pool)


def collect(scenario: Scenario, prepare: Callable[[Any], object], prepared: str) -> List[str]:
    """The ResourceWarnings given when a new pool, after ``prepare(pool)`` (``prepared`` says what it is then), is dropped and collected.

    The pool is not made through scenario, which keeps a reference to every pool it makes. A
    warning may hold the pool as its ``source``, so the warnings are kept as text only. A pool that
    is still alive after that fails the test, and the kit stops it after the scenario.
    """
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        gc.collect()  # earlier garbage, and its warnings, are not this test's
    pool = scenario.impl.new_pool()
    prepare(pool)
    alive = scenario.weak_reference(pool)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del pool
        gc.collect()
    # Earlier garbage was collected above: a ResourceWarning now comes from collecting this pool
    # (its own, or that of a pool it wraps, which names the inner pool as its source).
    found = [str(warning.message) for warning in caught if issubclass(warning.category, ResourceWarning)]
    del caught[:]
    gc.collect()
    survivor = alive()
    if survivor is not None:
        scenario.adopt(survivor)
        mismatch(f"gc.collect() once nothing referenced {prepared}", f"left it alive: {survivor!r}", "it to be collected")
    return found


@checks("construction.collected-running-pool-warns")
def test_a_collected_running_pool_warns(scenario: Scenario) -> None:
    if not collect(scenario, lambda pool: None, "a running pool"):
        mismatch("gc.collect() once nothing referenced a running pool", "gave no ResourceWarning", "a ResourceWarning")


@checks("construction.collected-running-pool-warns")
@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_a_collected_stopped_pool_does_not_warn(scenario: Scenario, stop: str) -> None:
    found = collect(scenario, lambda pool: getattr(pool, stop)(), f"a pool after {stop}()")
    if found:
        mismatch(f"gc.collect() once nothing referenced a pool after {stop}()", f"gave the ResourceWarnings {found!r}", "no ResourceWarning")

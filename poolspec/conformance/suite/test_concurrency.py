"""Clauses of the concurrency family: several submitting threads, jobs in parallel, interrupted waiters, results that outlive their pool."""

from __future__ import annotations

import functools
import gc
import threading
import time
from typing import Any, Callable, Dict, List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poolspec.conformance import checks
from poolspec.conformance.gates import Gate
from poolspec.conformance.interruption import Waiter, interrupt, why_not_interruptible
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.unobserved import unobserved
from poolspec.conformance.verdict import gave, mismatch
from poolspec.conformance.watchdog import RUNNER_PREFIX

Item = Tuple[int, int, int]
"""(submitting thread, job of that thread, position in the job): every item of a scenario is distinct."""


def doubled(item: Item) -> Item:
    thread, job, k = item
    return (thread, job, 2 * k)


def negated(item: Item) -> Item:
    thread, job, k = item
    return (thread, job, -k)


def squared(item: Item) -> Item:
    thread, job, k = item
    return (thread, job, k * k)


FUNCS: Dict[str, Callable[[Item], Item]] = {"doubled": doubled, "negated": negated, "squared": squared}

Run = Callable[[Any, Callable[[Item], Item], List[Item], int, List[Any]], Any]

RUNS: Dict[str, Run] = {
    "apply": lambda pool, func, items, chunksize, calls: [pool.apply(func, (item,)) for item in items],
    "apply_async": lambda pool, func, items, chunksize, calls: [result.get() for result in [pool.apply_async(func, (item,)) for item in items]],
    "apply_async with a callback": lambda pool, func, items, chunksize, calls: [
        result.get() for result in [pool.apply_async(func, (item,), callback=calls.append) for item in items]
    ],
    "map": lambda pool, func, items, chunksize, calls: pool.map(func, items, chunksize),
    "map_async": lambda pool, func, items, chunksize, calls: pool.map_async(func, items, chunksize).get(),
    "map_async with a callback": lambda pool, func, items, chunksize, calls: pool.map_async(func, items, chunksize, callback=calls.append).get(),
    "starmap": lambda pool, func, items, chunksize, calls: pool.starmap(func, [(item,) for item in items], chunksize),
    "starmap_async": lambda pool, func, items, chunksize, calls: pool.starmap_async(func, [(item,) for item in items], chunksize).get(),
    "imap": lambda pool, func, items, chunksize, calls: list(pool.imap(func, items, chunksize)),
    "imap_unordered": lambda pool, func, items, chunksize, calls: sorted(pool.imap_unordered(func, items, chunksize)),
}
"""Each submission form, run to its list of results (imap_unordered's sorted); callbacks append to ``calls``."""


def expected_calls(form: str, values: List[Item]) -> List[Any]:
    """What the callbacks of a job of ``form`` are called with, in all (in any order for apply_async)."""
    if form == "apply_async with a callback":
        return sorted(values)
    return [values] if form == "map_async with a callback" else []


Job = Tuple[str, str, int, int]
"""(form, function, number of items, chunksize)."""

jobs = st.tuples(st.sampled_from(sorted(RUNS)), st.sampled_from(sorted(FUNCS)), st.integers(1, 6), st.integers(1, 3))


@checks("concurrency.threaded-submission")
@given(workloads=st.lists(st.lists(jobs, min_size=1, max_size=3), min_size=2, max_size=4), processes=st.integers(1, 3))
def test_jobs_submitted_from_several_threads_get_their_own_results(scenario: Scenario, workloads: List[List[Job]], processes: int) -> None:
    pool = scenario.pool(processes)
    start = threading.Barrier(len(workloads), timeout=scenario.limits.patience)
    outcomes: Dict[Tuple[int, int], Any] = {}
    calls: Dict[Tuple[int, int], List[Any]] = {(i, job): [] for i, workload in enumerate(workloads) for job in range(len(workload))}

    def submitter(thread: int) -> None:
        start.wait()
        for job, (form, func, n, chunksize) in enumerate(workloads[thread]):
            items = [(thread, job, k) for k in range(1, n + 1)]
            try:
                outcomes[thread, job] = RUNS[form](pool, FUNCS[func], items, chunksize, calls[thread, job])
            except BaseException as exc:  # noqa: BLE001 - reported below, with the job
                outcomes[thread, job] = exc

    threads = [threading.Thread(target=submitter, args=(i,), name=f"{RUNNER_PREFIX}submitter {i}") for i in range(len(workloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(scenario.limits.patience)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    call = f"the jobs (form, function, items, chunksize) {workloads}, one list per thread, submitted from {len(workloads)} threads at once to a pool of {processes}"
    if stuck:
        mismatch(call, f"{', '.join(stuck)} had not finished their jobs within {scenario.limits.patience:g} s", "every job to finish")
    pool.close()
    scenario.bounded(pool.join, "join() after close()")  # every callback has run
    wrong = []
    for submitter_number, workload in enumerate(workloads):
        for job, (form, func, n, chunksize) in enumerate(workload):
            items = [(submitter_number, job, k) for k in range(1, n + 1)]
            expected = [FUNCS[func](item) for item in items]
            if form == "imap_unordered":
                expected.sort()
            got = outcomes.get((submitter_number, job), "nothing")
            if got != expected:
                shown = gave(got) if (submitter_number, job) in outcomes else "had no outcome"
                wrong.append(f"thread {submitter_number}, job {job}: {form}({func}, {items}, chunksize={chunksize}) {shown}; expected {expected!r}")
            called = sorted(calls[submitter_number, job]) if form == "apply_async with a callback" else calls[submitter_number, job]
            if called != expected_calls(form, expected):
                wrong.append(f"thread {submitter_number}, job {job}: the callbacks of {form}({func}, {items}) got {called!r}; expected {expected_calls(form, expected)!r}")
    if wrong:
        mismatch(call, f"{len(wrong)} job(s) got wrong results", "each job its own results", details="\n".join(wrong))


def meet(parties: int, within: float, started: threading.Semaphore) -> Callable[..., str]:
    """A task that releases ``started``, then returns "met" once ``parties`` such tasks are running at the same time.

    After ``within`` s without them all, it returns a complaint instead.
    """
    barrier = threading.Barrier(parties, timeout=within)

    def task(*args: Any) -> str:
        started.release()
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return f"not all {parties} tasks were running at the same time within {within:g} s"
        return "met"

    return task


class InThread:
    """``call()`` made on a thread of its own, started at once: a blocking submission that does not block the test."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._outcome: List[Any] = []
        self._thread = threading.Thread(target=self._run, args=(call,), name=f"{RUNNER_PREFIX}submitter")
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self._outcome.append(call())
        except Exception as exc:  # noqa: BLE001 - shown as the value
            self._outcome.append(f"raised {exc!r}")

    def value(self) -> Any:
        self._thread.join()
        return self._outcome[0]

    def ended(self) -> bool:
        return not self._thread.is_alive()


def how_it_ended(handle: Any) -> str:
    """For a submission made on a thread of its own that has ended (by raising, whereupon its task
    never starts): what it gave, to add to a failure; else nothing."""
    return f" (its submission had ended: {handle.value()})" if isinstance(handle, InThread) and handle.ended() else ""


PROCESSES = 3

SEPARATE: Dict[str, Tuple[Callable[[Any, Callable[..., str]], Any], Callable[[Any], Any]]] = {
    "apply_async": (lambda pool, task: pool.apply_async(task), lambda result: result.get()),
    "map_async": (lambda pool, task: pool.map_async(task, [0]), lambda result: result.get()[0]),
    "starmap_async": (lambda pool, task: pool.starmap_async(task, [()]), lambda result: result.get()[0]),
    "imap": (lambda pool, task: pool.imap(task, [0]), next),
    "imap_unordered": (lambda pool, task: pool.imap_unordered(task, [0]), next),
    "apply from several threads": (lambda pool, task: InThread(lambda: pool.apply(task)), InThread.value),
    "map from several threads": (lambda pool, task: InThread(lambda: pool.map(task, [0])[0]), InThread.value),
}
"""Each way to submit a job of one task: how to submit it, and how to collect the task's value."""


@checks("concurrency.parallel-jobs")
@pytest.mark.parametrize("form", list(SEPARATE))
def test_tasks_of_separate_jobs_run_at_the_same_time(scenario: Scenario, form: str) -> None:
    # Each job is submitted once the task of the one before has started, and each task waits until
    # all of them are running: they can only finish if the pool runs them at once. (Submitting
    # while the earlier tasks already run also catches a pool that adds a worker only when one
    # takes a task while another is queued.)
    pool = scenario.pool(PROCESSES)
    submit, collect = SEPARATE[form]
    within = scenario.limits.patience
    started = threading.Semaphore(0)
    task = meet(PROCESSES, within, started)

    def run_jobs() -> List[Any]:
        submitted = []
        for number in range(1, PROCESSES + 1):
            submitted.append(submit(pool, task))
            if not started.acquire(timeout=within):
                return [f"the task of job {number} did not start within {within:g} s while {number - 1} task(s) of earlier jobs ran{how_it_ended(submitted[-1])}"]
        return [collect(handle) for handle in submitted]

    values = scenario.bounded(run_jobs, f"{PROCESSES} separate {form} jobs")
    if values != ["met"] * PROCESSES:
        mismatch(
            f"{PROCESSES} separate {form} jobs of one task each on a pool of {PROCESSES}, each submitted once the task before had started, "
            f"each task waiting until all {PROCESSES} run",
            "; ".join(str(value) for value in values),
            f"all {PROCESSES} tasks running at the same time",
        )


ROUNDS = 10
"""Rounds of an interrupted-waiter scenario per form: which waiter a pool wakes first is its own
business, and a pool that wakes only one, or passes one lock from waiter to waiter, keeps the
other waiting only when it woke the interrupted one first."""

Wait = Callable[[Any, Callable[..., Any]], Callable[[], Any]]

RESULT_WAITS: Dict[str, Wait] = {
    "get()": lambda pool, task: pool.apply_async(task).get,
    "wait()": lambda pool, task: pool.apply_async(task).wait,
    "get(timeout)": lambda pool, task: functools.partial(pool.apply_async(task).get, 60),
    "get() of map_async": lambda pool, task: pool.map_async(task, [0]).get,
}
CONSUMER_WAITS: Dict[str, Wait] = {
    "next() of imap": lambda pool, task: pool.imap(task, [0]).__next__,
    "next(timeout) of imap_unordered": lambda pool, task: functools.partial(pool.imap_unordered(task, [0]).next, 60),
}
"""Each way to wait: given a pool and a task, the call (the pool's own method) that two threads make
on one and the same result or iterator. The timeouts are far beyond the scenario's bound: they
change how the pool waits, not when it stops. An iterator has one item, so a pool that wakes one
consumer per result wakes no other."""


def interrupt_a_waiter(scenario: Scenario, wait: Wait, form: str) -> None:
    """ROUNDS times: two threads wait in ``form`` on one job of a new gated task; once both are
    inside the pool's call, an exception is scheduled in the first, then the task is let go. The
    exception is raised in the first as it wakes (at the latest); the second must return."""
    cannot = why_not_interruptible()
    if cannot is not None:
        unobserved(cannot)
    pool = scenario.pool(2)
    within = scenario.limits.patience
    for round_number in range(1, ROUNDS + 1):
        gate = scenario.gate()
        call = wait(pool, gate.task)
        over = threading.Event()
        first, second = (Waiter(call, f"{which} waiter in {form}", over, within) for which in ("first", "second"))
        deadline = time.monotonic() + within
        while not (first.is_inside() and second.is_inside()):
            ended = [f"the {which} {waiter.ended[0]}" for which, waiter in (("first", first), ("second", second)) if waiter.has_ended.is_set()]
            if ended:  # a wait for a job whose task cannot finish yet
                gate.open()
                over.set()
                mismatch(
                    f"{form} of one job of a pool of 2, called from two threads while its task was held (round {round_number})",
                    f"{' and '.join(ended)} before the task was let go",
                    "both to wait for the task",
                )
            if time.monotonic() >= deadline:
                gate.open()
                over.set()
                unobserved(f"the two threads calling {form} were not both waiting inside the pool within {within:g} s")
        if not interrupt(first.thread):
            unobserved(f"the exception could not be raised in the first thread waiting in {form}")
        gate.open()
        returned = second.has_ended.wait(within)
        over.set()
        if not returned:
            mismatch(
                f"{form} of one job of a pool of 2, called from two threads, an exception raised in the first as it woke, then the task let go (round {round_number})",
                f"the second was still waiting {within:g} s later (the first {first.ended[0] if first.ended else 'had not ended'})",
                "the second to return",
            )
        first.thread.join(within)
        second.thread.join(within)


@checks("concurrency.interrupted-waiter", needs=("any-thread",))
@pytest.mark.parametrize("form", list(RESULT_WAITS))
def test_an_interrupted_waiter_does_not_keep_the_other_waiting(scenario: Scenario, form: str) -> None:
    interrupt_a_waiter(scenario, RESULT_WAITS[form], form)


@checks("concurrency.interrupted-consumer", needs=("any-thread",))
@pytest.mark.parametrize("form", list(CONSUMER_WAITS))
def test_an_interrupted_consumer_does_not_keep_the_other_waiting(scenario: Scenario, form: str) -> None:
    interrupt_a_waiter(scenario, CONSUMER_WAITS[form], form)


def gated_value(gate: Gate, value: int) -> Callable[..., int]:
    def task(*args: Any) -> int:
        gate.wait()
        return value

    return task


OUTSTANDING: Dict[str, Tuple[Callable[[Any, Gate], Any], Callable[[Any], Any], Any]] = {
    "apply_async": (lambda pool, gate: pool.apply_async(gated_value(gate, 5)), lambda result: result.get(), 5),
    "map_async": (lambda pool, gate: pool.map_async(gated_value(gate, 5), range(3), 1), lambda result: result.get(), [5, 5, 5]),
    "imap": (lambda pool, gate: pool.imap(gated_value(gate, 5), range(3)), list, [5, 5, 5]),
    "imap_unordered": (lambda pool, gate: pool.imap_unordered(gated_value(gate, 5), range(3)), list, [5, 5, 5]),
}
"""Each form: how to submit a job that waits for the gate, how to collect it, and what it gives."""


@checks("concurrency.results-outlive-pool")
@pytest.mark.parametrize("form", list(OUTSTANDING))
def test_a_result_is_delivered_after_its_pool_was_dropped(scenario: Scenario, form: str) -> None:
    # Not scenario.pool(): the kit keeps the pools it makes, and this pool must be let go. It is
    # closed before it is dropped, so that collecting it warns of nothing.
    submit, collect, expected = OUTSTANDING[form]
    gate = scenario.gate()
    pool = scenario.impl.new_pool()
    dropped = scenario.weak_reference(pool)
    try:
        result = submit(pool, gate)
        pool.close()
        del pool
        gc.collect()
        gate.open()
        value = scenario.bounded(lambda: collect(result), f"collecting a {form} result whose pool was dropped")
        if value != expected:
            mismatch(f"collecting a {form} job of a task held until its pool had been closed and dropped", gave(value), repr(expected))
    finally:
        gate.open()
        survivor = dropped()
        if survivor is not None:
            scenario.adopt(survivor)

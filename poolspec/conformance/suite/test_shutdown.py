"""Clauses of the shutdown family."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest

from poolspec.conformance import checks
from poolspec.conformance.gates import Gate
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.unobserved import unobserved
from poolspec.conformance.verdict import gave, mismatch
from poolspec.conformance.watchdog import RUNNER_PREFIX
from poolspec.conformance.workloads import TIMED_OUT, Background, outcome_of, outcome_within

from .test_results_streaming import accepts_buffersize

SUBMISSIONS: Dict[str, Any] = {
    "apply": (1,),
    "apply_async": (1,),
    "map": [1],
    "map_async": [1],
    "starmap": [(1,)],
    "starmap_async": [(1,)],
    "imap": [1],
    "imap_unordered": [1],
}
"""Each way to submit work, by method: the arguments after ``abs`` of a call that submits one task."""


def assert_rejected(scenario: Scenario, pool: Any, method: str, after: str) -> None:
    """``method`` on ``pool`` raises ValueError at once (a pool that accepts it and blocks is a HANG)."""
    call = f"{method}(abs, {SUBMISSIONS[method]!r}) after {after}"
    outcome = scenario.bounded(lambda: outcome_of(lambda: getattr(pool, method)(abs, SUBMISSIONS[method])), f"{method}() after {after}", limit=scenario.limits.promptly)
    if not isinstance(outcome, ValueError):
        mismatch(call, gave(outcome), "to raise ValueError")


class Joiner:
    """``pool.join()`` on a thread of its own, so that the test can watch it return.

    ``called`` is set just before the thread calls ``join()``; ``seen`` is what ``snapshot()``
    gave as soon as ``join()`` had returned, and ``returned`` is set after that.
    """

    def __init__(self, pool: Any, snapshot: Callable[[], Any] = lambda: None) -> None:
        self.called = threading.Event()
        self.returned = threading.Event()
        self.error: Optional[BaseException] = None
        self.seen: Any = None
        self._thread = threading.Thread(target=self._join, args=(pool, snapshot), name=f"{RUNNER_PREFIX}join()", daemon=True)
        self._thread.start()

    def _join(self, pool: Any, snapshot: Callable[[], Any]) -> None:
        self.called.set()
        try:
            pool.join()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc
        self.seen = snapshot()
        self.returned.set()

    def ended(self) -> str:
        """How ``join()`` ended, once ``returned`` is set: "returned" or "raised <exception>"."""
        return "returned" if self.error is None else f"raised {self.error!r}"


def blocked_task(started: threading.Semaphore, gate: Gate) -> Callable[..., Any]:
    """A task that says it has started, then waits for ``gate``; it returns its argument."""

    def task(value: Any = None) -> Any:
        started.release()
        gate.wait()
        return value

    return task


def wait_started(scenario: Scenario, started: threading.Semaphore, count: int, call: str) -> None:
    """Each of the ``count`` tasks of ``call`` has started (each on a free worker) within the scenario's patience."""
    for done in range(count):
        if not started.acquire(timeout=scenario.limits.patience):
            mismatch(call, f"started {done} of its {count} tasks within {scenario.limits.patience:g} s", "each to start on a free worker")


def busy_pool(scenario: Scenario) -> Tuple[Any, Gate, List[Any]]:
    """A pool of 2 whose workers both run a task held at the returned gate, and those tasks' results."""
    pool = scenario.pool(2)
    gate = scenario.gate()
    started = threading.Semaphore(0)
    task = blocked_task(started, gate)
    running = [pool.apply_async(task, (x,)) for x in range(2)]
    wait_started(scenario, started, 2, "apply_async(task, (x,)) for x in range(2) on a pool of 2")
    return pool, gate, running


# -- close, terminate and join rejecting work -------------------------------------------------


@checks("shutdown.close-rejects-submit")
@pytest.mark.parametrize("stop", ["close", "terminate"])
@pytest.mark.parametrize("method", list(SUBMISSIONS))
def test_submitting_after_close_or_terminate_raises(scenario: Scenario, stop: str, method: str) -> None:
    pool = scenario.pool(1)
    getattr(pool, stop)()
    assert_rejected(scenario, pool, method, f"{stop}()")


@checks("shutdown.join-while-running-rejected")
def test_join_before_close_raises(scenario: Scenario) -> None:
    with pytest.raises(ValueError):
        scenario.pool(1).join()


@checks("shutdown.repr")
def test_repr_names_state_and_size(scenario: Scenario) -> None:
    pool = scenario.pool(2)
    pattern = r"<[\w.]+ state={} pool_size=2>"
    for state, stop in (("RUN", ""), ("CLOSE", "close"), ("TERMINATE", "terminate")):
        if stop:
            getattr(pool, stop)()
        shown = repr(pool)
        if not re.fullmatch(pattern.format(state), shown):
            mismatch(f"repr() of a pool of 2{f' after {stop}()' if stop else ''}", gave(shown), f"'<module.Class state={state} pool_size=2>'")


# -- join ---------------------------------------------------------------------------------------


@checks("shutdown.join-ends-threads")
@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_join_ends_every_thread_of_the_pool(scenario: Scenario, stop: str) -> None:
    pool = scenario.pool(3)
    values = pool.map(abs, range(-5, 5), 1)
    if values != [abs(x) for x in range(-5, 5)]:
        mismatch("map(abs, range(-5, 5), 1)", gave(values), repr([abs(x) for x in range(-5, 5)]))
    getattr(pool, stop)()
    scenario.bounded(pool.join, f"join() after {stop}()")
    scenario.check_no_thread_left()


@checks("shutdown.join-ends-threads", needs=("any-thread",))
def test_join_after_terminate_waits_for_a_running_task(scenario: Scenario) -> None:
    pool = scenario.pool(2)
    gate = scenario.gate()
    started = threading.Semaphore(0)
    pool.apply_async(blocked_task(started, gate))
    wait_started(scenario, started, 1, "apply_async(task) on a pool of 2")
    scenario.bounded(pool.terminate, "terminate() while a task runs")
    joiner = Joiner(pool)
    call = "join() after terminate() of a pool of 2 running apply_async(task), its task held"
    if joiner.returned.wait(scenario.limits.glimpse):
        mismatch(call, f"{joiner.ended()} while the task still ran", "to wait for the task to end")
    gate.open()
    if not joiner.returned.wait(scenario.limits.patience):
        mismatch(f"{call}, then let go", f"did not return within {scenario.limits.patience:g} s of the task's end", "to return")
    if joiner.error is not None:
        mismatch(f"{call}, then let go", joiner.ended(), "to return")
    scenario.check_no_thread_left()


@checks("shutdown.close-join-waits-for-all", needs=("any-thread",))
def test_close_join_waits_for_every_task_and_callback(scenario: Scenario) -> None:
    pool = scenario.pool(2)
    tasks_go = scenario.gate()
    callbacks_go = scenario.gate()
    ran: List[int] = []
    called: List[Any] = []
    read: List[int] = []

    def task(x: int) -> int:
        tasks_go.wait()
        ran.append(x)
        return -x

    def callback(value: Any) -> None:
        callbacks_go.wait()
        called.append(value)

    def source() -> Iterator[int]:
        for x in range(20, 40):
            read.append(x)
            yield x

    # More tasks than workers: most are still queued at close().
    applied = [pool.apply_async(task, (x,), callback=callback) for x in range(4)]
    mapped = pool.map_async(task, range(10, 14), 1, callback=callback)
    imapped = pool.imap(task, source())
    pool.close()
    jobs = (
        "apply_async(task, (x,), callback=callback) for x in range(4), map_async(task, range(10, 14), 1, callback=callback) "
        "and imap(task, (x for x in range(20, 40))) on a pool of 2"
    )
    call = f"join() after close(), {jobs}"
    joiner = Joiner(pool, lambda: (len(ran), len(called), len(read), [result.ready() for result in [*applied, mapped]]))
    if joiner.returned.wait(scenario.limits.glimpse):
        mismatch(call, f"{joiner.ended()} while every task was still held back", "to wait for every task and callback")
    tasks_go.open()
    if joiner.returned.wait(scenario.limits.glimpse):
        mismatch(call, f"{joiner.ended()} while the callbacks were still held back (the tasks let go)", "to wait for every callback")
    callbacks_go.open()
    if not joiner.returned.wait(scenario.limits.patience):
        mismatch(call, f"did not return within {scenario.limits.patience:g} s of every task and callback being let go", "to return")
    if joiner.error is not None:
        mismatch(call, joiner.ended(), "to return")
    tasks, callbacks, items, ready = joiner.seen
    if items != 20:
        mismatch(call, f"returned when {items} of the 20 items of the imap() input had been read", "all 20 read")
    if tasks != 4 + 4 + 20:
        mismatch(call, f"returned when {tasks} of the {4 + 4 + 20} tasks had run", f"all {4 + 4 + 20} to have run")
    if callbacks != 5:
        mismatch(call, f"returned when {callbacks} of the 5 callbacks had run", "all 5 to have run")
    if not all(ready):
        unready = [i for i, r in enumerate(ready) if not r]
        mismatch(call, f"returned when these results were not ready: {unready} (of the 4 apply_async, then map_async)", "every result ready")
    applied_values = [result.get(0) for result in applied]
    if applied_values != [0, -1, -2, -3]:
        mismatch("get(0) of each apply_async(task, (x,), callback=callback) for x in range(4), after close() and join()", gave(applied_values), "[0, -1, -2, -3]")
    mapped_values = mapped.get(0)
    if mapped_values != [-10, -11, -12, -13]:
        mismatch("get(0) of map_async(task, range(10, 14), 1, callback=callback), after close() and join()", gave(mapped_values), "[-10, -11, -12, -13]")
    imapped_values = scenario.bounded(lambda: list(imapped), "iterating imap() after join()")
    if imapped_values != [-x for x in range(20, 40)]:
        mismatch("iterating imap(task, (x for x in range(20, 40))), after close() and join()", gave(imapped_values), repr([-x for x in range(20, 40)]))


@checks("shutdown.join-waits-for-slow-input", needs=("any-thread",))
@pytest.mark.parametrize("chunksize", [1, 2])
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_close_join_waits_for_an_imap_input_still_being_read(scenario: Scenario, method: str, chunksize: int) -> None:
    # The input produces 3 items at once and holds back 3 more until the scenario opens a gate,
    # which it does only after join() has been called (and given the time to return that a join()
    # that does not wait would take). Whenever join() returns, the snapshot records how much of the
    # input had been read by then: a join() that returned before the input's end is caught
    # whatever the timing, and so is one that lost the held-back items. A pool that reads the
    # input in the call to imap() (which imap.returns-at-once rejects) gets it all at once: no
    # input is still being read when it joins.
    pool = scenario.pool(2)
    held_back = scenario.gate()
    caller = threading.current_thread()
    read: List[int] = []
    ran: List[int] = []

    def task(x: int) -> int:
        ran.append(x)
        return -x

    def source() -> Iterator[int]:
        for x in range(6):
            if x == 3 and threading.current_thread() is not caller:
                held_back.wait()
            read.append(x)
            yield x

    results = getattr(pool, method)(task, source(), chunksize)
    pool.close()
    call = f"{method}(task, <a generator of 0 .. 5 that holds back 3 .. 5 until join() is called>, {chunksize}) on a pool of 2"
    joiner = Joiner(pool, lambda: (len(read), len(ran)))
    if not joiner.called.wait(scenario.limits.patience):
        unobserved(f"the kit's thread that calls join() did not start within {scenario.limits.patience:g} s")
    joiner.returned.wait(scenario.limits.glimpse)  # not an assertion: a join() that returns here is caught by the snapshot
    held_back.open()
    if not joiner.returned.wait(scenario.limits.patience):
        mismatch(f"join() after close(), {call}", f"did not return within {scenario.limits.patience:g} s of the input being let go", "to return once the input had ended")
    if joiner.error is not None:
        mismatch(f"join() after close(), {call}", joiner.ended(), "to return")
    items, tasks = joiner.seen
    if items != 6:
        mismatch(f"join() after close(), {call}", f"returned when {items} of the 6 items of the input had been read", "to return once all 6 had been read")
    if tasks != 6:
        mismatch(f"join() after close(), {call}", f"returned when {tasks} of the 6 tasks had run", "all 6 to have run")
    values = scenario.bounded(lambda: list(results), f"iterating {method}() after join()")
    expected = [-x for x in range(6)]
    if method == "imap_unordered":
        values, expected = sorted(values), sorted(expected)
    if values != expected:
        mismatch(f"iterating {call}, after close() and join(){' (sorted)' if method == 'imap_unordered' else ''}", gave(values), repr(expected))


@checks("shutdown.idempotent")
@pytest.mark.parametrize(
    "calls",
    [
        "close close join join",
        "terminate terminate join join",
        "terminate close join",
        "close terminate join",
        "close join close terminate join",
    ],
    ids=lambda calls: calls.replace(" ", "-"),
)
def test_close_terminate_and_join_may_be_repeated(scenario: Scenario, calls: str) -> None:
    pool = scenario.pool(2)
    result = pool.apply_async(abs, (-3,))
    result.wait(scenario.limits.patience)
    done: List[str] = []
    for call in calls.split():
        try:
            scenario.bounded(getattr(pool, call), f"{call}()")
        except Exception as exc:  # noqa: BLE001 - reported with the calls before it
            mismatch(f"{call}() after {', '.join(done) or 'nothing'}", gave(exc), "to do nothing")
        done.append(f"{call}()")
    value = result.get(0)
    if value != 3:
        mismatch(f"get(0) of apply_async(abs, (-3,)), after {', '.join(done)}", gave(value), "3")


# -- terminate ----------------------------------------------------------------------------------


@checks("shutdown.terminate-does-not-wait")
def test_terminate_returns_while_a_task_runs(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    gate = scenario.gate()
    started = threading.Semaphore(0)
    pool.apply_async(blocked_task(started, gate))
    wait_started(scenario, started, 1, "apply_async(task) on a pool of 1")
    scenario.bounded(pool.terminate, "terminate() while a task is blocked")


@checks("shutdown.terminate-discards-queued")
def test_terminate_discards_queued_tasks(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    gate = scenario.gate()
    started = threading.Semaphore(0)
    pool.apply_async(blocked_task(started, gate))
    wait_started(scenario, started, 1, "apply_async(task) on a pool of 1")
    ran: List[int] = []
    for x in range(3):
        pool.apply_async(ran.append, (x,))
    pool.map_async(ran.append, range(10, 13), 1)
    scenario.bounded(pool.terminate, "terminate()")
    gate.open()
    scenario.bounded(pool.join, "join() after terminate()")
    if ran:
        mismatch(
            "terminate(), then join(), of a pool of 1 running a held task, apply_async(ran.append, (x,)) for x in range(3) "
            "and map_async(ran.append, range(10, 13), 1) queued behind it",
            f"ran queued tasks, with arguments {ran}",
            "none of the queued tasks to run",
        )


@checks("shutdown.terminate-abandons-results")
def test_terminate_abandons_every_result_not_completed(scenario: Scenario) -> None:
    pool, gate, running = busy_pool(scenario)
    results = {
        "running apply_async()": running[0],
        "queued apply_async()": pool.apply_async(abs, (-1,)),
        "queued map_async()": pool.map_async(abs, [-1, -2], 1),
    }
    imapped = pool.imap(abs, [-1, -2])
    scenario.bounded(pool.terminate, "terminate()")
    gate.open()
    scenario.bounded(pool.join, "join() after terminate()")
    completed = {}
    for what, result in results.items():
        result.wait(scenario.limits.glimpse / len(results))
        if result.ready() and result.successful():
            completed[what] = result.get(0)
    if completed:
        mismatch(
            "terminate(), then join(), of a pool of 2 running two held apply_async(task, (x,)), apply_async(abs, (-1,)) and "
            "map_async(abs, [-1, -2], 1) queued: the results not completed at terminate()",
            f"completed successfully: {completed}",
            "none to complete successfully",
        )
    call = f"next({scenario.limits.glimpse:g}) of imap(abs, [-1, -2]), queued at terminate() of a pool of 2 running two held tasks, after join()"
    try:
        value = imapped.next(scenario.limits.glimpse)
    except StopIteration:
        mismatch(call, "raised StopIteration (the end of the input)", "to raise another exception or to time out")
    except Exception:  # noqa: BLE001 - blocking (a timeout) and failing are both allowed
        return
    mismatch(call, gave(value), "to raise an exception or to time out")


@checks("shutdown.terminate-fails-results")
def test_terminate_fails_every_result_not_completed(scenario: Scenario) -> None:
    # Two tasks hold both workers; everything else is queued behind them. After terminate() the
    # gate opens, so a pool may fail the running tasks' results when they return. Every wait
    # shares one deadline (half the hang limit), with the pool's own timeouts: a pool whose
    # results block (the stdlib's) fails once, and no thread of the kit stays blocked.
    pool, gate, running = busy_pool(scenario)
    waiting = {
        "get() of a running apply_async()": running[0],
        "get() of a queued apply_async()": pool.apply_async(abs, (-1,)),
        "get() of a queued map_async()": pool.map_async(abs, [-1, -2], 1),
        "next() of an imap() over a list": pool.imap(abs, [-1, -2]),
        "next() of an imap_unordered() over a generator": pool.imap_unordered(abs, (x for x in [-1, -2])),
    }
    if accepts_buffersize(pool.imap):
        waiting["next() of an imap() with buffersize=1 over a generator"] = pool.imap(abs, (x for x in [-1, -2, -3]), 1, buffersize=1)
    scenario.bounded(pool.terminate, "terminate()")
    gate.open()
    deadline = time.monotonic() + scenario.limits.patience
    wrong = {}
    for what, result in waiting.items():
        outcome = outcome_within(result, max(0.0, deadline - time.monotonic()), scenario.impl.timeout_error)
        if outcome is TIMED_OUT:
            wrong[what] = "blocked"
        elif isinstance(outcome, StopIteration):
            wrong[what] = "reported the end of the input (StopIteration)"
        elif not isinstance(outcome, Exception):
            wrong[what] = gave(outcome)
    if wrong:
        mismatch(
            f"after terminate() of a pool of 2 running two held tasks (then let go), waiting {scenario.limits.patience:g} s in all for what had not completed",
            "; ".join(f"{what} {how}" for what, how in wrong.items()),
            "each to raise",
        )


@checks("shutdown.terminate-ends-join", needs=("any-thread",))
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_terminate_ends_a_join_that_waits_for_a_blocked_input(scenario: Scenario, method: str) -> None:
    # The input yields one item, then blocks at a gate that opens only after the scenario has
    # seen terminate() and join() return or not, so a pool that waits for the input is seen
    # waiting and still ends: nothing stays blocked after the scenario.
    pool = scenario.pool(2)
    held_back = scenario.gate()
    caller = threading.current_thread()

    def source() -> Iterator[int]:
        yield 1
        if threading.current_thread() is not caller:
            held_back.wait()
        yield 2

    getattr(pool, method)(abs, source())
    pool.close()
    joiner = Joiner(pool)
    if not joiner.called.wait(scenario.limits.patience):
        unobserved(f"the kit's thread that calls join() did not start within {scenario.limits.patience:g} s")
    joiner.returned.wait(scenario.limits.glimpse)  # join() must wait here, for the input (shutdown.join-waits-for-slow-input)
    terminating = Background(pool.terminate, "terminate() while join() waits for a blocked input")
    terminated = terminating.done(scenario.limits.patience)
    joined = terminated and joiner.returned.wait(scenario.limits.patience)
    held_back.open()
    pool_text = f"a pool of 2 given {method}(abs, <a generator that yields 1, then blocks>), then close()"
    if not terminated:
        mismatch(f"terminate() while join() waits, on {pool_text}", f"did not return within {scenario.limits.patience:g} s", "to return")
    if not joined:
        mismatch(f"join() on {pool_text}, then terminate()", f"did not return within {scenario.limits.patience:g} s of terminate() returning", "to return")


@checks("shutdown.terminate-from-task")
@pytest.mark.parametrize("where", ["task", "callback"])
def test_terminate_from_a_task_or_callback_returns(scenario: Scenario, where: str) -> None:
    pool = scenario.pool(2)
    outcome: List[Any] = []
    done = threading.Event()

    def stop(*_: Any) -> None:
        outcome.append(outcome_of(lambda: pool.terminate()))
        done.set()

    if where == "task":
        pool.apply_async(stop)
    else:
        pool.apply_async(abs, (-1,), callback=stop)
    call = "terminate() from the task of apply_async(stop)" if where == "task" else "terminate() from the callback of apply_async(abs, (-1,), callback=stop)"
    if not done.wait(scenario.limits.patience):
        mismatch(call, f"did not return within {scenario.limits.patience:g} s", "to return")
    if outcome != [None]:
        mismatch(call, gave(outcome[0]), "to return None")
    assert_rejected(scenario, pool, "apply_async", f"terminate() from a {where}")


EXITING = textwrap.dedent(
    """
    import sys, time
    deadline = time.monotonic() + float(sys.argv[2])
    import importlib, itertools, threading
    module, _, attribute = sys.argv[1].partition(":")
    factory = importlib.import_module(module)
    for part in (attribute or "ThreadPool").split("."):
        factory = getattr(factory, part)
    pool = factory(2)
    """
)
"""The start of the helper process's main module: it builds ``pool``, a pool of 2 of ``sys.argv[1]``, and
has until ``deadline``, ``sys.argv[2]`` seconds after its start, to set up what a :class:`Busy` adds."""
SET_UP = "set up"
"""What the helper process prints once its pool is busy; then its main module ends."""


class Busy(NamedTuple):
    """What the helper process's pool is doing when the process's main module ends."""

    method: str
    """The pool method it uses: where the pool lacks it, the test is MISSING, not a failed set-up."""
    code: str
    """The rest of the main module, after :data:`EXITING`: it makes ``pool`` busy, then prints :data:`SET_UP`."""
    call: str
    """What the helper process does, as a verdict names it."""
    setting_up: str
    """What it must get to before its end, as a verdict that it could not names it."""


def _reading_endless_input(form: str) -> Busy:
    """The pool's ``form`` (imap or imap_unordered) over an endless input, of which the main module takes two values."""
    return Busy(
        form,
        f"""
        values = pool.{form}(abs, itertools.count())
        next(values), next(values)
        if time.monotonic() > deadline:
            sys.exit(f"SETUP: {form}() had not given two values {{sys.argv[2]}} s after the process started")
        print({SET_UP!r}, flush=True)
        """,
        f"a process whose main module ends with ThreadPool(2) still reading the input of {form}(abs, itertools.count()), of which it took two values",
        f"take two values of {form}(abs, itertools.count())",
    )


BUSY = {
    "tasks-running": Busy(
        "apply_async",
        f"""
        started = threading.Semaphore(0)
        def task():
            started.release()
            threading.Event().wait()
        for _ in range(3):
            pool.apply_async(task)
        if not all(started.acquire(timeout=max(0.0, deadline - time.monotonic())) for _ in range(2)):
            sys.exit(f"SETUP: the pool's two workers had not both started a task {{sys.argv[2]}} s after the process started")
        print({SET_UP!r}, flush=True)
        """,
        "a process whose main module ends with ThreadPool(2), two tasks that never end running on its workers and a third queued",
        "get two tasks running on its pool",
    ),
    **{f"{form}-reading-endless-input": _reading_endless_input(form) for form in ("imap", "imap_unordered")},
}
"""Each way the helper process leaves its pool busy: tasks blocked on its workers, or an imap() reading an endless input."""


@checks("shutdown.exit-abandons-running-tasks")
@pytest.mark.parametrize("busy", list(BUSY))
def test_a_process_exits_with_its_pool_still_busy(scenario: Scenario, busy: str) -> None:
    """In a helper process: the pool is left busy (:data:`BUSY`), the main module ends; the process must exit.

    The helper has most of the scenario's bound (the hang limit), leaving room to report: half
    of that, from its start, to set the situation up, and the rest to exit. Where it could not set it up (an
    import or the pool failed, the tasks never started), the behaviour at exit was not observed.
    An imap() over ``itertools.count()`` goes on reading while the process lives, so a process
    that does not exit grows until it is stopped (by about 100 MB a second on the reference, its
    input read on a thread that is not a daemon).
    """
    situation = BUSY[busy]
    getattr(scenario.pool(1), situation.method)  # here, a missing method is MISSING, not a failed set-up
    path = os.pathsep.join(entry or os.getcwd() for entry in sys.path)
    limit = scenario.limits.helper_process
    finished: Optional[subprocess.CompletedProcess[str]] = None
    try:
        finished = subprocess.run(
            [sys.executable, "-c", EXITING + textwrap.dedent(situation.code), scenario.impl.spec, f"{limit / 2:g}"],
            env={**os.environ, "PYTHONPATH": path},
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
    if finished is None:  # stopped at its time-out; judged outside the handler, so the verdict is not chained to TimeoutExpired
        if SET_UP not in output:
            unobserved(f"the helper process could not {situation.setting_up} within {limit:g} s of its start (it was stopped)")
        mismatch(
            situation.call,
            f"had not exited when it was stopped, {limit:g} s after it started and at least {limit / 2:g} s after its main module ended",
            "the process to exit",
        )
    if SET_UP not in finished.stdout:
        unobserved(f"the helper process could not {situation.setting_up}: {finished.stderr.strip()[-600:]}")
    if finished.returncode != 0:
        mismatch(situation.call, f"exited with status {finished.returncode}", "status 0", details=finished.stderr.strip())


# -- the context manager ------------------------------------------------------------------------


@checks("shutdown.enter-returns-pool")
def test_with_binds_the_pool_itself(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    with pool as entered:
        if entered is not pool and hasattr(entered, "terminate"):
            scenario.bounded(entered.terminate, "terminate() of what __enter__() returned")
            scenario.bounded(entered.join, "join() of what __enter__() returned")
        if entered is not pool:
            mismatch("__enter__() of a pool of 1 (with pool as entered:)", gave(entered), f"the pool itself, {pool!r}")


@checks("shutdown.enter-not-running-rejected")
@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_entering_a_stopped_pool_raises(scenario: Scenario, stop: str) -> None:
    pool = scenario.pool(1)
    getattr(pool, stop)()
    with pytest.raises(ValueError):
        with pool:
            pass


@checks("shutdown.with-exit-terminates")
def test_leaving_the_with_block_terminates(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    gate = scenario.gate()
    started = threading.Semaphore(0)
    ran: List[int] = []
    with pool:
        pool.apply_async(blocked_task(started, gate))
        wait_started(scenario, started, 1, "apply_async(task) on a pool of 1")
        pool.apply_async(ran.append, (1,))
    assert_rejected(scenario, pool, "apply_async", "the with block")
    gate.open()
    scenario.bounded(pool.join, "join() after the with block")
    if ran:
        mismatch(
            "with pool: (a pool of 1) running a held apply_async(task), then apply_async(ran.append, (1,)) queued, leaving the block; join()",
            "ran the queued task",
            "it not to run",
        )

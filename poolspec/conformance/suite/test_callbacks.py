"""Clauses of the callbacks family: callback and error_callback of apply_async, map_async and starmap_async.

Callbacks run in the process that submitted the job, whatever the pool, so they may share objects
with the test; only the tasks must be module-level functions unless the clause needs threads. The
tests wait for the callbacks with ``close(); join()`` where the clause is not about when they run.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Type

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poolspec.conformance import checks
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.tasks import TaskError, fail, negate
from poolspec.conformance.verdict import gave, mismatch, returned
from poolspec.conformance.watchdog import RUNNER_PREFIX
from poolspec.conformance.workloads import soon


class CallbackError(Exception):
    """Raised by the failing callbacks of a scenario."""


TASK_FOR: Dict[str, Callable[..., Any]] = {"callback": negate, "error_callback": fail}
"""The task whose outcome each kind of callback receives: a value, or a TaskError."""


def negated(i: int, n: int) -> int:
    """Item i of n gives -i (module level, so that a process pool can run it too)."""
    return -i


def negated_pair(pair: Tuple[int, int]) -> int:
    return negated(*pair)


def submit(pool: Any, form: str, func: Callable[..., Any], items: List[Any], chunksize: Optional[int], **callbacks: Any) -> Any:
    """``form`` of ``func`` over ``items`` (apply_async takes the first item only)."""
    if form == "apply_async":
        return pool.apply_async(func, (items[0],), **callbacks)
    if form == "map_async":
        return pool.map_async(func, items, chunksize, **callbacks)
    return pool.starmap_async(func, [(x,) for x in items], chunksize, **callbacks)


def submitted(form: str, func: str, items: List[Any], chunksize: Optional[int], kinds: Sequence[str]) -> str:
    """The call :func:`submit` makes, for the failures' messages: ``map_async(negate, [1, 2], 1, callback=…)``."""
    if form == "apply_async":
        arguments = f"({items[0]!r},)"
    elif form == "map_async":
        arguments = f"{items!r}, {chunksize}"
    else:
        arguments = f"{[(x,) for x in items]!r}, {chunksize}"
    return f"{form}({func}, {arguments}{''.join(f', {kind}=…' for kind in kinds)})"


def called_with(kind: str, calls: List[Any]) -> str:
    """What the pool did with its callback ``kind``, for :func:`mismatch`'s ``observed``: ``called the callback 2 times: [-1, -1]``."""
    if not calls:
        return f"never called the {kind}"
    if len(calls) == 1:
        return f"called the {kind} once, with {calls[0]!r}"
    return f"called the {kind} {len(calls)} times: {calls!r}"


FORMS = ["apply_async", "map_async", "starmap_async"]

KINDS = ["callback", "error_callback"]


def raise_from_callback(error: CallbackError, reached: threading.Event, received: Optional[List[Any]] = None) -> Callable[[Any], None]:
    """A callback that raises ``error``, once it has set ``reached`` (and appended its argument to ``received``).

    It raises it while handling another exception, so ``error`` arrives with a ``__context__``
    chain of its own, as an error raised in an ``except`` block does: a pool that chains anything
    onto it must walk that chain.
    """

    def callback(value: Any) -> None:
        if received is not None:
            received.append(value)
        reached.set()
        try:
            raise LookupError("an error the callback handled")
        except LookupError:
            raise error  # noqa: B904 - chained implicitly: the handled error becomes its __context__

    return callback


def raise_while_handling(error: CallbackError, received: List[Any]) -> Callable[[BaseException], None]:
    """An error_callback that raises ``error`` while it handles the task's exception (appended to
    ``received``), so that ``error.__context__`` already is the task's exception."""

    def error_callback(exc: BaseException) -> None:
        received.append(exc)
        try:
            raise exc
        except BaseException:  # noqa: BLE001 - re-raised as ``error``, with the task's exception as its __context__
            raise error  # noqa: B904 - chained implicitly, as the docstring says

    return error_callback


def join(scenario: Scenario, pool: Any) -> None:
    """close() and join() the pool: every callback of it has run once join() has returned."""
    pool.close()
    scenario.bounded(pool.join, "join() after close()")


@checks("callbacks.called-once-with-value")
@given(form=st.sampled_from(FORMS), items=st.lists(st.integers(-50, 50), min_size=1, max_size=12), chunksize=st.none() | st.integers(1, 4))
def test_callback_is_called_once_with_the_value(scenario: Scenario, form: str, items: List[int], chunksize: Optional[int]) -> None:
    pool = scenario.pool(3)
    calls: List[Any] = []
    errors: List[BaseException] = []
    result = submit(pool, form, negate, items, chunksize, callback=calls.append, error_callback=errors.append)
    value = scenario.bounded(result.get, f"get() of {form}")
    join(scenario, pool)
    expected = -items[0] if form == "apply_async" else [-x for x in items]
    call = f"{submitted(form, 'negate', items, chunksize, KINDS)}, then close(); join()"
    if errors != []:
        mismatch(call, called_with("error_callback", errors), "no call of the error_callback, every task returning")
    if len(calls) != 1:
        mismatch(call, called_with("callback", calls), f"one call, with {expected!r}")
    if calls[0] != expected:
        mismatch(call, f"{called_with('callback', calls)} (get() returned {value!r})", f"one call, with {expected!r}")
    if form != "apply_async" and type(calls[0]) is not list:
        mismatch(call, f"called the callback with a {type(calls[0]).__name__}: {calls[0]!r}", "a list")


@checks("callbacks.called-once-with-value")
@pytest.mark.parametrize("form", ["map_async", "starmap_async"])
def test_map_callback_gets_the_values_in_input_order(scenario: Scenario, form: str) -> None:
    n = 4
    pool = scenario.pool(n)
    calls: List[Any] = []
    items = [(i, n) for i in range(n)]
    if form == "map_async":
        result = pool.map_async(negated_pair, items, 1, callback=calls.append)
    else:
        result = pool.starmap_async(negated, items, 1, callback=calls.append)
    value = scenario.bounded(result.get, f"get() of {form}")
    join(scenario, pool)
    expected = [-i for i in range(n)]
    call = f"{form}({'negated_pair' if form == 'map_async' else 'negated'}, {items!r}, 1, callback=…)"
    if value != expected:
        mismatch(f"get() of {call}", returned(value), repr(expected))
    # Whatever order the tasks finish in: the next test holds them to each order, where tasks share the test's objects.
    if calls != [expected]:
        mismatch(f"{call}, then close(); join()", called_with("callback", calls), f"one call, with {expected!r}")


@checks("callbacks.called-once-with-value", needs=("threads",))
@given(form=st.sampled_from(["map_async", "starmap_async"]), order=st.integers(2, 6).flatmap(lambda n: st.permutations(range(n))))
def test_map_callback_gets_the_values_in_input_order_whatever_order_tasks_finish_in(scenario: Scenario, form: str, order: List[int]) -> None:
    finishing = scenario.sequencer(order)

    def task(i: int) -> int:
        with finishing.turn(i):
            return -i

    pool = scenario.pool(len(order))  # a worker per task, so that every task can wait for its turn
    calls: List[Any] = []
    result = submit(pool, form, task, list(range(len(order))), 1, callback=calls.append)
    value = scenario.bounded(result.get, f"get() of {form}")
    join(scenario, pool)
    expected = [-i for i in range(len(order))]
    call = f"{submitted(form, 'task', list(range(len(order))), 1, ['callback'])}, its tasks finishing in the order {order}"
    if value != expected:
        mismatch(f"get() of {call}", returned(value), repr(expected))
    if calls != [expected]:
        mismatch(f"{call}, then close(); join()", called_with("callback", calls), f"one call, with {expected!r}")


@st.composite
def failing_maps(draw: st.DrawFn) -> Tuple[str, int, List[int], int]:
    """A form, how many items, which of them fail (at least one), and a chunksize."""
    form = draw(st.sampled_from(FORMS))
    n = 1 if form == "apply_async" else draw(st.integers(1, 10))
    failing = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    return form, n, sorted(failing), draw(st.integers(1, 3))


def fail_listed(failing: Tuple[int, ...], i: int) -> int:
    """Raise TaskError(i) if ``i`` is listed in ``failing``, else return it (a module-level task: any pool can run it)."""
    if i in failing:
        raise TaskError(i)
    return i


@checks("callbacks.error-callback-once")
@given(case=failing_maps())
def test_error_callback_is_called_once_with_the_exception_get_raises(scenario: Scenario, case: Tuple[str, int, List[int], int]) -> None:
    form, n, failing, chunksize = case
    pool = scenario.pool(3)
    calls: List[Any] = []
    error_calls: List[BaseException] = []
    task = functools.partial(fail_listed, tuple(failing))
    result = submit(pool, form, task, list(range(n)), chunksize, callback=calls.append, error_callback=error_calls.append)
    call = f"{submitted(form, 'task', list(range(n)), chunksize, KINDS)}, the task raising TaskError(i) for the items i in {failing}"
    try:
        value = scenario.bounded(result.get, f"get() of {form}")
    except TaskError as exc:
        raised = exc
    else:
        mismatch(f"get() of {call}", returned(value), "to raise the TaskError of a failing item")
    join(scenario, pool)
    if raised.args[0] not in failing:
        mismatch(f"get() of {call}", gave(raised), f"to raise the TaskError of one of the items {failing}")
    call += ", then close(); join()"
    if calls != []:
        mismatch(call, called_with("callback", calls), "no call of the callback")
    if len(error_calls) != 1:
        mismatch(call, called_with("error_callback", error_calls), f"one call, with the exception get() raised, {raised!r}")
    if error_calls[0] is not raised:
        mismatch(call, f"called the error_callback with {error_calls[0]!r}, another object than the {raised!r} get() raised", "one call, with the very exception get() raised")


Job = Tuple[str, int, str, str]
"""A job of a scenario: its form, how many items, whether its tasks return or raise, which callbacks it has."""


def describe(job: Job) -> str:
    form, size, outcome, kinds = job
    return f"{form} of {size} item{'s' if size > 1 else ''} whose tasks would {outcome}, with {'callback and error_callback' if kinds == 'both' else kinds}"


@checks("callbacks.none-for-discarded-tasks")
@given(
    jobs=st.lists(
        st.tuples(st.sampled_from(FORMS), st.integers(1, 3), st.sampled_from(["return", "raise"]), st.sampled_from(["callback", "error_callback", "both"])),
        min_size=1,
        max_size=4,
    ),
    stop=st.sampled_from(["terminate()", "the end of a with block"]),
)
def test_no_callback_is_called_for_a_job_terminate_discarded(scenario: Scenario, jobs: List[Job], stop: str) -> None:
    # The only worker is held at a gate while the jobs queue behind it; terminate() discards them,
    # then the gate opens and join() waits for the pool's threads, the one that calls back
    # included. A job counts as discarded only if none of its tasks started.
    pool = scenario.pool(1)
    gate = scenario.gate()
    holding = threading.Event()
    started: Set[int] = set()
    calls: List[Tuple[int, str, Any]] = []

    def hold() -> None:
        holding.set()
        gate.wait()

    def task(job: int, outcome: str, x: int) -> int:
        started.add(job)
        if outcome == "raise":
            raise TaskError(x)
        return -x

    def record(job: int, kind: str) -> Callable[[Any], None]:
        return lambda value: calls.append((job, kind, value))

    def submit_jobs() -> None:
        pool.apply_async(hold)
        if not holding.wait(scenario.limits.patience):
            mismatch("apply_async(hold) on a ThreadPool(1)", f"did not start the task within {scenario.limits.patience:g} s", "it to start")
        for job, (form, size, outcome, kinds) in enumerate(jobs):
            callbacks = {kind: record(job, kind) for kind in ("callback", "error_callback") if kinds in (kind, "both")}
            submit(pool, form, functools.partial(task, job, outcome), list(range(size)), 1, **callbacks)

    if stop == "terminate()":
        submit_jobs()
        scenario.bounded(pool.terminate, "terminate()")
    else:
        with pool:
            submit_jobs()
    gate.open()
    scenario.bounded(pool.join, f"join() after {stop}")
    wrong = [f"the {kind} of job {job} with {value!r}" for job, kind, value in calls if job not in started]
    if wrong:
        queued = "; ".join(f"job {job}: {describe(each)}" for job, each in enumerate(jobs))
        mismatch(
            f"{stop} of a ThreadPool(1) whose only worker was held, with these jobs queued behind it ({queued}), then join()",
            f"called {', '.join(wrong)}, though none of that job's tasks had started",
            "no callback of a job none of whose tasks started",
        )


@checks("callbacks.done-before-ready", needs=("any-thread",))
@pytest.mark.parametrize("outcome", ["returns", "raises"])
@pytest.mark.parametrize("observer", ["ready", "get", "wait"])
@pytest.mark.parametrize("form", ["apply_async", "map_async"])
def test_the_callback_has_returned_before_the_result_is_ready(scenario: Scenario, form: str, observer: str, outcome: str) -> None:
    pool = scenario.pool(2)
    gate = scenario.gate()
    called = threading.Event()
    returned: List[bool] = []

    def callback(value: Any) -> None:
        called.set()
        gate.wait()
        returned.append(True)

    kind = "callback" if outcome == "returns" else "error_callback"
    result = submit(pool, form, TASK_FOR[kind], [1, 2], 1, **{kind: callback})
    call = submitted(form, TASK_FOR[kind].__name__, [1, 2], 1, [kind])
    if not called.wait(scenario.limits.patience):
        mismatch(call, f"did not call the {kind} within {scenario.limits.patience:g} s", "it to be called")
    if observer == "ready":
        # The callback waits for the gate: the result must not be ready yet.
        result.wait(scenario.limits.glimpse)
        if result.ready():
            mismatch(f"ready() of {call}, while its {kind} was held back", "returned True", "False")
        gate.open()
        return
    seen: List[List[bool]] = []

    def observe() -> None:
        try:
            result.wait() if observer == "wait" else result.get()
        except BaseException:  # noqa: BLE001, S110 - the task's error, or anything: when it comes is what counts
            pass
        seen.append(list(returned))

    waiter = threading.Thread(target=observe, name=f"{RUNNER_PREFIX}{observer}() of the result")
    waiter.start()
    waiter.join(scenario.limits.glimpse)  # time for a wrong pool to let the waiter go
    gate.open()
    waiter.join(scenario.limits.patience)
    if waiter.is_alive():
        mismatch(f"{observer}() of {call}, its {kind} let go", f"did not return within {scenario.limits.patience:g} s", "to return once the callback had returned")
    if not (seen and seen[0]):
        mismatch(f"{observer}() of {call}, while its {kind} was held back", "returned", "to return only once the callback had returned")


@checks("callbacks.serialised")
def test_callbacks_never_run_at_the_same_time(scenario: Scenario) -> None:
    # The tasks finish at once; every callback waits a moment for another one to start. None may.
    pool = scenario.pool(4)
    lock = threading.Lock()
    running = [0]
    overlaps: List[int] = []
    other_started = threading.Event()

    def callback(value: Any) -> None:
        with lock:
            running[0] += 1
            if running[0] > 1:
                overlaps.append(running[0])
                other_started.set()
        other_started.wait(scenario.limits.glimpse / 2)
        with lock:
            running[0] -= 1

    pool.apply_async(negate, (1,), callback=callback)
    pool.apply_async(fail, (2,), error_callback=callback)
    pool.map_async(negate, [3, 4], 1, callback=callback)
    pool.starmap_async(fail, [(5,), (6,)], 1, error_callback=callback)
    join(scenario, pool)
    if overlaps:
        mismatch(
            "apply_async(negate, (1,), callback=…), apply_async(fail, (2,), error_callback=…), map_async(negate, [3, 4], 1, callback=…), "
            "starmap_async(fail, [(5,), (6,)], 1, error_callback=…), then close(); join()",
            f"ran {max(overlaps)} of the callbacks at the same time",
            "one callback at a time",
        )


@checks("callbacks.not-on-submitting-thread")
@pytest.mark.parametrize("waits_with", ["get", "wait", "join"])
@pytest.mark.parametrize("form", FORMS)
def test_callbacks_do_not_run_on_the_submitting_thread(scenario: Scenario, form: str, waits_with: str) -> None:
    pool = scenario.pool(2)
    threads: Dict[str, int] = {}

    def record(kind: str) -> Callable[[Any], None]:
        return lambda value: threads.__setitem__(kind, threading.get_ident())

    ok = submit(pool, form, negate, [1, 2], 1, callback=record("callback"))
    failed = submit(pool, form, fail, [1, 2], 1, error_callback=record("error_callback"))
    if waits_with == "get":
        soon(scenario, ok.get, f"get() of {form}")
        with pytest.raises(TaskError):
            soon(scenario, failed.get, f"get() of a failing {form}")
    elif waits_with == "wait":
        soon(scenario, ok.wait, f"wait() of {form}")
        soon(scenario, failed.wait, f"wait() of a failing {form}")
    join(scenario, pool)
    call = f"{submitted(form, 'negate', [1, 2], 1, ['callback'])} and {submitted(form, 'fail', [1, 2], 1, ['error_callback'])}, waited for with {waits_with}()"
    if sorted(threads) != ["callback", "error_callback"]:
        mismatch(call, f"called only {' and '.join(sorted(threads)) or 'neither'}", "both the callback and the error_callback")
    here = threading.get_ident()
    on_caller = [kind for kind, ident in threads.items() if ident == here]
    if on_caller:
        mismatch(call, f"ran the {' and '.join(on_caller)} on the thread that submitted the jobs", "them on another thread")


@checks("callbacks.empty-map-no-callback")
@pytest.mark.parametrize("form", ["map_async", "starmap_async"])
def test_an_empty_map_calls_no_callback(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    calls: List[Tuple[str, Any]] = []
    method = getattr(pool, form)
    result = method(negate, [], callback=lambda value: calls.append(("callback", value)), error_callback=lambda exc: calls.append(("error_callback", exc)))
    call = f"{form}(negate, [], callback=…, error_callback=…)"
    value = scenario.bounded(result.get, f"get() of {form} of an empty input")
    if value != []:
        mismatch(f"get() of {call}", returned(value), "[]")
    join(scenario, pool)
    if calls != []:
        mismatch(f"{call}, then close(); join()", f"called {', '.join(f'the {kind} with {argument!r}' for kind, argument in calls)}", "no callback")


def outcomes_by(deadline: float, results: Dict[str, Any], check: Callable[[str, Any], str], timeout_error: Type[BaseException]) -> Dict[str, str]:
    """What went wrong with each result: ``check(name, value)`` or a description ("" if nothing).

    Every result is waited for until one shared deadline, so that a pool whose results never
    complete fails once, in scenario.limits.promptly seconds, not once per result.
    """
    wrong = {}
    for name, result in results.items():
        try:
            value = result.get(max(0.0, deadline - time.monotonic()))
        except timeout_error:
            wrong[name] = "did not complete in time"
            continue
        except BaseException as exc:  # noqa: BLE001 - the outcome is what the test looks at
            value = exc
        problem = check(name, value)
        if problem:
            wrong[name] = problem
    return wrong


@checks("callbacks.raising-callback-fails-result")
def test_get_raises_the_exception_of_a_raising_callback(scenario: Scenario) -> None:
    # A job of each form and kind of callback, each with a callback that raises its own error.
    # An error_callback's error must keep the task's exception at the end of its __context__ chain.
    pool = scenario.pool(3)
    errors = {f"{form} with a raising {kind}": CallbackError(form, kind) for form in FORMS for kind in KINDS}
    received: Dict[str, List[Any]] = {name: [] for name in errors}
    results = {
        f"{form} with a raising {kind}": submit(
            pool,
            form,
            TASK_FOR[kind],
            [1, 2],
            1,
            **{kind: raise_from_callback(errors[f"{form} with a raising {kind}"], threading.Event(), received[f"{form} with a raising {kind}"])},
        )
        for form in FORMS
        for kind in KINDS
    }
    for form in FORMS:  # the task's exception already in the chain: nothing to add, and no cycle to make
        name = f"{form} with an error_callback raising while it handles the task's exception"
        errors[name], received[name] = CallbackError(form, "error_callback"), []
        results[name] = submit(pool, form, fail, [1, 2], 1, error_callback=raise_while_handling(errors[name], received[name]))

    def check(name: str, outcome: Any) -> str:
        if outcome is not errors[name]:
            return f"get() {gave(outcome)}"
        if "error_callback" in name:
            chain = context_chain(outcome)
            if not received[name] or chain[-1] is not received[name][0] or chain[-1].__context__ is not None:
                ending = "" if chain[-1].__context__ is None else f" and then loops back to {chain[-1].__context__!r}"
                return f"the __context__ chain of the error_callback's exception is {chain!r}{ending}, which does not end with the task's exception {received[name]!r}"
        return ""

    wrong = outcomes_by(time.monotonic() + scenario.limits.promptly, results, check, scenario.impl.timeout_error)
    if wrong:
        mismatch(
            f"get() of each of {len(results)} jobs whose callback or error_callback raises its own CallbackError",
            f"did otherwise for {len(wrong)} of them",
            f"each to raise its CallbackError within {scenario.limits.promptly:g} s, an error_callback's with the task's exception at the end of its __context__ chain",
            "\n".join(f"{name}: {problem}" for name, problem in wrong.items()),
        )


def context_chain(error: BaseException) -> List[BaseException]:
    """``error`` and the exceptions of its ``__context__`` chain, in order, each once."""
    chain = [error]
    while chain[-1].__context__ is not None and not any(chain[-1].__context__ is seen for seen in chain):
        chain.append(chain[-1].__context__)
    return chain


@checks("callbacks.raising-callback-keeps-pool")
def test_results_after_a_raising_callback_still_complete(scenario: Scenario) -> None:
    # One pool: a callback raises; then a job whose error_callback raises; then more jobs. (One
    # pool, because the stdlib's terminate() raises AssertionError once its results are wedged.)
    pool = scenario.pool(2)
    reached = {kind: threading.Event() for kind in KINDS}
    pool.apply_async(negate, (1,), callback=raise_from_callback(CallbackError("callback"), reached["callback"]))
    if not reached["callback"].wait(scenario.limits.patience):
        mismatch("apply_async(negate, (1,), callback=…)", f"did not call the callback within {scenario.limits.patience:g} s", "it to be called")
    pool.apply_async(fail, (2,), error_callback=raise_from_callback(CallbackError("error_callback"), reached["error_callback"]))
    if not reached["error_callback"].wait(scenario.limits.promptly):
        mismatch(
            "apply_async(fail, (2,), error_callback=…), after the callback of an earlier job raised",
            f"did not call the error_callback within {scenario.limits.promptly:g} s",
            "it to be called",
        )
    later_calls: List[Any] = []
    later = {
        "apply_async": pool.apply_async(negate, (3,)),
        "apply_async with a callback": pool.apply_async(negate, (4,), callback=later_calls.append),
        "map_async": pool.map_async(negate, [5, 6], 1),
    }
    expected = {"apply_async": -3, "apply_async with a callback": -4, "map_async": [-5, -6]}

    def check(name: str, outcome: Any) -> str:
        return "" if outcome == expected[name] else f"get() {gave(outcome)}, not {expected[name]!r}"

    wrong = outcomes_by(time.monotonic() + scenario.limits.promptly, later, check, scenario.impl.timeout_error)
    after = "after a callback and an error_callback had raised"
    if wrong:
        mismatch(
            f"get() of each of {len(later)} jobs submitted {after}",
            f"did otherwise for {len(wrong)} of them",
            f"each to return its value within {scenario.limits.promptly:g} s",
            "\n".join(f"{name}: {problem}" for name, problem in wrong.items()),
        )
    join(scenario, pool)
    if later_calls != [-4]:
        mismatch(f"apply_async(negate, (4,), callback=…), {after}, then close(); join()", called_with("callback", later_calls), "one call, with -4")

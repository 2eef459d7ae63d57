"""Clauses of the errors family: how a task's or an input's exception reaches the caller."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poolspec.conformance import checks
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.tasks import TaskError, triple
from poolspec.conformance.verdict import Outcome, gave, listed, mismatch
from poolspec.conformance.workloads import Background, raised_by, soon


class TaskAbort(BaseException):
    """A BaseException that is not an Exception, as a task may raise (like KeyboardInterrupt)."""


class InputError(Exception):
    """What the instrumented inputs raise part-way."""


def fail_on_negative(x: int) -> int:
    """``3 * x``; a negative item raises ``TaskError("item", x)``."""
    if x < 0:
        raise TaskError("item", x)
    return triple(x)


def abort(x: int) -> int:
    raise TaskAbort("abort", x)


Raiser = Callable[[], Any]


def raise_points(pool: Any, form: str, func: Callable[[int], int]) -> List[Tuple[str, Raiser]]:
    """Each place where ``form`` must raise the exception of the item -2: (what, call)."""
    if form == "apply":
        return [("apply(f, (-2,))", lambda: pool.apply(func, (-2,)))]
    if form in ("map", "starmap"):
        items: List[Any] = [(1,), (-2,), (3,)] if form == "starmap" else [1, -2, 3]
        method = getattr(pool, form)  # here, not in the call: a missing method is MISSING, not a wrong exception
        return [(f"{form}(f, {items!r})", lambda: method(func, items))]
    if form in ("imap", "imap_unordered"):
        iterator = getattr(pool, form)(func, [-2])
        return [(f"next({form}(f, [-2]))", lambda: next(iterator))]
    if form == "apply_async":
        result, call = pool.apply_async(func, (-2,)), "apply_async(f, (-2,))"
    else:
        items = [(1,), (-2,), (3,)] if form == "starmap_async" else [1, -2, 3]
        result, call = getattr(pool, form)(func, items), f"{form}(f, {items!r})"
    return [(f"the first get() of {call}", result.get), (f"the second get() of {call}", result.get)]


FORMS = ["apply", "apply_async", "map", "map_async", "starmap", "starmap_async", "imap", "imap_unordered"]


@checks("errors.reraised-as-is")
@pytest.mark.parametrize("form", FORMS)
def test_a_tasks_exception_is_raised_with_its_type_and_args(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    for what, call in raise_points(pool, form, fail_on_negative):
        raised = raised_by(scenario, call, what, "the task's own TaskError('item', -2)")
        if type(raised) is not TaskError or raised.args != ("item", -2):
            mismatch(what, gave(raised), "to raise the task's own TaskError('item', -2)")


@checks("errors.reraised-same-object")
@pytest.mark.parametrize("form", FORMS)
def test_a_tasks_exception_is_raised_as_the_very_same_object(scenario: Scenario, form: str) -> None:
    error = TaskError("item", -2)

    def task(x: int) -> int:
        if x < 0:
            raise error
        return triple(x)

    pool = scenario.pool(2)
    for what, call in raise_points(pool, form, task):
        raised = raised_by(scenario, call, what, "the task's exception")
        if raised is not error:
            mismatch(what, f"{gave(raised)} (id {id(raised):#x})", f"to raise the object the task raised, {error!r} (id {id(error):#x})")


@st.composite
def several_failures(draw: st.DrawFn, processes: st.SearchStrategy[int] = st.integers(1, 3)) -> Tuple[str, List[int], Optional[int], int]:  # noqa: B008 - a strategy is immutable
    """(form, items, chunksize, processes): at least two items are negative, so they fail."""
    n = draw(st.integers(2, 12))
    failing = draw(st.sets(st.integers(0, n - 1), min_size=2))
    items = [-(x + 1) if x in failing else x for x in range(n)]
    form = draw(st.sampled_from(("map", "map_async", "starmap", "starmap_async")))
    return form, items, draw(st.none() | st.integers(1, 3)), draw(processes)


def failing_map(pool: Any, case: Tuple[str, List[int], Optional[int], int]) -> Tuple[str, Raiser]:
    """The call of a :func:`several_failures` scenario on ``pool`` (``get()`` for an async form), and how it reads."""
    form, items, chunksize, processes = case
    arguments: List[Any] = [(x,) for x in items] if form.startswith("starmap") else items
    args: Tuple[Any, ...] = (fail_on_negative, arguments) if chunksize is None else (fail_on_negative, arguments, chunksize)
    what = f"ThreadPool({processes}).{form}(fail_on_negative, {arguments!r}{'' if chunksize is None else f', {chunksize}'})"
    method = getattr(pool, form)  # here, not in the call: a missing method is MISSING, not a wrong exception

    def call() -> Any:
        result = method(*args)
        return result.get() if form.endswith("_async") else result

    return what, call


@checks("errors.map-raises-a-failure")
@given(case=several_failures())
def test_map_with_several_failures_raises_one_of_them_and_the_pool_goes_on(scenario: Scenario, case: Tuple[str, List[int], Optional[int], int]) -> None:
    pool = scenario.pool(case[3])
    what, call = failing_map(pool, case)
    failing = [x for x in case[1] if x < 0]
    raised = raised_by(scenario, call, what, f"the exception of one of the failing items {failing}")
    if not (type(raised) is TaskError and raised.args[0] == "item" and raised.args[1] in failing):
        mismatch(what, gave(raised), f"to raise TaskError('item', x) for one of the failing items {failing}")
    after = soon(scenario, lambda: pool.map(triple, range(5)), "map(triple, range(5)) after the failed map")
    if after != [0, 3, 6, 9, 12]:
        mismatch(f"map(triple, range(5)) after {what} raised", f"returned {after!r}", "[0, 3, 6, 9, 12]")


@checks("errors.map-raises-first-failure")
@given(case=several_failures(processes=st.just(1)))
def test_map_on_one_worker_raises_the_first_failure(scenario: Scenario, case: Tuple[str, List[int], Optional[int], int]) -> None:
    what, call = failing_map(scenario.pool(case[3]), case)
    first = next(x for x in case[1] if x < 0)
    raised = raised_by(scenario, call, what, f"the exception of the first failing item, {first}")
    if type(raised) is not TaskError or raised.args != ("item", first):
        mismatch(what, gave(raised), f"to raise TaskError('item', {first}), the first failing item's: one worker runs the items in input order")


@st.composite
def failing_imaps(draw: st.DrawFn) -> Tuple[str, List[int], int]:
    """(form, items, processes): some items negative (they fail), chunksize 1."""
    n = draw(st.integers(1, 10))
    failing = draw(st.sets(st.integers(0, n - 1), min_size=1))
    items = [-(x + 1) if x in failing else x for x in range(n)]
    return draw(st.sampled_from(("imap", "imap_unordered"))), items, draw(st.integers(1, 3))


def pull_all(scenario: Scenario, iterator: Iterator[Any], limit: int, what: str) -> List[Outcome]:
    """Every outcome of ``iterator`` up to StopIteration: ("value", v) or ("raised", exception); a mismatch past ``limit`` outcomes."""
    outcomes: List[Outcome] = []
    while len(outcomes) <= limit:
        try:
            outcomes.append(("value", soon(scenario, lambda: next(iterator), f"next() #{len(outcomes) + 1} of {what}")))
        except StopIteration:
            return outcomes
        except Exception as exc:  # noqa: BLE001 - an outcome like any other
            outcomes.append(("raised", exc))
    mismatch(what, f"yielded {listed(outcomes)} and had not ended", f"at most {limit} outcomes, then the end")


@checks("errors.imap-continues-after-failure")
@given(case=failing_imaps())
def test_imap_raises_each_failure_and_goes_on(scenario: Scenario, case: Tuple[str, List[int], int]) -> None:
    form, items, processes = case
    what = f"ThreadPool({processes}).{form}(fail_on_negative, {items!r})"
    iterator = soon(scenario, lambda: getattr(scenario.pool(processes), form)(fail_on_negative, items), what)
    seen = pull_all(scenario, iterator, len(items), what)
    described = [(kind, value if kind == "value" else (type(value).__name__, value.args)) for kind, value in seen]
    expected = [("raised", ("TaskError", ("item", x))) if x < 0 else ("value", triple(x)) for x in items]
    ordered = described if form == "imap" else sorted(described, key=repr)
    if ordered != (expected if form == "imap" else sorted(expected, key=repr)):
        each = listed([("raised", TaskError("item", x)) if x < 0 else ("value", triple(x)) for x in items])
        mismatch(what, f"yielded {listed(seen)}", f"{each}, in input order" if form == "imap" else f"{each}, each once, in any order")


def failing_input(m: int, error: InputError) -> Iterator[int]:
    """Yields 0 .. m-1, then raises ``error``."""
    yield from range(m)
    raise error


@checks("errors.input-error-map")
@pytest.mark.parametrize("m", [0, 3])
@pytest.mark.parametrize("form", ["map", "map_async", "starmap", "starmap_async"])
def test_map_forms_raise_the_inputs_exception(scenario: Scenario, form: str, m: int) -> None:
    pool = scenario.pool(2)
    error = InputError("input", m)
    star = form.startswith("starmap")
    source_text = f"{'one-tuples of ' if star else ''}an input that raises {error!r} after {m} items"
    what = f"{form}(fail_on_negative, {source_text}, 2){'.get()' if form.endswith('_async') else ''}"
    method = getattr(pool, form)  # here, not in the call: a missing method is MISSING, not a wrong exception

    def call() -> Any:
        source = failing_input(m, error)
        result = method(fail_on_negative, ((x,) for x in source) if star else source, 2)
        return result.get() if form.endswith("_async") else result

    raised = raised_by(scenario, call, what, f"the input's {error!r}")
    if raised is not error:
        mismatch(what, f"{gave(raised)} (id {id(raised):#x})", f"to raise the input's own exception object, {error!r} (id {id(error):#x})")


IMAP_INPUT_CASES = [("imap", 1, 0), ("imap", 1, 4), ("imap", 2, 1), ("imap", 3, 4), ("imap", 3, 6), ("imap_unordered", 1, 0), ("imap_unordered", 1, 4)]
"""(form, chunksize, items before the input raises)."""


@checks("errors.input-error-imap")
@pytest.mark.parametrize(("form", "chunksize", "m"), IMAP_INPUT_CASES)
def test_imap_yields_the_results_before_the_inputs_exception_then_raises_it(scenario: Scenario, form: str, chunksize: int, m: int) -> None:
    error = InputError("input", m)
    what = f"{form}(triple, an input that raises {error!r} after {m} items, {chunksize})"
    iterator = soon(scenario, lambda: getattr(scenario.pool(2), form)(triple, failing_input(m, error), chunksize), what)
    seen = pull_all(scenario, iterator, m + 1, what)
    errors = [value for kind, value in seen if kind == "raised"]
    values = [value for kind, value in seen if kind == "value"]
    # The same type and args, not necessarily the same object: a process pool hands it through a worker.
    if not (len(errors) == 1 and type(errors[0]) is InputError and errors[0].args == error.args):
        mismatch(what, f"yielded {listed(seen)}", f"to raise the input's {error!r} once")
    if form == "imap":
        complete = (m // chunksize) * chunksize
        if not (seen[-1][0] == "raised" and complete <= len(values) <= m and values == [triple(x) for x in range(len(values))]):
            mismatch(what, f"yielded {listed(seen)}", f"the results of at least items 0..{complete - 1} in order, then the input's exception raised, then the end")
    elif sorted(values) != [triple(x) for x in range(m)]:
        mismatch(what, f"yielded {listed(seen)}", f"every result of items 0..{m - 1} and the input's exception raised once")


@checks("errors.base-exception-fails-result", needs=("any-thread",))
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # where a worker dies of it
def test_a_base_exception_in_a_task_fails_its_result(scenario: Scenario) -> None:
    pool = scenario.pool(3)
    waits: Dict[str, Background[Any]] = {}
    result = pool.apply_async(abort, (1,))
    waits["apply_async(abort, (1,)).get()"] = Background(result.get, "get() of apply_async(abort, (1,))")
    mapped = pool.map_async(abort, [2])
    waits["map_async(abort, [2]).get()"] = Background(mapped.get, "get() of map_async(abort, [2])")
    iterator = pool.imap(abort, [3])
    waits["next(imap(abort, [3]))"] = Background(lambda: next(iterator), "next() of imap(abort, [3])")
    deadline = time.monotonic() + scenario.limits.promptly
    problems: Set[str] = set()
    for what, wait in waits.items():
        if not wait.done(max(0.0, deadline - time.monotonic())):
            problems.add(f"{what} did not return within {scenario.limits.promptly:g} s")
            continue
        try:
            value = wait.result(0)
        except TaskAbort:
            continue
        except BaseException as exc:  # noqa: BLE001 - reported below
            problems.add(f"{what} raised {exc!r}")
        else:
            problems.add(f"{what} returned {value!r}")
    if problems:
        mismatch(f"{', '.join(waits)}, their tasks raising TaskAbort (a BaseException)", "; ".join(sorted(problems)), "each to raise the task's TaskAbort")

"""Streaming and laziness: calls return at once, results come as they are ready, inputs are read as tasks run.

Inputs here are instrumented generators that record what was pulled, and tasks wait on gates the
scenario opens, so "before", "while" and "as soon as" are facts of the scenario, not timings. A
call that must return at once is given :attr:`~poolspec.conformance.limits.Limits.promptly`
seconds; a result that must be ready is waited for up to :attr:`~poolspec.conformance.limits.Limits.patience`.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, Iterator, List, Optional, Set, Tuple, Type

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poolspec.conformance import checks
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.tasks import triple
from poolspec.conformance.verdict import gave, mismatch
from poolspec.conformance.workloads import outcome_of, soon

IMAP_FORMS = ("imap", "imap_unordered")


END = object()
"""What ``next(iterator, END)`` returns where ``next(iterator)`` raises StopIteration."""


@checks("imap.iterator-protocol")
@pytest.mark.parametrize("items", [0, 3])
@pytest.mark.parametrize("form", IMAP_FORMS)
def test_imap_returns_an_iterator_that_stays_exhausted(scenario: Scenario, form: str, items: int) -> None:
    pool = scenario.pool(2)
    call = f"{form}(triple, range({items}))"
    iterator = scenario.bounded(lambda: getattr(pool, form)(triple, range(items)), call, limit=scenario.limits.promptly)
    again = iter(iterator)
    if again is not iterator:
        mismatch(f"iter() of the iterator of {call}", f"returned {again!r}", "that iterator itself")
    values = soon(scenario, lambda: list(iterator), f"iterating {call}")
    if sorted(values) != [triple(x) for x in range(items)]:
        mismatch(call, f"yielded {values!r}", f"{[triple(x) for x in range(items)]!r}, in any order")
    for later in ("first", "second"):
        what = f"the {later} next() of the iterator of {call} after it had raised StopIteration"
        after = scenario.bounded(lambda: next(iterator, END), what, limit=scenario.limits.promptly)
        if after is not END:
            mismatch(what, f"returned {after!r}", "to raise StopIteration")


# -- calls that return at once -------------------------------------------------------------


@checks("apply.async-returns-at-once")
def test_apply_async_returns_while_its_task_runs_and_while_workers_are_busy(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    gate = scenario.gate()
    started = threading.Event()

    def task(x: int) -> int:
        started.set()
        gate.wait()
        return triple(x)

    first = scenario.bounded(lambda: pool.apply_async(task, (1,)), "apply_async(task, (1,)) whose task waits for a gate", limit=scenario.limits.promptly)
    if not started.wait(scenario.limits.patience):
        mismatch("apply_async(task, (1,)) on a pool of 1 worker", f"did not start the task within {scenario.limits.patience:g} s", "the free worker to run it")
    second = scenario.bounded(lambda: pool.apply_async(task, (2,)), "apply_async(task, (2,)) while the only worker is busy", limit=scenario.limits.promptly)
    gate.open()
    for call, result, expected in (("apply_async(task, (1,))", first, 3), ("apply_async(task, (2,)), made while the only worker was busy", second, 6)):
        value = soon(scenario, result.get, f"get() of {call}")
        if value != expected:
            mismatch(f"get() of {call}, once its task was let go", f"returned {value!r}", repr(expected))


@checks("map.async-returns-at-once")
@pytest.mark.parametrize("form", ["map_async", "starmap_async"])
def test_map_async_returns_while_its_tasks_run(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(3)
    gate = scenario.gate()

    def task(x: int) -> int:
        gate.wait()
        return triple(x)

    items: List[Any] = [(x,) for x in range(3)] if form == "starmap_async" else list(range(3))
    result = scenario.bounded(lambda: getattr(pool, form)(task, items, 1), f"{form}(task, {items!r}, 1) whose tasks wait for a gate", limit=scenario.limits.promptly)
    gate.open()
    values = soon(scenario, result.get, f"get() of {form}() after the gate opened")
    if values != [0, 3, 6]:
        mismatch(f"{form}(task, {items!r}, 1).get(), once its tasks were let go", f"returned {values!r}", "[0, 3, 6]")


@checks("imap.returns-at-once")
@pytest.mark.parametrize("chunksize", [1, 2])
@pytest.mark.parametrize("form", IMAP_FORMS)
def test_imap_returns_before_reading_its_input_and_before_any_task_finishes(scenario: Scenario, form: str, chunksize: int) -> None:
    pool = scenario.pool(2)
    input_gate, task_gate = scenario.gate(), scenario.gate()
    pulled: List[int] = []

    def source() -> Iterator[int]:
        for x in range(3 * chunksize):
            if x == chunksize:
                input_gate.wait()  # the rest of the input comes only once the scenario opens the gate
            pulled.append(x)
            yield x

    def task(x: int) -> int:
        task_gate.wait()
        return triple(x)

    what = f"{form}(task, source(), {chunksize}) while source() waits after {chunksize} item(s) and every task waits"
    iterator = scenario.bounded(lambda: getattr(pool, form)(task, source(), chunksize), what, limit=scenario.limits.promptly)
    input_gate.open()
    task_gate.open()
    values = soon(scenario, lambda: list(iterator), f"iterating {form}() after the gates opened")
    expected = [triple(x) for x in range(3 * chunksize)]
    if sorted(values) != expected or (form == "imap" and values != expected):
        mismatch(f"{form}(task, source(), {chunksize}), once the gates opened", f"yielded {values!r}", repr(expected) if form == "imap" else f"{expected!r}, in any order")


# -- results as soon as they are ready -----------------------------------------------------


@st.composite
def one_blocked_item(draw: st.DrawFn) -> Tuple[int, int, int, int]:
    """(items, the blocked item, chunksize, processes)."""
    n = draw(st.integers(1, 8))
    return n, draw(st.integers(0, n - 1)), draw(st.integers(1, 3)), draw(st.integers(1, 3))


@checks("imap.yields-when-ready")
@given(case=one_blocked_item())
def test_imap_yields_each_result_once_it_and_those_before_it_are_ready(scenario: Scenario, case: Tuple[int, int, int, int]) -> None:
    n, blocked, chunksize, processes = case
    pool = scenario.pool(processes)
    gate = scenario.gate()

    def task(x: int) -> int:
        if x == blocked:
            gate.wait()
        return triple(x)

    iterator = soon(scenario, lambda: pool.imap(task, range(n), chunksize), "imap()")
    ready = (blocked // chunksize) * chunksize  # the chunks before the blocked item's chunk
    values: List[int] = []
    for i in range(ready):
        what = f"next() for result {i} of imap(task, range({n}), {chunksize}): results 0..{ready - 1} are ready, item {blocked} is blocked"
        values.append(soon(scenario, lambda: next(iterator), what))
    gate.open()
    values += soon(scenario, lambda: list(iterator), "the rest of imap() after the gate opened")
    expected = [triple(x) for x in range(n)]
    if values != expected:
        mismatch(f"imap(task, range({n}), {chunksize}), item {blocked} held back until {ready} result(s) had come", f"yielded {values!r}", repr(expected))


@st.composite
def some_blocked_items(draw: st.DrawFn) -> Tuple[int, Set[int], int]:
    """(items, the blocked items, processes): a worker for each blocked item and one or two more."""
    n = draw(st.integers(1, 8))
    blocked = draw(st.sets(st.integers(0, n - 1), max_size=2))
    return n, blocked, len(blocked) + draw(st.integers(1, 2))


@checks("imap-unordered.yields-when-ready")
@given(case=some_blocked_items())
def test_imap_unordered_yields_each_result_once_it_is_ready(scenario: Scenario, case: Tuple[int, Set[int], int]) -> None:
    n, blocked, processes = case
    pool = scenario.pool(processes)
    gate = scenario.gate()

    def task(x: int) -> int:
        if x in blocked:
            gate.wait()
        return triple(x)

    iterator = soon(scenario, lambda: pool.imap_unordered(task, range(n)), "imap_unordered()")
    ready = sorted(triple(x) for x in range(n) if x not in blocked)
    values: List[int] = []
    for _ in ready:
        what = f"next() of imap_unordered(task, range({n})) with items {sorted(blocked)} blocked: got {values} of the ready {ready}"
        values.append(soon(scenario, lambda: next(iterator), what))
    call = f"imap_unordered(task, range({n})), items {sorted(blocked)} blocked"
    if sorted(values) != ready:
        mismatch(call, f"yielded {values!r} while they were blocked", f"{ready!r}, in any order")
    gate.open()
    rest = soon(scenario, lambda: list(iterator), "the rest of imap_unordered() after the gate opened")
    expected = sorted(triple(x) for x in blocked)
    if sorted(rest) != expected:
        mismatch(call, f"yielded {rest!r} once they were let go", f"{expected!r}, in any order")


# -- reading the input while tasks run -----------------------------------------------------


class InputStarved(Exception):
    """The instrumented input waited in vain for a task to run before producing more items."""


@checks("imap.runs-tasks-while-reading")
@pytest.mark.parametrize("chunksize", [1, 3])
@pytest.mark.parametrize("form", IMAP_FORMS)
def test_imap_runs_the_first_chunk_while_the_input_is_still_produced(scenario: Scenario, form: str, chunksize: int) -> None:
    pool = scenario.pool(2)
    ran = threading.Event()
    starved: List[str] = []
    patience = scenario.limits.patience

    def task(x: int) -> int:
        ran.set()
        return triple(x)

    def source() -> Iterator[int]:
        for x in range(2 * chunksize + 1):
            if x == chunksize and not ran.wait(patience):
                starved.append(f"ran no task while the input, after {chunksize} item(s), waited {patience:g} s for one")
                raise InputStarved(starved[0])
            yield x

    values: Optional[List[int]] = None
    try:
        iterator = soon(scenario, lambda: getattr(pool, form)(task, source(), chunksize), f"{form}(task, source(), {chunksize})")
        values = soon(scenario, lambda: list(iterator), f"iterating {form}(task, source(), {chunksize})")
    except InputStarved:
        pass  # reported below
    call = f"{form}(task, source(), {chunksize})"
    if starved:
        mismatch(call, starved[0], "the first chunk to run while the input is still produced")
    expected = [triple(x) for x in range(2 * chunksize + 1)]
    if values is None or sorted(values) != expected:
        mismatch(call, f"yielded {values!r}", f"{expected!r}, in any order")


# -- buffersize ----------------------------------------------------------------------------


def accepts_buffersize(method: Any) -> bool:
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return True  # no signature to read: let the call say
    return "buffersize" in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


@checks("imap.buffersize-bounds-read-ahead")
@pytest.mark.parametrize(("processes", "buffersize"), [(1, 2), (3, 1)])
@pytest.mark.parametrize("form", IMAP_FORMS)
def test_buffersize_bounds_how_far_the_input_is_read_ahead(scenario: Scenario, form: str, processes: int, buffersize: int) -> None:
    pool = scenario.pool(processes)
    method = getattr(pool, form)
    if not accepts_buffersize(method):
        pytest.skip(f"{form}() takes no buffersize here (it is new in Python 3.16)")
    bound = buffersize  # the number of workers adds nothing (CPython 3.16)
    n = bound + 6
    gate = scenario.gate()
    lock = threading.Lock()
    counts = {"pulled": 0, "yielded": 0}
    over: List[str] = []
    over_read = threading.Event()
    slack = 0  # while nothing is yielded; 1 once the consumer iterates (next() frees room before it returns)

    def source() -> Iterator[int]:
        for x in range(n):
            with lock:
                counts["pulled"] += 1
                if counts["pulled"] > counts["yielded"] + bound + slack:
                    over.append(f"read item {x} when {counts['yielded']} result(s) had been yielded")
                    over_read.set()
            yield x

    def task(x: int) -> int:
        gate.wait()
        return triple(x)

    try:
        iterator = soon(scenario, lambda: method(task, source(), 1, buffersize=buffersize), f"{form}(task, source(), 1, buffersize={buffersize})")
    except TypeError as exc:  # a method taking **kwds that it hands to one without buffersize
        if "buffersize" not in str(exc):
            raise
        pytest.skip(f"{form}() takes no buffersize here: {exc}")
    over_read.wait(scenario.limits.glimpse)  # only a pool that reads too far sets it
    call = f"ThreadPool({processes}).{form}(task, source(), 1, buffersize={buffersize})"
    if over:
        mismatch(f"{call}, every task blocked", over[0], f"at most {bound} item(s) read ahead")
    slack = 1
    gate.open()
    values = []
    for _ in range(n):
        value = soon(scenario, lambda: next(iterator), f"next() of {form}() after the gate opened")
        with lock:
            counts["yielded"] += 1
        values.append(value)
    if over:
        mismatch(f"{call}, its tasks let go", over[0], f"at most {bound} item(s) read beyond those yielded")
    expected = [triple(x) for x in range(n)]
    if sorted(values) != expected or (form == "imap" and values != expected):
        mismatch(call, f"yielded {values!r}", repr(expected) if form == "imap" else f"{expected!r}, in any order")


@checks("imap.buffersize-close-and-terminate")
@pytest.mark.parametrize("stop", ["close", "terminate"])
@pytest.mark.parametrize("form", IMAP_FORMS)
def test_close_or_terminate_while_buffersize_holds_the_input_back(scenario: Scenario, form: str, stop: str) -> None:
    # With buffersize=1 and nothing yielded, the pool may read no item past the first: its input
    # is still being read, held back by the buffer, when close() or terminate() comes, and join()
    # follows before anything is yielded. After close() the pool may read the rest of the input (the reference) or stop reading it (CPython
    # 3.16, gh-155477): either way the results are those of a prefix of the input, every item read
    # before close() included.
    pool = scenario.pool(1)
    method = getattr(pool, form)
    if not accepts_buffersize(method):
        pytest.skip(f"{form}() takes no buffersize here (it is new in Python 3.16)")
    first_ran = threading.Event()
    read: List[int] = []

    def task(x: int) -> int:
        first_ran.set()
        return triple(x)

    def source() -> Iterator[int]:
        for x in range(4):
            read.append(x)
            yield x

    call = f"{form}(task, <generator of 4 items>, 1, buffersize=1)"
    iterator = soon(scenario, lambda: method(task, source(), 1, buffersize=1), call)
    if not first_ran.wait(scenario.limits.patience):
        mismatch(call, f"did not run its first task within {scenario.limits.patience:g} s", "it to run")
    read_before = len(read)
    outcome = scenario.bounded(lambda: outcome_of(getattr(pool, stop)), f"{stop}() while {call} waits for room", limit=scenario.limits.promptly)
    if outcome is not None:
        mismatch(f"{stop}() while {call} waited for room to read more of its input", gave(outcome), "None")
    scenario.bounded(pool.join, f"join() after {stop}() while {call} waited for room, none of its results yielded")
    if stop == "close":
        values = soon(scenario, lambda: list(iterator), f"iterating {call} after close(); join()")
        prefix = [triple(x) for x in range(len(values))]
        if len(values) < read_before or (sorted(values) if form == "imap_unordered" else values) != prefix:
            in_order = " in input order" if form == "imap" else ""
            mismatch(
                f"{call}, after close(); join()", f"yielded {values!r}", f"the results of a prefix of the input{in_order}, the {read_before} item(s) read before close() included"
            )


BAD_BUFFERSIZES = [(0, ValueError), (-1, ValueError), (1.5, TypeError), (2.0, TypeError), ("2", TypeError)]
"""Buffersizes CPython 3.16 rejects at the call, each with the exception it raises: below 1, or not an integer."""


@checks("imap.buffersize-validated")
@pytest.mark.parametrize(("buffersize", "error"), BAD_BUFFERSIZES)
@pytest.mark.parametrize("chunksize", [1, 2])
@pytest.mark.parametrize("form", IMAP_FORMS)
def test_a_buffersize_below_one_or_not_an_integer_is_rejected_at_the_call(scenario: Scenario, form: str, chunksize: int, buffersize: Any, error: Type[Exception]) -> None:
    pool = scenario.pool(2)
    method = getattr(pool, form)
    if not accepts_buffersize(method):
        pytest.skip(f"{form}() takes no buffersize here (it is new in Python 3.16)")
    accepted = soon(scenario, lambda: outcome_of(lambda: method(triple, [], chunksize, buffersize=1)), f"{form}(triple, [], {chunksize}, buffersize=1)")
    if isinstance(accepted, TypeError):  # a method taking **kwds that it hands to one without buffersize
        pytest.skip(f"{form}() takes no buffersize here: {accepted}")
    call = f"{form}(triple, range(4), {chunksize}, buffersize={buffersize!r})"
    outcome = soon(scenario, lambda: outcome_of(lambda: method(triple, range(4), chunksize, buffersize=buffersize)), call)
    if not isinstance(outcome, error):
        mismatch(call, gave(outcome), f"to raise {error.__name__} at the call")

"""Property-based workloads: one drawn call, checked for results, order and error surfacing.

Each test draws a :class:`~poolspec.conformance.workloads.Workload` for the forms of one family (items
that return, raise or block until the scenario opens a gate; the input kind; the chunksize; the
number of workers), runs it, and checks what every conforming pool must show for it:

* map forms: the list of values in input order, or one of the failing items' exceptions;
* ``apply_async`` per item: each result its own item's value or exception, the ready ones while
  the blocked ones still wait;
* ``imap``: the ready results while later items are blocked; with chunksize 1 every item's own
  outcome, in input order; with a larger chunksize the stdlib loses the failed chunk and all
  later results, so only a correct prefix followed by the first failing item's exception;
* ``imap_unordered``: every ready outcome while others are blocked; with chunksize 1 each item's
  outcome exactly once; with a larger chunksize correct values only, and a failing item's
  exception if an item fails.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any, Callable, Iterator, List, Optional, Tuple

from hypothesis import given

from poolspec.conformance import checks
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.verdict import Outcome, listed, mismatch, told, wanted
from poolspec.conformance.workloads import (
    APPLY_FORMS,
    BLOCKED,
    FAIL,
    IMAP_FORMS,
    MAP_FORMS,
    Background,
    Workload,
    WorkloadError,
    soon,
    value_of,
    workloads,
)


def outcome_of(call: Callable[[], Any]) -> Outcome:
    """What ``call()`` gives, StopIteration passed on: ``("value", v)``, or ``("raised", text)``, so that outcomes compare, count and sort.

    The text is the exception's ``repr``, qualified by its module unless it is a WorkloadError or a
    builtin: an exception of another class that only shares WorkloadError's name never equals an
    item's own outcome.
    """
    try:
        return ("value", call())
    except StopIteration:
        raise
    except Exception as exc:  # noqa: BLE001 - compared with the items' own outcomes
        module = type(exc).__module__
        return ("raised", repr(exc) if isinstance(exc, WorkloadError) or module == "builtins" else f"{module}.{exc!r}")


def raised(index: int) -> Outcome:
    """The outcome of the failing item at ``index``: its WorkloadError raised."""
    return ("raised", repr(WorkloadError(index)))


def expected_outcomes(workload: Workload) -> List[Outcome]:
    """Each item's own outcome, in input order."""
    return [raised(item.position) if item.kind == FAIL else ("value", value_of(item.position)) for item in workload.items]


@checks("map.any-workload")
@given(workload=workloads(MAP_FORMS, max_blocked=0))
def test_map_forms_give_every_value_in_order_or_a_failing_items_exception(scenario: Scenario, workload: Workload) -> None:
    run_map_workload(scenario, workload)


@checks("map.any-workload", needs=("threads", "any-thread"))
@given(workload=workloads(MAP_FORMS))
def test_map_forms_with_blocked_items_give_every_value_in_order_or_a_failing_items_exception(scenario: Scenario, workload: Workload) -> None:
    run_map_workload(scenario, workload)


def run_map_workload(scenario: Scenario, workload: Workload) -> None:
    pool = scenario.pool(workload.processes)
    gate = scenario.gate()
    method = getattr(pool, workload.form)
    args: Tuple[Any, ...] = (workload.task(gate), workload.inputs())
    if workload.chunksize is not None:
        args += (workload.chunksize,)
    if workload.form.endswith("_async"):
        result = soon(scenario, lambda: method(*args), f"{workload!r} (the call itself)")
        gate.open()
        outcome = outcome_of(lambda: soon(scenario, result.get, f"get() of {workload!r}"))
    elif not workload.blocked:
        outcome = outcome_of(lambda: soon(scenario, lambda: method(*args), repr(workload)))
    else:
        call = Background(lambda: method(*args), repr(workload))  # on a kit thread: needs any-thread
        gate.open()  # the blocked items finish after the others, or at least not before they started
        outcome = outcome_of(lambda: call.result(scenario.limits.patience))
    failing = workload.failing
    what = f"{workload!r}{'.get()' if workload.form.endswith('_async') else ''}"
    if failing:
        if outcome not in [raised(position) for position in failing]:
            mismatch(what, told(outcome), f"to raise the WorkloadError of one of the failing items {failing}")
    else:
        expected = [value_of(item.position) for item in workload.items]
        if outcome != ("value", expected):
            mismatch(what, told(outcome), repr(expected))


@checks("apply.any-workload")
@given(workload=workloads(APPLY_FORMS, max_blocked=0))
def test_each_apply_async_result_gives_its_own_outcome(scenario: Scenario, workload: Workload) -> None:
    run_apply_workload(scenario, workload)


@checks("apply.any-workload", needs=("threads",))
@given(workload=workloads(APPLY_FORMS))
def test_each_apply_async_result_gives_its_own_outcome_while_others_are_blocked(scenario: Scenario, workload: Workload) -> None:
    run_apply_workload(scenario, workload)


def run_apply_workload(scenario: Scenario, workload: Workload) -> None:
    pool = scenario.pool(workload.processes)
    gate = scenario.gate()
    task = workload.task(gate)
    results = soon(scenario, lambda: [pool.apply_async(task, (item,)) for item in workload.items], f"{workload!r} (the calls)")
    expected = expected_outcomes(workload)
    blocked = workload.blocked
    # The pool has a worker more than there are blocked items: every other item can finish now.
    for item, result in zip(workload.items, results):
        if item.kind != BLOCKED:
            what = f"get() of apply_async(perform, ({item!r},)) while items {blocked} are blocked"
            got = outcome_of(functools.partial(soon, scenario, result.get, what))
            if got != expected[item.position]:
                mismatch(f"{workload!r}: {what}", told(got), wanted(expected[item.position]))
    gate.open()
    for item, result in zip(workload.items, results):
        if item.kind == BLOCKED:
            what = f"get() of apply_async(perform, ({item!r},)) after its gate opened"
            got = outcome_of(functools.partial(soon, scenario, result.get, what))
            if got != expected[item.position]:
                mismatch(f"{workload!r}: {what}", told(got), wanted(expected[item.position]))


class Pulls:
    """Pulls outcomes from an imap iterator, each next() bounded (:func:`~poolspec.conformance.workloads.soon`)."""

    def __init__(self, scenario: Scenario, workload: Workload, iterator: Iterator[Any]) -> None:
        self.scenario = scenario
        self.workload = workload
        self.iterator = iterator
        self.seen: List[Outcome] = []
        self.ended = False

    def pull(self, why: str) -> Optional[Outcome]:
        """The next outcome, or None at StopIteration."""

        def step() -> Optional[Outcome]:
            try:
                return outcome_of(lambda: next(self.iterator))
            except StopIteration:
                return None

        outcome = soon(self.scenario, step, f"next() #{len(self.seen) + 1} of {self.workload!r} ({why}; yielded so far: {listed(self.seen)})")
        if outcome is None:
            self.ended = True
        else:
            self.seen.append(outcome)
        return outcome

    def pull_ready(self, ready: int, stop_at_error: bool, why: str) -> None:
        """Pull until ``ready`` outcomes came (or, if ``stop_at_error``, an exception came)."""
        while len(self.seen) < ready and not self.ended:
            outcome = self.pull(why)
            if outcome is not None and outcome[0] != "value" and stop_at_error:
                return

    def pull_to_end(self) -> None:
        limit = len(self.workload.items) + 1
        while not self.ended:
            self.pull("after the gate opened")
            if len(self.seen) > limit:
                mismatch(
                    repr(self.workload),
                    f"yielded {len(self.seen)} outcomes and did not end: {listed(self.seen)}",
                    f"one outcome per item ({len(self.workload.items)}), then the end",
                )


def ready_while_blocked(workload: Workload) -> int:
    """How many outcomes every conforming pool delivers while the blocked items wait.

    Chunks are [ck, (c+1)k); a chunk holding a blocked item cannot finish. imap() can deliver the
    items before the first such chunk; imap_unordered() every item of the other chunks (the pool
    has a free worker for them).
    """
    size = workload.chunksize or 1
    blocked = workload.blocked
    if not blocked:
        return len(workload.items)
    blocked_chunks = {position // size for position in blocked}
    if workload.form == "imap":
        return min(blocked_chunks) * size
    return sum(1 for item in workload.items if item.position // size not in blocked_chunks)


def check_imap(workload: Workload, seen: List[Outcome]) -> None:
    expected = expected_outcomes(workload)
    failing = workload.failing
    size = workload.chunksize or 1
    call, yielded, each = repr(workload), f"yielded {listed(seen)}", f"each item's own outcome: {listed(expected)}"
    if size == 1 or not failing:
        if seen != expected:
            mismatch(call, yielded, listed(expected))
        return
    first = failing[0]
    position = next((i for i, outcome in enumerate(seen) if outcome[0] != "value"), None)
    if position is None:
        mismatch(call, yielded, f"WorkloadError({first}) raised", each)
    if not ((first // size) * size <= position <= first and seen[: position + 1] == expected[:position] + [raised(first)]):
        mismatch(call, yielded, f"the values of at least the chunks before item {first} in order, then WorkloadError({first}) raised", each)
    rest = seen[position + 1 :]
    if rest != expected[first + 1 : first + 1 + len(rest)]:
        mismatch(call, yielded, f"after WorkloadError({first}), nothing or the next items' outcomes in order", each)


def check_imap_unordered(workload: Workload, seen: List[Outcome]) -> None:
    expected = expected_outcomes(workload)
    call, yielded, each = repr(workload), f"yielded {listed(seen)}", f"each item's own outcome: {listed(expected)}"
    if (workload.chunksize or 1) == 1 or not workload.failing:
        if sorted(seen) != sorted(expected):
            mismatch(call, yielded, f"{listed(expected)}, in any order")
        return
    extra = Counter(seen) - Counter(expected)
    if extra:
        mismatch(call, f"{yielded}, of which {listed(extra.elements())} no item's own or more than once", "each item's own outcome at most once", each)
    if not any(kind == "raised" for kind, _ in seen):
        mismatch(call, yielded, f"the WorkloadError of one of the failing items {workload.failing} raised", each)


@checks("imap.any-workload")
@given(workload=workloads(("imap",), max_blocked=0))
def test_imap_yields_each_outcome_in_input_order(scenario: Scenario, workload: Workload) -> None:
    run_imap_workload(scenario, workload, check_imap)


@checks("imap.any-workload", needs=("threads",))
@given(workload=workloads(("imap",)))
def test_imap_streams_each_outcome_in_input_order_while_later_items_are_blocked(scenario: Scenario, workload: Workload) -> None:
    run_imap_workload(scenario, workload, check_imap)


@checks("imap-unordered.any-workload")
@given(workload=workloads(("imap_unordered",), max_blocked=0))
def test_imap_unordered_yields_each_outcome_once(scenario: Scenario, workload: Workload) -> None:
    run_imap_workload(scenario, workload, check_imap_unordered)


@checks("imap-unordered.any-workload", needs=("threads",))
@given(workload=workloads(("imap_unordered",)))
def test_imap_unordered_streams_each_outcome_once_while_others_are_blocked(scenario: Scenario, workload: Workload) -> None:
    run_imap_workload(scenario, workload, check_imap_unordered)


def run_imap_workload(scenario: Scenario, workload: Workload, check: Callable[[Workload, List[Outcome]], None]) -> None:
    assert workload.form in IMAP_FORMS
    pool = scenario.pool(workload.processes)
    gate = scenario.gate()
    method = getattr(pool, workload.form)
    iterator = soon(scenario, lambda: method(workload.task(gate), workload.inputs(), workload.chunksize), f"{workload!r} (the call itself)")
    pulls = Pulls(scenario, workload, iterator)
    ready = ready_while_blocked(workload)
    pulls.pull_ready(ready, stop_at_error=(workload.chunksize or 1) > 1, why=f"{ready} outcomes are ready while items {workload.blocked} are blocked")
    gate.open()
    pulls.pull_to_end()
    check(workload, pulls.seen)

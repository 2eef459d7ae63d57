"""Clauses of the chunksize family: how inputs are cut into tasks."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poolspec.conformance import checks
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.tasks import triple
from poolspec.conformance.verdict import gave, mismatch
from poolspec.conformance.workloads import Background, call_text, input_text

MAP_FORMS: Dict[str, Callable[[Any, int], Any]] = {
    "map": lambda pool, chunksize: pool.map(abs, [1, 2, 3], chunksize),
    "map_async": lambda pool, chunksize: pool.map_async(abs, [1, 2, 3], chunksize).get(),
    "starmap": lambda pool, chunksize: pool.starmap(abs, [(1,), (2,), (3,)], chunksize),
    "starmap_async": lambda pool, chunksize: pool.starmap_async(abs, [(1,), (2,), (3,)], chunksize).get(),
}
IMAP_FORMS: Dict[str, Callable[[Any, int], Any]] = {
    "imap": lambda pool, chunksize: next(pool.imap(abs, [1, 2, 3], chunksize)),
    "imap_unordered": lambda pool, chunksize: next(pool.imap_unordered(abs, [1, 2, 3], chunksize)),
}
FORMS = tuple(MAP_FORMS) + tuple(IMAP_FORMS)


def run_form(pool: Any, form: str, func: Callable[[int], Any], n: int, chunksize: Optional[int]) -> List[Any]:
    """``pool.<form>(func, range(n)[, chunksize])`` to the end: its results, in the order they came."""
    items: List[Any] = [(x,) for x in range(n)] if form.startswith("starmap") else list(range(n))
    args: Tuple[Any, ...] = (func, items) if chunksize is None else (func, items, chunksize)
    result = getattr(pool, form)(*args)
    if form.endswith("_async"):
        return list(result.get())
    return list(result)


def abs_call(form: str, chunksize: object) -> str:
    """How a call of :data:`MAP_FORMS` or :data:`IMAP_FORMS` reads in a verdict: ``next(imap(abs, [1, 2, 3], 0))``."""
    call = call_text(form, "abs", "[(1,), (2,), (3,)]" if form.startswith("starmap") else "[1, 2, 3]", chunksize)
    return f"next({call})" if form in IMAP_FORMS else call


def run_text(form: str, processes: int, n: int, chunksize: Optional[int]) -> str:
    """How :func:`run_form` on a pool of ``processes`` reads in a verdict: ``list(ThreadPool(2).imap(task, range(5), 2))``."""
    items = f"[(x,) for x in range({n})]" if form.startswith("starmap") else f"range({n})"
    call = f"ThreadPool({processes}).{call_text(form, 'task', items, chunksize)}"
    return call if form in MAP_FORMS else f"list({call})"


@checks("chunksize.below-one-rejected-by-map")
@pytest.mark.parametrize("chunksize", [0, -1])
@pytest.mark.parametrize("form", list(MAP_FORMS))
def test_map_forms_reject_a_chunksize_below_one(scenario: Scenario, form: str, chunksize: int) -> None:
    pool = scenario.pool(2)
    try:
        result = MAP_FORMS[form](pool, chunksize)
    except ValueError:
        return
    mismatch(abs_call(form, chunksize), f"returned {result!r}", "to raise ValueError")


@checks("chunksize.below-one-rejected-by-imap")
@pytest.mark.parametrize("chunksize", [0, -1])
@pytest.mark.parametrize("form", list(IMAP_FORMS))
def test_imap_forms_reject_a_chunksize_below_one(scenario: Scenario, form: str, chunksize: int) -> None:
    pool = scenario.pool(2)
    try:
        result = IMAP_FORMS[form](pool, chunksize)
    except ValueError:
        return
    mismatch(abs_call(form, chunksize), f"returned {result!r}", "to raise ValueError")


@st.composite
def chunked_calls(draw: st.DrawFn) -> Tuple[str, int, Optional[int], int]:
    """(form, items, chunksize, processes); None (the default) only for the map forms."""
    form = draw(st.sampled_from(FORMS))
    sizes = st.none() | st.integers(1, 5) if form in MAP_FORMS else st.integers(1, 5)
    return form, draw(st.integers(0, 20)), draw(sizes), draw(st.integers(1, 4))


@checks("chunksize.every-item-once")
@given(call=chunked_calls())
def test_every_item_runs_exactly_once(scenario: Scenario, call: Tuple[str, int, Optional[int], int]) -> None:
    form, n, chunksize, processes = call
    calls: List[int] = []

    def task(x: int) -> int:
        calls.append(x)
        return triple(x)

    what = run_text(form, processes, n, chunksize)
    results = run_form(scenario.pool(processes), form, task, n, chunksize)
    counted = Counter(calls)
    dropped = [x for x in range(n) if counted[x] == 0]
    repeated = {x: times for x, times in counted.items() if times > 1}
    if dropped or repeated:
        ran = []
        if dropped:
            ran.append(f"never ran items {dropped}")
        if repeated:
            ran.append(f"ran items {repeated} more than once (item: times)")
        mismatch(what, " and ".join(ran), "each item run once")
    if sorted(results) != [triple(x) for x in range(n)]:
        mismatch(what, f"returned {results!r}", f"{[triple(x) for x in range(n)]!r}, in any order")


@st.composite
def held_chunks(draw: st.DrawFn) -> Tuple[str, int, int, int, int]:
    """(form, items, chunksize, processes, the chunk whose first item waits for all the others)."""
    form = draw(st.sampled_from(FORMS))
    chunksize = draw(st.integers(2, 5))
    n = draw(st.integers(chunksize + 1, 16))
    held = draw(st.integers(0, (n - 1) // chunksize))
    return form, n, chunksize, draw(st.integers(2, 4)), held


@checks("chunksize.chunk-on-one-thread")
@given(case=held_chunks())
def test_the_items_of_a_chunk_run_in_order_on_one_thread(scenario: Scenario, case: Tuple[str, int, int, int, int]) -> None:
    """The first item of one chunk waits until every item outside that chunk has run.

    In a pool that keeps the chunk together, the rest of the chunk waits behind it on the same
    thread, while the other workers run everything else. A pool that splits the chunk runs part
    of it on another thread meanwhile.
    """
    form, n, chunksize, processes, held = case
    chunk_of = [range(start, min(start + chunksize, n)) for start in range(0, n, chunksize)]
    held_items = chunk_of[held]
    outside = n - len(held_items)
    lock = threading.Lock()
    ticks = itertools.count()
    runs: Dict[int, Tuple[int, int]] = {}  # item: (thread ident, start tick)
    done_outside = [0]
    others_done = threading.Event()
    if outside == 0:
        others_done.set()

    def task(x: int) -> int:
        with lock:
            runs.setdefault(x, (threading.get_ident(), next(ticks)))
        if x == held_items[0]:
            # Waiting longer only gives a pool that splits the chunk more time to show it; a pool
            # that keeps the chunk together passes however long this takes.
            others_done.wait(scenario.limits.promptly / 2)
        elif x not in held_items:
            with lock:
                done_outside[0] += 1
                if done_outside[0] == outside:
                    others_done.set()
        return triple(x)

    what = f"{run_text(form, processes, n, chunksize)}, item {held_items[0]} waiting until every item outside its chunk had run"
    results = run_form(scenario.pool(processes), form, task, n, chunksize)
    if sorted(results) != [triple(x) for x in range(n)]:
        mismatch(what, f"returned {results!r}", f"{[triple(x) for x in range(n)]!r}, in any order")
    workers: Dict[int, str] = {}
    for x in sorted(runs, key=lambda item: runs[item][1]):
        workers.setdefault(runs[x][0], f"thread #{len(workers) + 1}")
    by_thread: Dict[int, List[int]] = {}
    for x in sorted(runs, key=lambda item: runs[item][1]):
        by_thread.setdefault(runs[x][0], []).append(x)
    history = "; ".join(f"{workers[ident]} ran {items}" for ident, items in by_thread.items())
    for chunk in chunk_of:
        threads = {runs[x][0] for x in chunk}
        if len(threads) != 1:
            mismatch(what, f"ran the chunk {list(chunk)} on {len(threads)} threads ({history})", "each chunk on one thread")
        sequence = by_thread[threads.pop()]
        start = sequence.index(chunk[0])
        if sequence[start : start + len(chunk)] != list(chunk):
            mismatch(what, f"ran the items of the chunk {list(chunk)} not one after another in input order ({history})", "each chunk's items one after another, in input order")


DEFAULT_CASES = [(2, 17, 3), (3, 100, 9), (2, 8, 1)]
"""(processes, items, the default chunksize ceil(items / (4 * processes)))."""


@checks("chunksize.default-for-map", needs=("any-thread",))
@pytest.mark.parametrize(("processes", "n", "expected"), DEFAULT_CASES)
@pytest.mark.parametrize("form", list(MAP_FORMS))
def test_the_default_chunksize_of_map_is_a_quarter_per_worker(scenario: Scenario, form: str, processes: int, n: int, expected: int) -> None:
    """The first item of each of the first ``processes`` chunks is what the workers start with."""
    pool = scenario.pool(processes)
    gate = scenario.gate()
    lock = threading.Lock()
    started: List[int] = []
    all_busy = threading.Event()

    def task(x: int) -> int:
        with lock:
            started.append(x)
            first = len(started) <= processes
            if len(started) == processes:
                all_busy.set()
        if first:
            gate.wait()
        return triple(x)

    what = f"{run_text(form, processes, n, None)}, the first {processes} tasks to start held back"
    call = Background(lambda: run_form(pool, form, task, n, None), what)
    if not all_busy.wait(scenario.limits.patience):
        mismatch(what, f"started only items {started} within {scenario.limits.patience:g} s", f"{processes} items to start at once")
    with lock:
        first_items = sorted(started[:processes])
    gate.open()
    results = call.result(scenario.limits.patience)
    if sorted(results) != [triple(x) for x in range(n)]:
        mismatch(what, f"returned {results!r}", f"{[triple(x) for x in range(n)]!r}, in any order")
    firsts = [expected * i for i in range(processes)]
    if first_items != firsts:
        mismatch(what, f"started the workers with items {first_items}", f"{firsts}, the first items of chunks of ceil({n} / (4 * {processes})) = {expected}")


BEYOND_MAXSIZE = 2**70


@checks("chunksize.beyond-maxsize")
@pytest.mark.parametrize("kind", ["list", "generator"])
@pytest.mark.parametrize("form", ["map", "map_async", "starmap", "starmap_async", "imap", "imap_unordered"])
def test_a_chunksize_beyond_maxsize_works(scenario: Scenario, form: str, kind: str) -> None:
    pool = scenario.pool(2)
    items: List[Any] = [(x,) for x in range(5)] if form.startswith("starmap") else list(range(5))
    source: Any = items if kind == "list" else (item for item in items)
    what = call_text(form, "abs", input_text(kind, items), "2**70")

    def call() -> Any:
        result = getattr(pool, form)(abs, source, BEYOND_MAXSIZE)
        if form.startswith("imap"):
            return sorted(result) if form == "imap_unordered" else list(result)
        return result.get() if form.endswith("_async") else result

    try:
        value = scenario.bounded(call, what, limit=scenario.limits.patience)
    except Exception as exc:  # noqa: BLE001 - the failure names it
        mismatch(what, gave(exc), "[0, 1, 2, 3, 4], as with a chunksize of 5")
    if value != [0, 1, 2, 3, 4]:
        mismatch(what, f"returned {value!r}", "[0, 1, 2, 3, 4], as with a chunksize of 5")


@checks("chunksize.float-does-not-hang", needs=("any-thread",))
def test_a_float_chunksize_never_blocks_a_map_form(scenario: Scenario) -> None:
    pool = scenario.pool(2)
    calls = {}
    for form in MAP_FORMS:
        for chunksize in (2.0, 1.5):
            what = abs_call(form, chunksize)
            calls[what] = Background(lambda form=form, chunksize=chunksize: MAP_FORMS[form](pool, chunksize), what)  # type: ignore[misc]
    deadline = time.monotonic() + scenario.limits.promptly
    hung, wrong = [], []
    for what, call in calls.items():
        if not call.done(max(0.0, deadline - time.monotonic())):
            hung.append(what)
            continue
        try:
            value = call.result(0)
        except (TypeError, ValueError):
            continue
        except Exception as exc:  # noqa: BLE001 - reported below
            wrong.append(f"{what} raised {exc!r}")
        else:
            if value != [1, 2, 3]:
                wrong.append(f"{what} returned {value!r}")
    expected = "each to raise TypeError or ValueError, or to return [1, 2, 3]"
    if hung:
        mismatch(", ".join(hung), f"did not return within {scenario.limits.promptly:g} s", expected)
    if wrong:
        mismatch(f"{', '.join(calls)}, each with a float chunksize", "; ".join(wrong), expected)

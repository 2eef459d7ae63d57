"""Clauses of the resources family: what a pool lets go of once it has delivered an outcome.

A test runs a job of every form, each on a pool of its own (so that no later job can push an
earlier one's leftovers out of a worker), hands it objects of its own (:class:`Token`s, which can
be weakly referenced) as arguments, values, exceptions or functions, lets the pool deliver them and
keeps only weak references. Then, the pools still running, it waits once for all of those objects
to be collected (:func:`poolspec.conformance.collection.uncollected`, bounded by ``scenario.limits.patience``: a
thread that delivered an outcome may legitimately still hold its task for a moment, never until its
next task), so a pool that keeps them fails after one such wait per test, not one per form. The
tasks and tokens are module-level, so they pickle and the checks apply to process pools too,
except those that need tasks to share objects with the test (tracebacks, closures).
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import pytest

from poolspec.conformance import checks
from poolspec.conformance.collection import uncollected
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.unobserved import unobserved
from poolspec.conformance.verdict import gave, mismatch
from poolspec.conformance.workloads import TIMED_OUT, outcome_within, soon

ITEMS = 6
"""Tokens per job: more than the workers of its pool, so every worker runs some of them."""

PROCESSES = 2


class Token:
    """An object of the test's own: it can be weakly referenced, and it pickles by its number."""

    def __init__(self, number: int) -> None:
        self.number = number

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.number})"


class TokenError(Exception):
    """What a failing task raises: ``TokenError(number)``."""


class Function(Token):
    """A task function that is a token: ``Function(n)(x)`` is ``x + n``, and raises ``TokenError(x)`` for a negative ``x``."""

    def __call__(self, x: int) -> int:
        if x < 0:
            raise TokenError(x)
        return x + self.number


class Callback(Token):
    """A callback or error_callback that is a token, and does nothing."""

    def __call__(self, outcome: Any) -> None:
        return None


def number_of(token: Token) -> int:
    """The task of the arguments checks: its value keeps no reference to its argument."""
    return token.number


def raise_number(token: Token) -> int:
    """Raises ``TokenError(token.number)``; its own frame lets go of the token first, so that the
    exception's traceback does not hold it."""
    number = token.number
    del token
    raise TokenError(number)


def new_token(number: int) -> Token:
    """The task of the values checks: a new token, referenced by nothing but the value handed back."""
    return Token(number)


def fail(number: int) -> int:
    """The task of the exceptions checks: raises a new ``TokenError(number)``."""
    raise TokenError(number)


# -- the forms of delivery -------------------------------------------------------------------

Deliver = Callable[[Any, Callable[..., Any], Sequence[Any], Optional[Callback]], List[Any]]
"""(pool, func, items, callback) → the outcomes, each a value or the TokenError raised for it.

``callback`` is given as both callback and error_callback by the forms that take them. Every
result object or iterator is dropped (and every imap iterator exhausted) before it returns.
"""


def outcome(call: Callable[[], Any]) -> Any:
    """``call()``'s value, or the TokenError it raised."""
    try:
        return call()
    except TokenError as exc:
        return exc


def listed(call: Callable[[], List[Any]]) -> List[Any]:
    """The values ``call()`` returns, or its TokenError as the only outcome."""
    try:
        return list(call())
    except TokenError as exc:
        return [exc]


def drained(iterator: Iterator[Any], limit: int) -> List[Any]:
    """Every outcome of ``iterator`` to its end, values and TokenErrors, at most ``limit`` of them."""
    outcomes: List[Any] = []
    while len(outcomes) <= limit:
        try:
            outcomes.append(next(iterator))
        except StopIteration:
            return outcomes
        except TokenError as exc:
            outcomes.append(exc)
    mismatch(f"iterating an iterator over {limit} items to its end", f"gave more than {limit} outcomes: {outcomes!r}", f"{limit}, one per item")


FORMS: Dict[str, Deliver] = {
    "apply": lambda pool, func, items, callback: [outcome(functools.partial(pool.apply, func, (item,))) for item in items],
    "apply_async": lambda pool, func, items, callback: [outcome(result.get) for result in [pool.apply_async(func, (item,)) for item in items]],
    "apply_async with callbacks": lambda pool, func, items, callback: [
        outcome(result.get) for result in [pool.apply_async(func, (item,), callback=callback, error_callback=callback) for item in items]
    ],
    "map": lambda pool, func, items, callback: listed(lambda: pool.map(func, items)),
    "map with chunksize 1": lambda pool, func, items, callback: listed(lambda: pool.map(func, items, 1)),
    "map_async": lambda pool, func, items, callback: listed(pool.map_async(func, items).get),
    "map_async with callbacks": lambda pool, func, items, callback: listed(pool.map_async(func, items, 2, callback, callback).get),
    "starmap": lambda pool, func, items, callback: listed(lambda: pool.starmap(func, [(item,) for item in items])),
    "starmap_async with callbacks": lambda pool, func, items, callback: listed(pool.starmap_async(func, [(item,) for item in items], 1, callback, callback).get),
    "imap": lambda pool, func, items, callback: drained(pool.imap(func, items), len(items)),
    "imap over a generator": lambda pool, func, items, callback: drained(pool.imap(func, (item for item in items)), len(items)),
    "imap with chunksize 2": lambda pool, func, items, callback: drained(pool.imap(func, items, 2), len(items)),
    "imap_unordered": lambda pool, func, items, callback: drained(pool.imap_unordered(func, items), len(items)),
}
"""Every way to submit a job and have it delivered."""

EVERY_FORM = list(FORMS)
FAILING_FORMS = [form for form in FORMS if form != "imap with chunksize 2"]
"""The forms checked with failing tasks: an imap() with a larger chunksize that a failed chunk
ends early is the business of its own clause, ``resources.ended-imap-released``."""
CALLBACK_FORMS = [form for form in FORMS if "callbacks" in form]


Released = List[Tuple[str, "weakref.ref[Any]"]]
"""Weak references to what the pool must let go of, each with the form of the job it was given to."""


def every_form(scenario: Scenario, forms: Sequence[str], job: Callable[[Any, str], List[weakref.ref[Any]]]) -> Released:
    """For each form, on a pool of its own, ``job(pool, form)``: it delivers a job of that form and
    returns weak references to what the pool must now let go of. The objects are made and dropped
    inside ``job``, so nothing but the pool can hold them afterwards."""
    released: Released = []
    for form in forms:
        pool = scenario.pool(PROCESSES)
        released += [(form, reference) for reference in soon(scenario, functools.partial(job, pool, form), f"a job of {form}")]
    return released


def assert_collected(scenario: Scenario, released: Released, what: str, jobs: str) -> None:
    """Every object of ``released`` (``what``, given to ``jobs``) is collected within the scenario's patience; else the failure names those left, by form."""
    within = scenario.limits.patience
    alive = uncollected([reference for _, reference in released], within)
    if alive:
        left: Dict[str, List[str]] = {}
        for position in alive:
            form, reference = released[position]
            left.setdefault(form, []).append(repr(reference()))
        mismatch(
            f"{jobs}, each on a pool of its own (still running), and the test's every reference dropped",
            f"{len(alive)} of the {len(released)} {what} still alive {within:g} s later, garbage collected again and again",
            "every one collected",
            details="\n".join(f"{form}: {', '.join(objects)}" for form, objects in left.items()),
        )


def expect(condition: bool, form: str, got: Any, expected: str) -> None:
    """Fail at once if a job of ``form`` gave the wrong outcomes: that is not this family's business, but nothing else could be checked."""
    if not condition:
        mismatch(f"a job of {form}", f"delivered {got!r}", expected)


# -- the clauses -------------------------------------------------------------------------------


@checks("resources.arguments-released")
@pytest.mark.parametrize("fails", [False, True], ids=["tasks-return", "tasks-raise"])
def test_arguments_are_released_once_delivered(scenario: Scenario, fails: bool) -> None:
    func = raise_number if fails else number_of

    def job(pool: Any, form: str) -> List[weakref.ref[Any]]:
        tokens = [Token(number) for number in range(ITEMS)]
        outcomes = FORMS[form](pool, func, tokens, Callback(0))
        wanted = "TokenErrors only" if fails else f"the values 0 .. {ITEMS - 1}"
        expect(bool(outcomes) and all(type(each) is TokenError for each in outcomes) if fails else sorted(outcomes) == list(range(ITEMS)), form, outcomes, wanted)
        return [weakref.ref(token) for token in tokens]

    released = every_form(scenario, FAILING_FORMS if fails else EVERY_FORM, job)
    assert_collected(scenario, released, "arguments", f"a job of each form of {func.__name__} over Token(0) .. Token({ITEMS - 1}), delivered")


@checks("resources.values-released")
def test_values_are_released_once_delivered(scenario: Scenario) -> None:
    def job(pool: Any, form: str) -> List[weakref.ref[Any]]:
        values = FORMS[form](pool, new_token, range(ITEMS), Callback(0))
        expect(len(values) == ITEMS and all(type(value) is Token for value in values), form, values, f"{ITEMS} new Tokens")
        return [weakref.ref(value) for value in values]

    released = every_form(scenario, EVERY_FORM, job)
    assert_collected(scenario, released, "values", f"a job of each form of new_token over range({ITEMS}), delivered")


@checks("resources.exceptions-released")
def test_exceptions_are_released_once_delivered(scenario: Scenario) -> None:
    def job(pool: Any, form: str) -> List[weakref.ref[Any]]:
        errors = FORMS[form](pool, fail, range(ITEMS), Callback(0))
        expect(bool(errors) and all(type(error) is TokenError for error in errors), form, errors, "TokenErrors only")
        return [weakref.ref(error) for error in errors]

    released = every_form(scenario, FAILING_FORMS, job)
    assert_collected(scenario, released, "exceptions", f"a job of each form of fail over range({ITEMS}), its exceptions delivered")


def failing_with_locals() -> Tuple[Callable[[int], int], List[weakref.ref[Token]]]:
    """A task that raises ``TokenError(number)`` with a new Token in a local of its frame, and
    weak references to those locals (the frame, so the local, is held by the exception's traceback)."""
    locals_of_tasks: List[weakref.ref[Token]] = []

    def fail_with_a_local(number: int) -> int:
        local = Token(number)
        locals_of_tasks.append(weakref.ref(local))
        raise TokenError(number)

    return fail_with_a_local, locals_of_tasks


@checks("resources.exceptions-released", needs=("threads",))
def test_the_frames_of_a_delivered_exceptions_traceback_are_released(scenario: Scenario) -> None:
    def job(pool: Any, form: str) -> List[weakref.ref[Any]]:
        task, locals_of_tasks = failing_with_locals()
        errors = FORMS[form](pool, task, range(ITEMS), Callback(0))
        expect(bool(errors) and all(type(error) is TokenError for error in errors), form, errors, "TokenErrors only")
        return list(locals_of_tasks)

    released = every_form(scenario, FAILING_FORMS, job)
    assert_collected(
        scenario, released, "locals of the failed tasks' frames", f"a job of each form of a task raising with a Token in a local over range({ITEMS}), its exceptions delivered"
    )


@checks("resources.functions-released")
@pytest.mark.parametrize("fails", [False, True], ids=["tasks-return", "tasks-raise"])
def test_functions_and_callbacks_are_released_once_delivered(scenario: Scenario, fails: bool) -> None:
    def job(pool: Any, form: str) -> List[weakref.ref[Any]]:
        func, callback = Function(100), (Callback(200) if form in CALLBACK_FORMS else None)
        outcomes = FORMS[form](pool, func, [-1 - number if fails else number for number in range(ITEMS)], callback)
        expect(bool(outcomes), form, outcomes, "an outcome")
        return [weakref.ref(func)] + ([] if callback is None else [weakref.ref(callback)])

    released = every_form(scenario, FAILING_FORMS if fails else EVERY_FORM, job)
    items = f"range(-1, {-1 - ITEMS}, -1)" if fails else f"range({ITEMS})"
    assert_collected(scenario, released, "functions and callbacks", f"a job of each form of Function(100) over {items}, with Callback(200) where it takes callbacks, delivered")


@checks("resources.ended-imap-released", needs=("threads",))
def test_an_ended_imap_leaves_nothing_of_its_job(scenario: Scenario) -> None:
    def job(pool: Any, form: str) -> List[weakref.ref[Any]]:
        task, locals_of_tasks = failing_with_locals()
        errors = drained(getattr(pool, form)(task, range(ITEMS), 2), ITEMS)
        expect(bool(errors) and all(type(error) is TokenError for error in errors), form, errors, "TokenErrors only")
        return [weakref.ref(task), *locals_of_tasks]

    released = every_form(scenario, ["imap", "imap_unordered"], job)
    assert_collected(
        scenario,
        released,
        "functions and locals of the failed tasks' frames",
        f"imap(task, range({ITEMS}), 2) and imap_unordered(task, range({ITEMS}), 2) of a task raising for each item, iterated to their end",
    )


KEPT: Dict[str, Tuple[Callable[[Any], Any], Callable[[Any], Any], Any]] = {
    "apply_async": (lambda pool: pool.apply_async(number_of, (Token(1),)), lambda result: result.get(), 1),
    "a failed apply_async": (lambda pool: pool.apply_async(fail, (1,)), lambda result: type(outcome(result.get)).__name__, "TokenError"),
    "map_async": (lambda pool: pool.map_async(number_of, [Token(1), Token(2)]), lambda result: result.get(), [1, 2]),
    "imap": (lambda pool: pool.imap(number_of, [Token(1), Token(2)]), lambda iterator: drained(iterator, 2), [1, 2]),
    "imap over a generator with chunksize 2": (
        lambda pool: pool.imap(number_of, (Token(number) for number in range(3)), 2),
        lambda iterator: drained(iterator, 3),
        [0, 1, 2],
    ),
    "imap_unordered": (lambda pool: pool.imap_unordered(number_of, [Token(1), Token(2)]), lambda iterator: sorted(drained(iterator, 2)), [1, 2]),
}
"""Each form: how to submit a job, how to have it delivered in full, and what that gives."""


@checks("resources.pool-not-kept-by-finished-results")
def test_a_dropped_pool_is_collected_while_its_finished_results_are_kept(scenario: Scenario) -> None:
    # Not scenario.pool(): the kit keeps the pools it makes, and these must be let go. Each is closed
    # before it is dropped, so that collecting it warns of nothing.
    kept: Dict[str, Any] = {}
    dropped: Released = []
    for form, (submit, finish, expected) in KEPT.items():
        pool = scenario.impl.new_pool(PROCESSES)
        dropped.append((form, scenario.weak_reference(pool)))
        kept[form] = submit(pool)
        delivered = soon(scenario, functools.partial(finish, kept[form]), f"delivering {form}")
        expect(delivered == expected, form, delivered, repr(expected))
        pool.close()
        del pool
    alive = uncollected([reference for _, reference in dropped], scenario.limits.patience)
    for position in alive:
        survivor = dropped[position][1]()
        if survivor is not None:
            scenario.bounded(survivor.terminate, "terminate() of a dropped pool")
            scenario.bounded(survivor.join, "join() of a dropped pool")
        del survivor
    if alive:
        forms = [dropped[position][0] for position in alive]
        mismatch(
            "a job of each form on a pool of 2 of its own, delivered, the pool closed and dropped, its result or exhausted iterator kept",
            f"the pools of {', '.join(forms)} still alive {scenario.limits.patience:g} s later, garbage collected again and again "
            f"(kept: {', '.join(repr(kept[form]) for form in forms)})",
            "every pool collected",
        )


@checks("resources.abandoned-imap-releases-pool")
def test_a_dropped_pool_is_collected_while_iterators_it_abandoned_are_kept(scenario: Scenario) -> None:
    # One worker held at a gate, so the iterators' tasks are still queued at terminate(). Not
    # scenario.pool(): the kit keeps the pools it makes, and this one must be let go.
    pool = scenario.impl.new_pool(1)
    dropped = scenario.weak_reference(pool)
    gate = scenario.gate()
    started = threading.Event()

    def hold(x: int) -> int:
        started.set()
        gate.wait()
        return x

    pool.apply_async(hold, (0,))
    if not started.wait(scenario.limits.patience):
        mismatch("apply_async(hold, (0,)) on a pool of 1", f"did not start its task within {scenario.limits.patience:g} s", "it to start on the free worker")
    kept = {form: getattr(pool, form)(number_of, [Token(1), Token(2)]) for form in ("imap", "imap_unordered")}
    scenario.bounded(pool.terminate, "terminate()")
    gate.open()
    scenario.bounded(pool.join, "join() after terminate()")
    del pool
    deadline = time.monotonic() + scenario.limits.patience
    for form, iterator in kept.items():
        outcome = outcome_within(iterator, max(0.0, deadline - time.monotonic()), scenario.impl.timeout_error)
        if outcome is TIMED_OUT:
            unobserved(
                f"next() of an {form}() iterator that terminate() abandoned did not raise within {scenario.limits.patience:g} s (see shutdown.terminate-fails-results), so the iterator never became one that has raised"
            )
        if not (isinstance(outcome, Exception) and not isinstance(outcome, StopIteration)):
            mismatch(f"next() of {form}(number_of, [Token(1), Token(2)]) after terminate()", gave(outcome), "to raise an exception other than StopIteration")
    if uncollected([dropped], scenario.limits.patience):
        mismatch(
            "a pool of 1 given imap(number_of, [Token(1), Token(2)]) and imap_unordered(number_of, [Token(1), Token(2)]) behind a held task, "
            "terminated, joined and dropped, the iterators kept after next() raised",
            f"the pool still alive {scenario.limits.patience:g} s later, garbage collected again and again",
            "the pool collected",
        )


POLLS = 1000
"""Polls of one result, per form of waiting."""
WARM_UP = 100
"""Polls made before those, not measured (see :func:`_growth`)."""
POLL_TIMEOUT = 1e-4
"""The timeout of each of them: above zero, so that the pool really waits (a zero timeout may return at once)."""
BYTES_PER_POLL = 16
"""The growth a poll may leave: a waiter lock kept per poll costs 50 or more (the lock, and its place in a list)."""

Poll = Callable[[], None]
"""One poll of a result: one call of ``wait``, ``get`` or ``next`` with :data:`POLL_TIMEOUT`, checked to have done what the test needs."""


@checks("resources.timed-out-waits-released")
def test_polling_a_pending_result_leaves_nothing_behind(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    gate = scenario.gate()
    pending = {
        "wait(timeout) of apply_async()": (pool.apply_async(gate.wait), "wait"),
        "get(timeout) of map_async()": (pool.map_async(abs, [-1]), "get"),
        "next(timeout) of imap()": (pool.imap(abs, [-1]), "next"),
    }  # the first holds the only worker, so the other two stay queued
    grown = _growths({what: functools.partial(_timed_out_poll, scenario, getattr(result, method)) for what, (result, method) in pending.items()})
    gate.open()
    _judge(grown, f"{POLLS} timed-out waits ({POLL_TIMEOUT:g} s each) on a pending result of a pool of 1")


@checks("resources.timed-out-waits-released")
def test_polling_a_finished_result_leaves_nothing_behind(scenario: Scenario) -> None:
    """As for a pending result, on results whose outcome was delivered already: each poll returns
    at once (an exhausted imap() iterator raises StopIteration), and must leave nothing behind."""
    pool = scenario.pool(1)
    applied = pool.apply_async(abs, (-1,))
    mapped = pool.map_async(abs, [-1])
    iterator = pool.imap(abs, [-1])
    for form, deliver, expected in (
        ("apply_async(abs, (-1,))", applied.get, 1),
        ("map_async(abs, [-1])", mapped.get, [1]),
        ("imap(abs, [-1])", functools.partial(drained, iterator, 1), [1]),
    ):
        value = soon(scenario, deliver, f"delivering {form}")
        expect(value == expected, form, value, repr(expected))
    finished = {
        "wait(timeout) of a finished apply_async()": functools.partial(_finished_poll, applied.wait, stops=False),
        "get(timeout) of a finished map_async()": functools.partial(_finished_poll, mapped.get, stops=False),
        "next(timeout) of an exhausted imap()": functools.partial(_finished_poll, iterator.next, stops=True),
    }
    _judge(_growths(finished), f"{POLLS} polls ({POLL_TIMEOUT:g} s timeout each) of a result a pool of 1 had delivered")


def _tracemalloc() -> ModuleType:
    """The tracemalloc module; where there is none (PyPy), the test is not observed."""
    try:
        import tracemalloc
    except ImportError as exc:
        unobserved(f"the kit measures the memory a pool holds with tracemalloc, which this Python lacks ({exc})")
    return tracemalloc


def _growths(polls: Mapping[str, Poll]) -> Dict[str, int]:
    """For each of ``polls``, how much the memory tracemalloc counts grew over :data:`POLLS` of
    them (see :func:`_growth`); tracemalloc is started for the measures if it was not tracing already."""
    tracemalloc = _tracemalloc()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        return {what: _growth(tracemalloc, poll) for what, poll in polls.items()}
    finally:
        if started:
            tracemalloc.stop()


def _growth(tracemalloc: ModuleType, poll: Poll) -> int:
    """How much the memory tracemalloc counts grew over :data:`POLLS` calls of ``poll()``.

    Measured after :data:`WARM_UP` polls that are not: on the free-threaded 3.14t, after other
    scenarios had run, the first polls of the stdlib's ``wait()`` grew what tracemalloc counts by
    about 265 kB, once (later polls grow nothing): memory made once, not a leak.
    """
    for _ in range(WARM_UP):
        poll()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(POLLS):
        poll()
    return int(tracemalloc.get_traced_memory()[0] - before)


def _judge(grown: Dict[str, int], polls: str) -> None:
    """Fail, naming each form of waiting that grew the memory by :data:`BYTES_PER_POLL` or more a poll over the ``polls``."""
    leaking = {what: f"{growth} bytes" for what, growth in grown.items() if growth >= BYTES_PER_POLL * POLLS}
    if leaking:
        mismatch(polls, f"grew the memory the process holds by {leaking}", f"less than {BYTES_PER_POLL} bytes a poll")


def _timed_out_poll(scenario: Scenario, wait: Callable[[float], Any]) -> None:
    """``wait(POLL_TIMEOUT)`` of a pending result, which must time out: ``wait()`` returns, ``get()`` and ``next()`` raise the pool's timeout error."""
    try:
        wait(POLL_TIMEOUT)
    except (scenario.impl.timeout_error, TimeoutError):
        return  # the builtin TimeoutError too: which class is right is asyncresult.get-timeout's business
    except Exception as exc:  # noqa: BLE001 - no time-out to measure
        unobserved(f"{wait.__name__}({POLL_TIMEOUT:g}) of a result held back by a gate raised {exc!r}, not a time-out, so timed-out waits could not be made")
    if wait.__name__ != "wait":
        unobserved(f"{wait.__name__}({POLL_TIMEOUT:g}) of a result held back by a gate returned instead of timing out, so timed-out waits could not be made")


def _finished_poll(call: Callable[[float], Any], stops: bool) -> None:
    """``call(POLL_TIMEOUT)`` of a result that was delivered: it must return, or with ``stops`` (an exhausted iterator) raise StopIteration."""
    try:
        call(POLL_TIMEOUT)
    except StopIteration:
        if stops:
            return
        unobserved(f"{call.__name__}({POLL_TIMEOUT:g}) of a result that had delivered its value raised StopIteration, so it could not be polled")
    except Exception as exc:  # noqa: BLE001 - nothing to measure
        unobserved(f"{call.__name__}({POLL_TIMEOUT:g}) of a result that had been delivered raised {exc!r}, so it could not be polled")
    if stops:
        unobserved(f"{call.__name__}({POLL_TIMEOUT:g}) of an exhausted imap() iterator returned instead of raising StopIteration, so it could not be polled")

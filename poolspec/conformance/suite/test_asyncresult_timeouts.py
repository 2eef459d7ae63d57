"""Clauses of the asyncresult and timeout families that are about time: get(timeout), wait(timeout), next(timeout)."""

from __future__ import annotations

import functools
import math
import multiprocessing
import threading
import time
from typing import Any, Callable, Dict

import pytest

from poolspec.conformance import checks
from poolspec.conformance.gates import Gate
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.unobserved import unobserved
from poolspec.conformance.verdict import gave, mismatch, returned
from poolspec.conformance.workloads import TIMED_OUT, Background

TIMEOUT = 0.2
"""Seconds: the timeout the scenarios give get(), wait() and next(); a time-out may end up to ``limits.promptly`` after it."""

EARLY = 0.9
"""A time-out may come this fraction of its timeout early (clocks and rounding), not earlier."""


def gated(gate: Gate, value: int) -> Callable[..., int]:
    """A task that returns ``value`` once ``gate`` is open (whatever arguments it is given)."""

    def task(*args: Any) -> int:
        gate.wait()
        return value

    return task


PENDING: Dict[str, Callable[[Any, Gate], Any]] = {
    "apply_async": lambda pool, gate: pool.apply_async(gated(gate, 7)),
    "map_async": lambda pool, gate: pool.map_async(gated(gate, 7), [1, 2], 1),
}
"""Ways to get a result that is not ready until the gate opens; once it is, get() returns VALUE[form].

starmap_async() makes the same result objects as map_async(); the forms are kept few because
each test of a time-out takes its time.
"""

VALUE = {"apply_async": 7, "map_async": [7, 7]}

CALL = {"apply_async": "apply_async(task)", "map_async": "map_async(task, [1, 2], 1)"}
"""Each form of PENDING as the pool gets it, for the failures' messages."""


def raises_the_timeout_error(scenario: Scenario) -> str:
    """What a wait that times out must do, for :func:`mismatch`'s ``expected``: raise the timeout class given to the kit."""
    error = scenario.impl.timeout_error
    return f"to raise {error.__module__}.{error.__qualname__}"


def about(timeout: float, scenario: Scenario) -> str:
    """When a wait of ``timeout`` seconds must end, for :func:`mismatch`'s ``expected``."""
    return f"after about {timeout:g} s (between {timeout * EARLY:g} and {timeout + scenario.limits.promptly:g} s)"


@checks("asyncresult.get-timeout")
@pytest.mark.parametrize("form", list(PENDING))
def test_get_raises_the_timeout_error_after_about_the_timeout(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    result = PENDING[form](pool, scenario.gate())
    call = f"get({TIMEOUT}) of {CALL[form]}, its tasks held back"
    start = time.monotonic()
    try:
        value = result.get(TIMEOUT)
    except scenario.impl.timeout_error:
        pass
    else:
        mismatch(call, returned(value), raises_the_timeout_error(scenario))
    elapsed = time.monotonic() - start
    if not TIMEOUT * EARLY <= elapsed <= TIMEOUT + scenario.limits.promptly:
        mismatch(call, f"raised the timeout error after {elapsed:.3f} s", f"to raise it {about(TIMEOUT, scenario)}")


@checks("asyncresult.get-timeout-nonpositive")
@pytest.mark.parametrize("timeout", [0, -1, -0.5])
@pytest.mark.parametrize("form", list(PENDING))
def test_get_with_a_timeout_of_zero_or_below_raises_at_once(scenario: Scenario, form: str, timeout: float) -> None:
    pool = scenario.pool(2)
    result = PENDING[form](pool, scenario.gate())
    call = f"get({timeout}) of {CALL[form]}, its tasks held back"
    start = time.monotonic()
    try:
        value = scenario.bounded(lambda: result.get(timeout), f"get({timeout}) on a pending result")
    except scenario.impl.timeout_error:
        pass
    else:
        mismatch(call, returned(value), f"{raises_the_timeout_error(scenario)} at once")
    elapsed = time.monotonic() - start
    if elapsed > scenario.limits.promptly:
        mismatch(call, f"raised the timeout error after {elapsed:.3f} s", f"to raise it at once (within {scenario.limits.promptly:g} s)")


@checks("asyncresult.get-after-timeout", needs=("any-thread",))
@pytest.mark.parametrize("form", list(PENDING))
def test_a_timed_out_result_still_delivers_its_value(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    gate = scenario.gate()
    result = PENDING[form](pool, gate)
    for timeout in (0, TIMEOUT):
        # Whether and how get() times out (its exception class) is the business of
        # asyncresult.get-timeout and timeout.class; this clause is about what the result does
        # afterwards. Any exception will do, a BaseException too (gevent's Timeout is one); a get()
        # that never times out leaves this clause unobserved. On a kit thread, so the scenario goes on.
        call = Background(functools.partial(result.get, timeout), f"get({timeout}) of a pending {form} result")
        if not call.done(scenario.limits.patience):
            unobserved(
                f"get({timeout}) of a pending {form} result had not timed out {scenario.limits.patience:g} s later (asyncresult.get-timeout's matter), so what the result does after a time-out was not seen"
            )
        try:
            value = call.result(0)
        except BaseException:  # noqa: BLE001 - see above
            continue
        mismatch(f"get({timeout}) of {CALL[form]}, its tasks held back", returned(value), "to time out")
    gate.open()
    after = f"get({scenario.limits.patience:g}) of {CALL[form]}, its tasks let go after get(0) and get({TIMEOUT}) had timed out"
    outcome: Any
    try:
        outcome = result.get(scenario.limits.patience)
    except scenario.impl.timeout_error:
        outcome = TIMED_OUT
    except Exception as exc:  # noqa: BLE001 - reported with the clause
        outcome = exc
    if outcome is TIMED_OUT:
        mismatch(after, f"did not return within {scenario.limits.patience:g} s", repr(VALUE[form]))
    if outcome != VALUE[form]:
        mismatch(after, gave(outcome), repr(VALUE[form]))


@checks("asyncresult.wait-timeout")
@pytest.mark.parametrize("form", list(PENDING))
def test_wait_returns_after_about_the_timeout(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    result = PENDING[form](pool, scenario.gate())
    start = time.monotonic()
    scenario.bounded(lambda: result.wait(TIMEOUT), f"wait({TIMEOUT}) on a pending result")
    elapsed = time.monotonic() - start
    if not TIMEOUT * EARLY <= elapsed <= TIMEOUT + scenario.limits.promptly:
        mismatch(f"wait({TIMEOUT}) of {CALL[form]}, its tasks held back", f"returned after {elapsed:.3f} s", f"to return {about(TIMEOUT, scenario)}")


@checks("asyncresult.wait-returns-when-ready")
@pytest.mark.parametrize("form", list(PENDING))
def test_wait_returns_at_once_on_a_ready_result(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    gate = scenario.gate()
    result = PENDING[form](pool, gate)
    gate.open()
    value = result.get(scenario.limits.patience)
    if value != VALUE[form]:
        mismatch(f"get({scenario.limits.patience:g}) of {CALL[form]}, its tasks let go", returned(value), repr(VALUE[form]))
    start = time.monotonic()
    scenario.bounded(lambda: result.wait(scenario.limits.patience), f"wait({scenario.limits.patience:g}) on a ready result")
    elapsed = time.monotonic() - start
    if elapsed > scenario.limits.promptly:
        mismatch(
            f"wait({scenario.limits.patience:g}) of {CALL[form]}, after get() had returned",
            f"returned after {elapsed:.3f} s",
            f"to return at once (within {scenario.limits.promptly:g} s)",
        )


@checks("asyncresult.wait-returns-when-ready")
@pytest.mark.parametrize("form", list(PENDING))
def test_wait_returns_soon_after_the_result_becomes_ready(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    gate = scenario.gate()
    result = PENDING[form](pool, gate)
    opener = threading.Timer(TIMEOUT, gate.open)
    start = time.monotonic()
    opener.start()
    try:
        scenario.bounded(lambda: result.wait(scenario.limits.patience), f"wait({scenario.limits.patience:g}) on a result that completes after {TIMEOUT} s")
    finally:
        opener.cancel()
        opener.join()
    elapsed = time.monotonic() - start
    if elapsed > TIMEOUT + scenario.limits.promptly:
        mismatch(
            f"wait({scenario.limits.patience:g}) of {CALL[form]}, its tasks let go {TIMEOUT} s after the call",
            f"returned after {elapsed:.3f} s",
            f"to return soon after they were let go (within {TIMEOUT + scenario.limits.promptly:g} s of the call)",
        )


@checks("asyncresult.wait-returns-none")
@pytest.mark.parametrize("form", list(PENDING))
def test_wait_returns_none(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    gate = scenario.gate()
    result = PENDING[form](pool, gate)
    timed_out = result.wait(0.01)
    if timed_out is not None:
        mismatch(f"wait(0.01) of {CALL[form]}, its tasks held back", returned(timed_out), "None")
    gate.open()
    ready = result.wait(scenario.limits.patience)
    if ready is not None:
        mismatch(f"wait({scenario.limits.patience:g}) of {CALL[form]}, its tasks let go", returned(ready), "None")


@checks("timeout.class")
def test_the_timeout_error_is_multiprocessings(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    gate = scenario.gate()
    result = pool.apply_async(gate.wait)
    with pytest.raises(BaseException) as caught:
        result.get(0.01)
    if not isinstance(caught.value, multiprocessing.TimeoutError):
        raised = type(caught.value)
        mismatch(
            "get(0.01) of apply_async(task), its task held back", f"raised {raised.__module__}.{raised.__qualname__}: {caught.value!r}", "to raise multiprocessing.TimeoutError"
        )


@checks("timeout.imap-next")
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_imap_next_raises_the_timeout_error_after_about_the_timeout(scenario: Scenario, method: str) -> None:
    pool = scenario.pool(1)
    iterator = getattr(pool, method)(gated(scenario.gate(), 7), [0, 1])
    call = f"{method}(task, [0, 1]).next({TIMEOUT}), its tasks held back"
    start = time.monotonic()
    try:
        value = iterator.next(TIMEOUT)
    except scenario.impl.timeout_error:
        pass
    else:
        mismatch(call, returned(value), raises_the_timeout_error(scenario))
    elapsed = time.monotonic() - start
    if not TIMEOUT * EARLY <= elapsed <= TIMEOUT + scenario.limits.promptly:
        mismatch(call, f"raised the timeout error after {elapsed:.3f} s", f"to raise it {about(TIMEOUT, scenario)}")


NAN_WAITS: Dict[str, Callable[[Any, Gate], Callable[[], Any]]] = {
    "get(nan) of apply_async": lambda pool, gate: functools.partial(pool.apply_async(gated(gate, 7)).get, math.nan),
    "get(nan) of map_async": lambda pool, gate: functools.partial(pool.map_async(gated(gate, 7), [1, 2], 1).get, math.nan),
    "wait(nan) of apply_async": lambda pool, gate: functools.partial(pool.apply_async(gated(gate, 7)).wait, math.nan),
    "next(nan) of imap": lambda pool, gate: functools.partial(pool.imap(gated(gate, 7), [0, 1]).next, math.nan),
    "next(nan) of imap_unordered": lambda pool, gate: functools.partial(pool.imap_unordered(gated(gate, 7), [0, 1]).next, math.nan),
}
"""Each call with a timeout of NaN on a result or iterator that is not ready until the gate opens."""


@checks("timeout.nan-does-not-wait")
@pytest.mark.parametrize("form", list(NAN_WAITS))
def test_a_timeout_of_nan_does_not_wait(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    call = NAN_WAITS[form](pool, scenario.gate())
    what = f"{form}, its tasks held back"
    returns = form.startswith("wait")  # wait() returns; get() and next() raise the timeout error
    start = time.monotonic()
    try:
        value = scenario.bounded(call, form, limit=scenario.limits.patience)
    except scenario.impl.timeout_error:
        wrong = "raised the timeout error" if returns else ""
    except Exception as exc:  # noqa: BLE001 - the failure names it
        wrong = gave(exc)
    else:
        wrong = "" if returns else returned(value)
    if wrong:
        mismatch(what, wrong, f"{'to return' if returns else raises_the_timeout_error(scenario)} at once, as for a timeout of 0")
    elapsed = time.monotonic() - start
    if elapsed > scenario.limits.promptly:
        ended = "returned" if returns else "raised the timeout error"
        mismatch(what, f"{ended} after {elapsed:.3f} s", f"to end at once (within {scenario.limits.promptly:g} s)")


@checks("timeout.imap-next-resumes")
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_imap_next_after_a_timeout_returns_the_pending_result(scenario: Scenario, method: str) -> None:
    # One worker: item 0 blocks it, so item 1 cannot finish first, even for imap_unordered.
    pool = scenario.pool(1)
    gate = scenario.gate()

    def task(x: int) -> int:
        gate.wait()
        return 10 * x

    iterator = getattr(pool, method)(task, [0, 1, 2])
    for timeout in (0.01, TIMEOUT):
        try:
            value = iterator.next(timeout)
        except scenario.impl.timeout_error:
            continue
        mismatch(f"{method}(task, [0, 1, 2]).next({timeout}), its tasks held back", returned(value), raises_the_timeout_error(scenario))
    gate.open()
    rest = scenario.bounded(lambda: list(iterator), f"iterating {method}(...) after the time-outs")
    if rest != [0, 10, 20]:
        mismatch(f"list({method}(task, [0, 1, 2])) of a task giving 10 * x, its tasks let go after next(0.01) and next({TIMEOUT}) had timed out", returned(rest), "[0, 10, 20]")

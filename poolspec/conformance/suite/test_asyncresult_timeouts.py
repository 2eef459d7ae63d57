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
from poolspec.conformance.workloads import Background

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


@checks("asyncresult.get-timeout")
@pytest.mark.parametrize("form", list(PENDING))
def test_get_raises_the_timeout_error_after_about_the_timeout(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    result = PENDING[form](pool, scenario.gate())
    start = time.monotonic()
    with pytest.raises(scenario.impl.timeout_error):
        value = result.get(TIMEOUT)
        pytest.fail(f"get({TIMEOUT}) on a pending {form} result returned {value!r}")
    elapsed = time.monotonic() - start
    assert TIMEOUT * EARLY <= elapsed <= TIMEOUT + scenario.limits.promptly, f"get({TIMEOUT}) raised after {elapsed:.3f} s, not about {TIMEOUT} s"


@checks("asyncresult.get-timeout-nonpositive")
@pytest.mark.parametrize("timeout", [0, -1, -0.5])
@pytest.mark.parametrize("form", list(PENDING))
def test_get_with_a_timeout_of_zero_or_below_raises_at_once(scenario: Scenario, form: str, timeout: float) -> None:
    pool = scenario.pool(2)
    result = PENDING[form](pool, scenario.gate())
    start = time.monotonic()
    with pytest.raises(scenario.impl.timeout_error):
        value = scenario.bounded(lambda: result.get(timeout), f"get({timeout}) on a pending result")
        pytest.fail(f"get({timeout}) on a pending {form} result returned {value!r}")
    elapsed = time.monotonic() - start
    assert elapsed <= scenario.limits.promptly, f"get({timeout}) on a pending {form} result raised after {elapsed:.3f} s, not at once"


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
        pytest.fail(f"get({timeout}) on a pending {form} result returned {value!r}")
    gate.open()
    try:
        value = result.get(scenario.limits.patience)
    except scenario.impl.timeout_error:
        pytest.fail(f"after get(0) and get({TIMEOUT}) timed out, the {form} result never completed, though its task was let go")
    except Exception as exc:  # noqa: BLE001 - reported with the clause
        pytest.fail(f"after get(0) and get({TIMEOUT}) timed out, get() of the {form} result raised {exc!r} instead of returning {VALUE[form]!r}")
    assert value == VALUE[form], f"after time-outs, get() of the {form} result returned {value!r}, not {VALUE[form]!r}"


@checks("asyncresult.wait-timeout")
@pytest.mark.parametrize("form", list(PENDING))
def test_wait_returns_after_about_the_timeout(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    result = PENDING[form](pool, scenario.gate())
    start = time.monotonic()
    scenario.bounded(lambda: result.wait(TIMEOUT), f"wait({TIMEOUT}) on a pending result")
    elapsed = time.monotonic() - start
    assert TIMEOUT * EARLY <= elapsed <= TIMEOUT + scenario.limits.promptly, f"wait({TIMEOUT}) on a pending {form} result returned after {elapsed:.3f} s, not about {TIMEOUT} s"


@checks("asyncresult.wait-returns-when-ready")
@pytest.mark.parametrize("form", list(PENDING))
def test_wait_returns_at_once_on_a_ready_result(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    gate = scenario.gate()
    result = PENDING[form](pool, gate)
    gate.open()
    assert result.get(scenario.limits.patience) == VALUE[form]
    start = time.monotonic()
    scenario.bounded(lambda: result.wait(scenario.limits.patience), f"wait({scenario.limits.patience:g}) on a ready result")
    elapsed = time.monotonic() - start
    assert elapsed <= scenario.limits.promptly, f"wait({scenario.limits.patience:g}) on a ready {form} result took {elapsed:.3f} s, not a moment"


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
    assert elapsed <= TIMEOUT + scenario.limits.promptly, (
        f"wait({scenario.limits.patience:g}) returned {elapsed:.3f} s after the start, though the {form} result's tasks were let go after {TIMEOUT} s"
    )


@checks("asyncresult.wait-returns-none")
@pytest.mark.parametrize("form", list(PENDING))
def test_wait_returns_none(scenario: Scenario, form: str) -> None:
    pool = scenario.pool(2)
    gate = scenario.gate()
    result = PENDING[form](pool, gate)
    timed_out = result.wait(0.01)
    assert timed_out is None, f"wait(0.01) on a pending {form} result returned {timed_out!r}, not None"
    gate.open()
    ready = result.wait(scenario.limits.patience)
    assert ready is None, f"wait({scenario.limits.patience:g}) on a completed {form} result returned {ready!r}, not None"


@checks("timeout.class")
def test_the_timeout_error_is_multiprocessings(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    gate = scenario.gate()
    result = pool.apply_async(gate.wait)
    with pytest.raises(BaseException) as caught:
        result.get(0.01)
    assert isinstance(caught.value, multiprocessing.TimeoutError), (
        f"get(timeout) raised {type(caught.value).__module__}.{type(caught.value).__qualname__}, not multiprocessing.TimeoutError"
    )


@checks("timeout.imap-next")
@pytest.mark.parametrize("method", ["imap", "imap_unordered"])
def test_imap_next_raises_the_timeout_error_after_about_the_timeout(scenario: Scenario, method: str) -> None:
    pool = scenario.pool(1)
    iterator = getattr(pool, method)(gated(scenario.gate(), 7), [0, 1])
    start = time.monotonic()
    with pytest.raises(scenario.impl.timeout_error):
        value = iterator.next(TIMEOUT)
        pytest.fail(f"{method}(...).next({TIMEOUT}) returned {value!r} though no task could finish")
    elapsed = time.monotonic() - start
    assert TIMEOUT * EARLY <= elapsed <= TIMEOUT + scenario.limits.promptly, f"{method}(...).next({TIMEOUT}) raised after {elapsed:.3f} s, not about {TIMEOUT} s"


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
    start = time.monotonic()
    try:
        value = scenario.bounded(call, form, limit=scenario.limits.patience)
    except scenario.impl.timeout_error:
        assert not form.startswith("wait"), f"{form} raised the timeout error; wait() returns instead"
    except Exception as exc:  # noqa: BLE001 - the failure names it
        pytest.fail(f"{form} raised {exc!r}, expected {'to return' if form.startswith('wait') else 'the timeout error'} at once, as for a timeout of 0")
    else:
        assert form.startswith("wait"), f"{form} returned {value!r} though no task could finish; expected the timeout error at once"
    elapsed = time.monotonic() - start
    assert elapsed <= scenario.limits.promptly, f"{form} on a result that is not ready took {elapsed:.3f} s, not at once"


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
        with pytest.raises(scenario.impl.timeout_error):
            value = iterator.next(timeout)
            pytest.fail(f"{method}(...).next({timeout}) returned {value!r} though no task could finish")
    gate.open()
    rest = scenario.bounded(lambda: list(iterator), f"iterating {method}(...) after the time-outs")
    assert rest == [0, 10, 20], f"after next() timed out twice, {method}(f, [0, 1, 2]) went on with {rest!r}, not [0, 10, 20]"

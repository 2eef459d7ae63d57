"""Clauses of the asyncresult and timeout families."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from conformance import checks
from conformance.pools import Pools

TIMEOUT = 0.2
LATE = 2.0
"""A time-out may come this many seconds late on a loaded 2-core machine, not more."""


@checks("asyncresult.get-timeout")
def test_get_raises_the_timeout_error_after_about_the_timeout(make_pool: Pools) -> None:
    pool = make_pool(1)
    gate = make_pool.gate()
    result = pool.apply_async(gate.wait)
    start = time.monotonic()
    with pytest.raises(make_pool.impl.timeout_error):
        result.get(TIMEOUT)
    elapsed = time.monotonic() - start
    assert TIMEOUT * 0.9 <= elapsed <= TIMEOUT + LATE, f"get({TIMEOUT}) raised after {elapsed:.3f} s"


@checks("timeout.class")
def test_the_timeout_error_is_multiprocessings(make_pool: Pools) -> None:
    pool = make_pool(1)
    gate = make_pool.gate()
    result = pool.apply_async(gate.wait)
    with pytest.raises(BaseException) as caught:
        result.get(0.01)
    assert isinstance(caught.value, multiprocessing.TimeoutError), (
        f"get(timeout) raised {type(caught.value).__module__}.{type(caught.value).__qualname__}, "
        "not multiprocessing.TimeoutError"
    )

"""Clauses of the shutdown family."""

from __future__ import annotations

import re
from typing import Any, Callable, Dict

import pytest

from conformance import checks
from conformance.pools import Pools

SUBMISSIONS: Dict[str, Callable[[Any], Any]] = {
    "apply": lambda pool: pool.apply(abs, (1,)),
    "apply_async": lambda pool: pool.apply_async(abs, (1,)),
    "map": lambda pool: pool.map(abs, [1]),
    "map_async": lambda pool: pool.map_async(abs, [1]),
    "starmap": lambda pool: pool.starmap(abs, [(1,)]),
    "starmap_async": lambda pool: pool.starmap_async(abs, [(1,)]),
    "imap": lambda pool: pool.imap(abs, [1]),
    "imap_unordered": lambda pool: pool.imap_unordered(abs, [1]),
}


@checks("shutdown.close-rejects-submit")
@pytest.mark.parametrize("stop", ["close", "terminate"])
@pytest.mark.parametrize("method", list(SUBMISSIONS))
def test_submitting_after_close_or_terminate_raises(make_pool: Pools, stop: str, method: str) -> None:
    pool = make_pool(1)
    getattr(pool, stop)()
    with pytest.raises(ValueError):
        SUBMISSIONS[method](pool)


@checks("shutdown.join-while-running-rejected")
def test_join_before_close_raises(make_pool: Pools) -> None:
    with pytest.raises(ValueError):
        make_pool(1).join()


@checks("shutdown.repr")
def test_repr_names_state_and_size(make_pool: Pools) -> None:
    pool = make_pool(2)
    pattern = r"<[\w.]+ state={} pool_size=2>"
    assert re.fullmatch(pattern.format("RUN"), repr(pool)), repr(pool)
    pool.close()
    assert re.fullmatch(pattern.format("CLOSE"), repr(pool)), repr(pool)
    pool.terminate()
    assert re.fullmatch(pattern.format("TERMINATE"), repr(pool)), repr(pool)


@checks("shutdown.join-ends-threads")
@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_join_ends_every_thread_of_the_pool(make_pool: Pools, stop: str) -> None:
    pool = make_pool(3)
    assert pool.map(abs, range(-5, 5), 1) == [abs(x) for x in range(-5, 5)]
    getattr(pool, stop)()
    make_pool.bounded(pool.join, f"join() after {stop}()")
    make_pool.check_no_thread_left()

"""Fixtures for the reference pool's tests: gates that open at the end, and pools that clean up."""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterator, List

import pytest
from hypothesis import settings

from poolspec.conformance.threads_left import THREAD_END_GRACE
from poolspec.reference import ThreadPool

from .helpers import Gates, finishes

pytest_plugins = ["pytester"]

settings.register_profile("ci", derandomize=True, max_examples=50, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def gate_factory() -> Iterator[Gates]:
    gates = Gates()
    yield gates
    gates.open_all()


@pytest.fixture
def make_pool(gate_factory: Gates) -> Iterator[Callable[..., ThreadPool]]:
    """Makes pools; at the end terminates and joins each, and checks no thread of theirs is left."""
    before = set(threading.enumerate())
    pools: List[ThreadPool] = []

    def make(*args: Any, **kwargs: Any) -> ThreadPool:
        pool = ThreadPool(*args, **kwargs)
        pools.append(pool)
        return pool

    yield make
    gate_factory.open_all()
    for pool in pools:
        pool.terminate()
        finishes(pool.join, "join() after terminate()")
    started = [thread for thread in threading.enumerate() if thread not in before]
    for thread in started:  # after terminate(), join() does not wait for a feeder still reading its input
        thread.join(THREAD_END_GRACE)
    left = [thread for thread in started if thread.is_alive()]
    assert not left, f"threads left running {THREAD_END_GRACE:g} s after terminate() and join(): {left}"

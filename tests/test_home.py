"""The kit's home thread (poolspec/conformance/home.py): calls bounded at their own limits, and a retired thread."""

from __future__ import annotations

import threading
import time

import pytest

from poolspec.conformance.home import HOME
from poolspec.conformance.watchdog import Hang


def test_a_nested_call_is_reported_at_its_own_limit_by_name() -> None:
    blocked = threading.Event()

    def scenario() -> None:
        HOME.run(lambda: blocked.wait(5), 0.2, "the inner call")

    started = time.monotonic()
    try:
        with pytest.raises(Hang, match=r"^HANG: the inner call did not return within 0\.2 s"):
            HOME.run(scenario, 5, "the scenario")
        assert time.monotonic() - started < 2.5, "the inner call's limit was not enforced"
    finally:
        blocked.set()


def test_a_scenario_abandoned_after_a_hang_is_stopped_at_its_next_bounded_call() -> None:
    release, went_on, stopped = threading.Event(), threading.Event(), threading.Event()
    outcome = []

    def scenario() -> None:
        release.wait(5)
        try:
            HOME.run(lambda: went_on.set(), 5, "a call after the HANG")
        except Hang as hang:
            outcome.append(hang)
            stopped.set()

    with pytest.raises(Hang, match=r"^HANG: the scenario did not return within 0\.2 s"):
        HOME.run(scenario, 0.2, "the scenario")
    release.set()
    assert HOME.run(lambda: "fresh", 5, "a call on the new home thread") == "fresh"
    assert stopped.wait(5) and not went_on.is_set(), "the abandoned scenario went on running bounded calls"
    assert "not called: the scenario was abandoned after a HANG" in str(outcome[0])


def test_a_retired_home_thread_is_replaced_and_left_blocked() -> None:
    first = HOME.run(threading.current_thread, 5, "which thread")
    assert HOME.run(threading.current_thread, 5, "which thread") is first, "an idle home thread is reused"
    HOME.retire()
    second = HOME.run(threading.current_thread, 5, "which thread")
    assert second is not first and first.is_alive(), "a retired home thread is replaced, and never ends"

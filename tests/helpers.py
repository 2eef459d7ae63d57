"""Helpers for the reference pool's tests: bounded waits and gates.

Nothing in these tests sleeps to synchronise threads: tasks block on :class:`Gate` objects that the
test opens, and every call that could block for ever runs through :func:`finishes`, so a hang is a
failed test with a message, never a stalled run.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, List, TypeVar

T = TypeVar("T")

HANG_LIMIT = 10.0
"""Seconds after which a call that should return is declared hung."""


class Hang(AssertionError):
    """A call that should have returned was still blocked after ``HANG_LIMIT`` seconds."""


def finishes(call: Callable[[], T], what: str, within: float = HANG_LIMIT) -> T:
    """``call()`` run on a daemon thread: its value or exception, or :class:`Hang` after ``within`` s."""
    outcome: List[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    if not outcome:
        raise Hang(f"{what} did not return within {within:.0f} s: the pool hangs")
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


class Gate:
    """An event that tasks wait on; a task never waits longer than ``HANG_LIMIT``."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def open(self) -> None:
        self._event.set()

    def wait(self) -> None:
        if not self._event.wait(HANG_LIMIT):
            raise Hang("a gate was never opened")


class Gates:
    """Makes gates and opens all of them when the test ends, so no task stays blocked."""

    def __init__(self) -> None:
        self._made: List[Gate] = []

    def __call__(self) -> Gate:
        gate = Gate()
        self._made.append(gate)
        return gate

    def open_all(self) -> None:
        for gate in self._made:
            gate.open()

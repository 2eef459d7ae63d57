"""Helpers for the reference pool's tests: bounded waits and gates.

Nothing in these tests sleeps to synchronise threads: tasks block on :class:`Gate` objects that the
test opens, and every call that could block for ever runs through :func:`finishes`, so a hang is a
failed test with a message, never a stalled run.
"""

from __future__ import annotations

from typing import Callable, List, TypeVar

from poolspec.conformance.gates import Gate
from poolspec.conformance.watchdog import run_bounded

T = TypeVar("T")

HANG_LIMIT = 10.0
"""Seconds after which a call that should return is declared hung."""


def finishes(call: Callable[[], T], what: str, within: float = HANG_LIMIT) -> T:
    """``call()``'s value or exception, or a HANG failure after ``within`` seconds."""
    return run_bounded(call, within, what)


class Gates:
    """Makes gates (tasks never wait on one past ``HANG_LIMIT``) and opens them all at the end."""

    def __init__(self) -> None:
        self._made: List[Gate] = []

    def __call__(self) -> Gate:
        gate = Gate(HANG_LIMIT)
        self._made.append(gate)
        return gate

    def open_all(self) -> None:
        for gate in self._made:
            gate.open()

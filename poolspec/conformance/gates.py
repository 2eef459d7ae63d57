"""What a scenario's tasks wait on: gates the scenario opens, never waited on past the hang limit.

A :class:`Gate` holds tasks in this process; a :class:`~poolspec.conformance.process_gate.ProcessGate`
holds tasks in worker processes; a :class:`~poolspec.conformance.sequencer.Sequencer` lets tasks
pass one at a time in a given order. Each has ``open()``, which the kit calls after the scenario
(:class:`Opens`), so that no task is left waiting when the scenario's pools are stopped.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from .watchdog import Hang


class Opens(Protocol):
    """Something tasks wait on that the kit opens after the scenario, if the scenario has not."""

    def open(self) -> None: ...


class Gate:
    """An event a task waits on until the scenario opens it; it never waits past the hang limit."""

    def __init__(self, limit: float) -> None:
        self._event = threading.Event()
        self._limit = limit

    def open(self) -> None:
        self._event.set()

    def wait(self) -> None:
        if not self._event.wait(self._limit):
            raise Hang("HANG: a gate of the scenario was never opened")

    def task(self, *_arguments: Any) -> None:
        """A task for the pool that ignores its arguments and waits for this gate (bound to this
        gate, unlike a lambda over a loop variable that a later round rebinds)."""
        self.wait()

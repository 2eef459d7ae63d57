"""Forcing the order in which tasks finish, deterministically and without sleeps.

A :class:`Sequencer` is made with the order in which keys (task arguments, usually) must finish.
A task runs its body inside ``with sequencer.turn(key):``, which waits until every key before
``key`` has finished its turn, so "task 3 finishes before task 0" is a fact of the scenario, not a
timing accident. The keys must be able to run at once: a task waiting for its turn occupies a
worker, so a scenario gives the pool a worker per task that may be waiting.

Waits are bounded: a turn that does not come within the hang limit raises :class:`Hang` naming the
task held and the task it was held for (the keys are called tasks in the message). :meth:`Sequencer.open` (called by the kit after every scenario) lets every
waiting and later turn go at once, so no task of an abandoned scenario is left blocked.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Dict, Hashable, Iterator, Sequence

from .watchdog import Hang


class Sequencer:
    """Turns taken in a fixed order; ``_finished`` and ``_open`` are guarded by ``_changed``."""

    def __init__(self, order: Sequence[Hashable], limit: float) -> None:
        self._order = list(order)
        self._position: Dict[Hashable, int] = {key: index for index, key in enumerate(self._order)}
        if len(self._position) != len(self._order):
            raise ValueError(f"a sequencer's order names a key twice: {self._order!r}")
        self._limit = limit
        self._changed = threading.Condition()
        self._finished = 0
        self._open = False

    @contextmanager
    def turn(self, key: Hashable) -> Iterator[None]:
        """Wait until every key before ``key`` has finished its turn; the turn ends with the block."""
        position = self._position[key]
        with self._changed:
            if not self._changed.wait_for(lambda: self._open or self._finished >= position, self._limit):
                first = self._order[self._finished]
                raise Hang(f"HANG: the scenario holds task {key!r} until task {first!r} has finished; task {first!r} had not finished {self._limit:g} s later")
        try:
            yield
        finally:
            with self._changed:
                self._finished += 1
                self._changed.notify_all()

    def open(self) -> None:
        """Let every turn go now, in any order."""
        with self._changed:
            self._open = True
            self._changed.notify_all()

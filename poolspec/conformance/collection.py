"""Waiting, bounded, for objects to be collected: how the kit sees that a pool let go of something.

An object the pool no longer references may still be alive for a moment after the caller got its
outcome, for a legitimate reason: the thread that delivered the outcome (the worker that finished
the last task, the thread that ran the callback) wakes the caller first and returns from its own
calls after, and until it has, its frames still hold the task. The stdlib's own test of this
(CPython's ``test_release_task_refs``) sleeps for that moment. The kit instead collects garbage
again and again (``gc.collect()``: an object kept only by a reference cycle, such as an exception
and the frames of its traceback, is freed only by the collector) until every object is gone, for
at most a bound that the caller gives: a pool that keeps an object until its next task, or for
ever, still holds it then. Each collection is its own pace; nothing sleeps.
"""

from __future__ import annotations

import gc
import time
import weakref
from typing import Any, List, Sequence


def uncollected(references: Sequence[weakref.ref[Any]], within: float) -> List[int]:
    """The positions in ``references`` of the objects still alive ``within`` seconds from now, or [] as soon as none is."""
    deadline = time.monotonic() + within
    while True:
        gc.collect()
        alive = [position for position, reference in enumerate(references) if reference() is not None]
        if not alive or time.monotonic() >= deadline:
            return alive

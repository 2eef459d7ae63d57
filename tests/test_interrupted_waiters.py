"""An exception raised in one thread waiting on a result or an imap iterator never keeps another waiting.

Two threads wait on the same result (or iterator); once both are inside the pool's wait, an
exception is raised in the first (:func:`poolspec.conformance.interruption.interrupt`, as KeyboardInterrupt
or a signal handler's exception would land), and the result is then completed. The exception is
raised in that thread as it wakes; the other thread must return all the same. When every waiter
passed one lock on to the next, the interrupted one kept it, and the other waited for ever.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from typing import Any, Callable, Dict

import pytest

from poolspec.conformance.interruption import Waiter, interrupt, why_not_interruptible
from poolspec.reference import ThreadPool

from .helpers import HANG_LIMIT, Gates

Make = Callable[..., ThreadPool]

ROUNDS = 20


def waiting_in_the_pool(waiter: Waiter) -> bool:
    """Whether the waiter's thread is in a ``_wait`` of the reference (where it blocks until woken)."""
    frame = sys._current_frames().get(waiter.thread.ident or -1)
    return frame is not None and frame.f_code.co_name == "_wait" and "reference" in frame.f_code.co_filename


WAITS: Dict[str, Callable[[ThreadPool, Callable[..., Any]], Callable[[], Any]]] = {
    "get": lambda pool, task: pool.apply_async(task).get,
    "wait": lambda pool, task: pool.apply_async(task).wait,
    "get with a timeout": lambda pool, task: functools.partial(pool.apply_async(task).get, HANG_LIMIT),
    "next of imap": lambda pool, task: pool.imap(task, [0]).__next__,
    "next of imap_unordered with a timeout": lambda pool, task: functools.partial(pool.imap_unordered(task, [0]).next, HANG_LIMIT),
}
"""Each way to wait: given a pool and a task, a call that two threads make on one and the same result or iterator (of one item: the other consumer can only get that one)."""


@pytest.mark.skipif(why_not_interruptible() is not None, reason=str(why_not_interruptible()))
@pytest.mark.parametrize("form", list(WAITS))
def test_an_interrupted_waiter_does_not_keep_the_other_waiting(make_pool: Make, gate_factory: Gates, form: str) -> None:
    pool = make_pool(2)
    interrupted = 0
    for round_number in range(1, ROUNDS + 1):
        gate = gate_factory()
        wait = WAITS[form](pool, gate.task)
        over = threading.Event()
        first, second = Waiter(wait, "first waiter", over, HANG_LIMIT), Waiter(wait, "second waiter", over, HANG_LIMIT)
        deadline = time.monotonic() + HANG_LIMIT
        while not (waiting_in_the_pool(first) and waiting_in_the_pool(second)):
            assert time.monotonic() < deadline, "the waiters never reached the pool's wait"
            os.sched_yield()
        assert interrupt(first.thread)
        gate.open()
        second.has_ended.wait(HANG_LIMIT)
        assert second.ended == ["returned"], f"round {round_number}: after the first waiter was interrupted, the second {second.ended or 'never returned'}"
        over.set()
        first.thread.join(HANG_LIMIT)
        second.thread.join(HANG_LIMIT)
        interrupted += first.ended[-1:] == ["raised Interruption()"]
    assert interrupted, "the exception never landed in the first waiter"

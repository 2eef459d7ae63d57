"""Bounding calls into the pool under test: a call that does not return in time is a HANG.

A hung thread cannot be killed, so the call runs on a daemon thread of its own; when the limit
passes, the caller gets :class:`Hang` with the stacks of the threads involved, and the hung thread
is abandoned. ``Hang`` is a ``BaseException`` (not an ``Exception``) so that hypothesis reports it
at once instead of trying to shrink an example that blocks.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any, Callable, Iterable, List, Tuple, TypeVar

T = TypeVar("T")


RUNNER_PREFIX = "poolspec: "
"""The name of every thread the kit starts to bound a call begins with this."""


class Hang(BaseException):
    """A call into the pool under test did not return within the hang limit."""


def run_bounded(call: Callable[[], T], limit: float, what: str, suspects: Callable[[], Iterable[threading.Thread]] = lambda: ()) -> T:
    """``call()`` on a daemon thread: its value or exception, or :class:`Hang` after ``limit`` s.

    ``suspects`` gives the other threads whose stacks explain a hang (the pool's threads).
    """
    outcome: List[Tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            outcome.append((False, exc))

    runner = threading.Thread(target=run, name=f"{RUNNER_PREFIX}{what}", daemon=True)
    runner.start()
    runner.join(limit)
    if not outcome:
        stacks = thread_stacks([runner, *suspects()])
        raise Hang(f"HANG: {what} did not return within {limit:g} s\n\n{stacks}")
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def thread_stacks(threads: Iterable[threading.Thread]) -> str:
    """The current stack of each thread still alive, most recent call last."""
    frames = sys._current_frames()
    parts = []
    for thread in threads:
        frame = frames.get(thread.ident) if thread.ident is not None else None
        if frame is not None and thread.is_alive():
            stack = "".join(traceback.format_stack(frame))
            parts.append(f"Thread {thread.name!r}:\n{stack}")
    return "\n".join(parts) or "(no thread of the pool is alive)"

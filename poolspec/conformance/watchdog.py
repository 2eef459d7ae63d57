"""Bounding calls into the pool under test: a call that does not return in time is a HANG.

A hung thread cannot be killed, so the call runs on a daemon thread of its own; when the limit
passes, the caller gets :class:`Hang` with the stacks of the threads involved, and the hung thread
is abandoned. ``Hang`` is a ``BaseException`` (not an ``Exception``) so that hypothesis reports it
at once instead of trying to shrink an example that blocks.

The kit's plumbing (this module's bounded calls, the home thread, the scenario's guard) sets
``__tracebackhide__``, so pytest leaves those frames out of a failure's traceback, and
:func:`thread_stacks` leaves them out of the stacks a HANG shows.
"""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path
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
    __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
    outcome: List[Tuple[bool, Any]] = []

    def run() -> None:
        __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
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


KIT = Path(__file__).resolve().parent
SUITE = KIT / "suite"
THREAD_START = Path(threading.__file__).resolve()


def thread_stacks(threads: Iterable[threading.Thread]) -> str:
    """The current stack of each thread still alive, most recent call last, each thread once
    (with its id where two have the same name: a new kit home thread beside one it retired).

    Each stack starts at the first frame that is neither the ``threading`` module's start of a
    thread nor the kit's plumbing (its home thread, its bounded calls): at the suite's test on the
    kit's home thread, at the pool's own code on the pool's threads.
    """
    frames = sys._current_frames()
    alive = [thread for thread in dict.fromkeys(threads) if thread.ident in frames and thread.is_alive()]
    names = [thread.name for thread in alive]
    parts = []
    for thread in alive:
        stack = traceback.extract_stack(frames[thread.ident])  # type: ignore[index]
        first = next((index for index, entry in enumerate(stack) if not _plumbing(entry.filename)), 0)
        same_name = f" (thread id {thread.ident})" if names.count(thread.name) > 1 else ""
        parts.append(f"Thread {thread.name!r}{same_name}:\n{''.join(traceback.format_list(stack[first:]))}")
    return "\n".join(parts) or "(no thread of the pool is alive)"


def _plumbing(filename: str) -> bool:
    """Whether a frame in ``filename`` only starts a thread or runs a call for the kit."""
    path = Path(filename).resolve()
    return path == THREAD_START or (KIT in path.parents and SUITE not in path.parents)

"""Interrupting a thread that waits in the pool, as KeyboardInterrupt or a signal handler's exception would.

:func:`interrupt` schedules an exception in another thread with CPython's
``PyThreadState_SetAsyncExc``: the thread raises it at its next bytecode boundary, so a thread
blocked in a lock raises it as soon as it wakes. A :class:`Waiter` is a kit thread that makes one
waiting call and records how it ended, catching the exception wherever it lands: in the call, or
after it while the waiter waits for ``over``.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from typing import Any, Callable, List, Optional, Type

from .watchdog import RUNNER_PREFIX


class Interruption(BaseException):
    """The exception :func:`interrupt` raises in a waiting thread: like KeyboardInterrupt, not an ``Exception``."""


def why_not_interruptible() -> Optional[str]:
    """None if this Python can interrupt another thread; else why not."""
    if not hasattr(ctypes, "pythonapi") or not hasattr(ctypes.pythonapi, "PyThreadState_SetAsyncExc"):
        return "this Python has no ctypes.pythonapi.PyThreadState_SetAsyncExc to raise an exception in another thread"
    if not hasattr(sys, "_current_frames"):
        return "this Python has no sys._current_frames() to see where a thread is"
    if sys.version_info[:2] == (3, 11) and sys.gettrace() is not None:
        # CPython 3.11: while an exception scheduled for a thread blocked in C is pending, every
        # traced thread that enters a function handles the pending state again and again at the
        # call's first instruction, never past it; the scheduling thread is then stuck, at full
        # CPU, before it can wake the target. 3.10, 3.12 and later do not do this.
        return "on Python 3.11 under a tracer (coverage, a debugger) a thread scheduling an exception in another stops at its next function call"
    return None


def interrupt(thread: threading.Thread, exception: Type[BaseException] = Interruption) -> bool:
    """Schedule ``exception`` in ``thread``; False if the thread is gone."""
    if thread.ident is None:
        return False
    changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exception))
    return bool(changed == 1)


class Waiter:
    """A kit thread that calls ``wait()`` once and records how it ended: ``returned``, or the exception it raised.

    ``has_ended`` is set as soon as the call has returned or raised. After returning, the thread
    waits for ``over`` (at most ``limit`` seconds), so that an exception scheduled in it lands in
    this thread's ``try`` whenever it comes: at the latest when that wait returns.
    """

    def __init__(self, wait: Callable[[], Any], name: str, over: threading.Event, limit: float) -> None:
        self.ended: List[str] = []
        self.has_ended = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(wait, over, limit), name=f"{RUNNER_PREFIX}{name}", daemon=True)
        self.thread.start()

    def is_inside(self) -> bool:
        """Whether the thread has entered the waiting call, and not yet returned from it.

        The call is the pool's own (a bound method, a ``functools.partial`` of one): once the
        thread's innermost frame is another than :meth:`_run` with :meth:`_run` below it, the
        thread runs the pool's code.
        """
        frame = sys._current_frames().get(self.thread.ident or -1)
        if frame is None or frame.f_code is _RUN:
            return False
        while frame is not None:
            if frame.f_code is _RUN:
                return not self.has_ended.is_set()
            frame = frame.f_back
        return False

    def _run(self, wait: Callable[[], Any], over: threading.Event, limit: float) -> None:
        try:
            try:
                wait()
                self.ended.append("returned")
            finally:
                self.has_ended.set()
            over.wait(limit)
        except BaseException as exc:  # noqa: BLE001 - recorded: the scenario judges it
            self.ended.append(f"raised {exc!r}")


_RUN = Waiter._run.__code__

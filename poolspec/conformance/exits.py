"""Keeping a pool from ending the test run: ``os._exit()`` is intercepted in the threads of pools.

Some pools end the whole process when one of their threads fails: billiard's pool threads call
``os._exit(1)`` when a ``map_async`` callback raises, even after ``terminate()``. In a test run
that would end pytest with no report at all. So from the start of the kit's run (before it builds
its first pool) until its end, :data:`GUARD` replaces ``os._exit``: a call from a thread started
since (a pool's thread, or the kit's own) is recorded and raises :class:`ProcessExit` in that
thread instead, which unwinds it. Every other caller still exits as it asked: the threads that ran
before (the main thread; pytest-xdist's own), and a forked child (another process id). A call
outside any scenario, by a pool already stopped or abandoned (or by the capability probe's), is
reported as an :class:`ExitWarning` when the next scenario begins.

:class:`poolspec.conformance.lifecycle.Lifecycle` takes the calls made during a scenario and fails its test as
``EXIT``, naming the thread.
"""

from __future__ import annotations

import os
import threading
from typing import Callable, FrozenSet, List, NoReturn, Optional

Exit = Callable[..., NoReturn]  # os._exit(status)


class ProcessExit(BaseException):
    """A pool called ``os._exit()`` in the test process (raised in that thread, then for the test).

    A ``BaseException``, like :class:`poolspec.conformance.watchdog.Hang`, so that a pool's ``except
    Exception`` does not swallow it and hypothesis reports it at once.
    """


class ExitWarning(UserWarning):
    """A pool thread called ``os._exit()`` between scenarios; the kit intercepted it."""


class ExitGuard:
    """``os._exit`` replaced from :meth:`install` until :meth:`uninstall`; the calls it intercepted.

    ``_lock`` guards ``_calls``, which pool threads append to.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: List[str] = []
        self._original: Optional[Exit] = None

    def install(self) -> None:
        """Intercept ``os._exit`` in every thread but those running now (once; later calls do nothing)."""
        if self._original is not None:
            return
        original: Exit = os._exit
        pid = os.getpid()
        exempt: FrozenSet[Optional[int]] = frozenset(thread.ident for thread in threading.enumerate())

        def intercepted(status: int) -> NoReturn:
            if os.getpid() != pid or threading.get_ident() in exempt:
                original(status)
            with self._lock:
                self._calls.append(f"thread {threading.current_thread().name!r} called os._exit({status!r})")
            raise ProcessExit(f"os._exit({status!r}) intercepted by the conformance kit")

        self._original = original
        os._exit = intercepted

    def uninstall(self) -> None:
        """``os._exit`` is the original again."""
        if self._original is not None:
            os._exit = self._original
            self._original = None

    def take(self) -> List[str]:
        """The calls intercepted since the last :meth:`take`, each as a line naming its thread."""
        with self._lock:
            calls, self._calls = self._calls, []
        return calls


def exit_failure(calls: List[str], when: str) -> ProcessExit:
    """The failure of a test whose pool made ``calls`` (from :meth:`ExitGuard.take`) ``when``."""
    return ProcessExit(f"EXIT: {when}, {'; '.join(calls)}: the pool would have ended the whole process")


GUARD = ExitGuard()
"""The one guard of the run: ``os._exit`` is one function for the whole process."""

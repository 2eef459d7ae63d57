"""Keeping a pool from ending the test run: ``os._exit()`` is intercepted while a scenario runs.

Some pools end the whole process when one of their threads fails: billiard's pool threads call
``os._exit(1)`` when a ``map_async`` callback raises. In a test run that would end pytest with no
report at all. So while a scenario runs, :class:`ExitGuard` replaces ``os._exit``: a call from this
process is recorded and raises :class:`ProcessExit` in the calling thread instead, which unwinds
that thread. A forked child (another process id) still exits as it asked. When the scenario ends,
the original is back and the test fails as ``EXIT``, naming the thread that tried to end the
process.

Only calls made during a scenario are intercepted: a pool thread left running that calls
``os._exit`` later still ends the run.
"""

from __future__ import annotations

import os
import threading
from typing import Callable, List, NoReturn, Optional

Exit = Callable[..., NoReturn]  # os._exit(status)


class ProcessExit(BaseException):
    """A pool called ``os._exit()`` in the test process (raised in that thread, then for the test).

    A ``BaseException``, like :class:`conformance.watchdog.Hang`, so that a pool's ``except
    Exception`` does not swallow it and hypothesis reports it at once.
    """


class ExitGuard:
    """``os._exit`` replaced between :meth:`install` and :meth:`uninstall`.

    ``_lock`` guards ``_calls``, which pool threads append to.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: List[str] = []
        self._original: Optional[Exit] = None

    def install(self) -> None:
        """From now on, ``os._exit`` in this process raises :class:`ProcessExit` instead."""
        if self._original is not None:
            return
        original: Exit = os._exit
        pid = os.getpid()

        def intercepted(status: int) -> NoReturn:
            if os.getpid() != pid:  # a forked child: let it exit
                original(status)
            with self._lock:
                self._calls.append(f"thread {threading.current_thread().name!r} called os._exit({status!r})")
            raise ProcessExit(f"os._exit({status!r}) intercepted by the conformance kit")

        self._original = original
        os._exit = intercepted

    def uninstall(self) -> None:
        """Fail with :class:`ProcessExit` if ``os._exit`` was called since :meth:`install`.

        ``os._exit`` is the original again either way.
        """
        if self._original is None:
            return
        os._exit = self._original
        self._original = None
        with self._lock:
            calls, self._calls = self._calls, []
        if calls:
            raise ProcessExit(f"EXIT: during the scenario {'; '.join(calls)}: the pool would have ended the whole process")

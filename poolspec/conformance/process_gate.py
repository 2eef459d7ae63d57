"""A gate that tasks in worker processes can wait at: a named pipe (FIFO) in a temporary folder.

A process pool's tasks share no memory with the test, so :class:`poolspec.conformance.gates.Gate` cannot
hold them. A :class:`ProcessGate` is a path instead; a task calls :func:`wait_at` with it (both are
picklable). While the gate is shut the path is a FIFO that nobody writes to, and a reader waits for
it to become readable. :meth:`ProcessGate.open` writes to the FIFO, which wakes every reader that
opened it, and then atomically replaces it by a regular file, which is readable at once for every
reader that comes later. So a task that arrives before or after the opening passes, and none waits
past its limit. POSIX only (``os.mkfifo``); on Linux a FIFO nobody has written to is not readable.
"""

from __future__ import annotations

import os
import select
import shutil
import tempfile
import weakref
from pathlib import Path


class GateNeverOpened(Exception):
    """Raised by :func:`wait_at` (in the worker) when the gate stays shut past the limit."""


class ProcessGate:
    """A gate at :attr:`path`, shut until :meth:`open`; the folder goes when the gate is collected."""

    def __init__(self) -> None:
        folder = tempfile.mkdtemp(prefix="poolspec-gate-")
        weakref.finalize(self, shutil.rmtree, folder, True)
        self.path = str(Path(folder) / "gate")
        os.mkfifo(self.path)
        self._opened = False

    def open(self) -> None:
        """Let every task waiting at the gate, and every later one, through (only the first call acts)."""
        if self._opened:
            return
        self._opened = True
        writer = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)  # never blocks, reader or not
        try:
            os.write(writer, b"open")
            opened = self.path + ".open"
            Path(opened).touch()
            os.replace(opened, self.path)
        finally:
            os.close(writer)


def wait_at(path: str, limit: float) -> None:
    """Wait until the :class:`ProcessGate` at ``path`` is open; :class:`GateNeverOpened` after ``limit`` s."""
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        readable, _, _ = select.select([reader], [], [], limit)
    finally:
        os.close(reader)
    if not readable:
        raise GateNeverOpened(f"HANG: a gate of the scenario was not opened within {limit:g} s")

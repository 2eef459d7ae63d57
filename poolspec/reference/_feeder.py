"""The feeder thread of an ``imap``: reads the input and submits it as tasks, off the caller's thread.

Each ``imap``/``imap_unordered`` call gets its own feeder, so a slow or blocking input delays only
its own results, never other jobs (the stdlib reads every job's input on one shared thread, so one
blocking input stalls the whole pool). The exception is an input that can neither block nor run
user code, a ``list``, ``tuple`` or ``range`` without ``buffersize``: ``ThreadPool._imap`` submits
all of its chunks from the calling thread, as ``map`` does, and then reports ``input_ended`` itself.

Free-threaded Python
--------------------
Correct with the GIL and on the free-threaded build (3.13t and later): a feeder's state is its own
(its locals and attributes, set before it starts); it waits for room through its job, whose
:class:`~poolspec.reference._throttle.Throttle` changes only under its own lock; tasks are enqueued
through :meth:`Engine.feed` under the engine's lock; and the only read without a lock is the job's
``abandoned`` hint (an atomic attribute load; see ``_iterators``).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Iterator, List, Optional, Protocol

from ._engine import Engine, Job


class FedJob(Job, Protocol):
    """What a feeder needs of the job it feeds (an imap iterator)."""

    @property
    def abandoned(self) -> bool:
        """True once the pool gave up on the job: reading more input would be wasted."""

    def input_ended(self, items: int, tasks: int, error: Optional[BaseException]) -> None:
        """All input was read (``error`` is None) or reading it raised ``error``."""

    def wait_for_room(self) -> None:
        """Return once one more task may be submitted (``buffersize``); at once without a bound."""

    def unthrottle(self) -> None:
        """Lift the bound for good: the pool is closing, and the rest of the input must be read."""


class Feeder(threading.Thread):
    """Reads ``chunksize`` items at a time from the input and submits each chunk as one task."""

    def __init__(
        self,
        engine: Engine,
        job: FedJob,
        inputs: Iterator[Any],
        chunksize: int,
    ) -> None:
        super().__init__(name="poolspec.reference.ThreadPool feeder", daemon=True)
        self._engine = engine
        self._job = job
        self._inputs = inputs
        self._chunksize = chunksize

    def closing(self) -> None:
        """The pool is closing: read the rest of the input without waiting for the consumer."""
        self._job.unthrottle()

    def run(self) -> None:
        try:
            self._feed()
        finally:
            self._engine.feeder_stopped(self)

    def _feed(self) -> None:
        # With imap's default chunksize of 1 this loop runs once per item: it keeps to locals.
        engine, job, inputs, size = self._engine, self._job, self._inputs, self._chunksize
        wait_for_room = job.wait_for_room
        items = tasks = 0
        while True:
            wait_for_room()
            if job.abandoned:
                return
            chunk: List[Any] = []
            error = None
            try:
                for item in itertools.islice(inputs, size):
                    chunk.append(item)
            except BaseException as exc:  # noqa: BLE001 - the consumer gets it at its position
                error = exc
            if chunk:
                if not engine.feed(job, items, chunk):
                    return  # given up meanwhile: the iteration ends with the reason
                items += len(chunk)
                tasks += 1
            if error is not None or len(chunk) < size:
                job.input_ended(items, tasks, error)
                return

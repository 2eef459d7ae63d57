"""gevent's ``gevent.threadpool.ThreadPool``, behind the stdlib's constructor signature, as a new user writes it.

gevent's thread pool runs functions in real threads, and its ``apply``, ``apply_async``, ``map``,
``map_async``, ``imap`` and ``imap_unordered`` look like the stdlib's. It needs ``maxsize``, so the
kit cannot build it directly; :func:`ThreadPool` takes the stdlib's ``processes=None,
initializer=None, initargs=()`` and builds it with ``maxsize=processes`` (the CPU count for
``None``). gevent's pool has no initializer, so one given is rejected with ``TypeError``.

Where it is not the stdlib's API: no ``starmap``, ``starmap_async``, ``close``, ``terminate``, no
context manager and no ``error_callback``; results are greenlets (``get(block=True,
timeout=None)``: a positional ``get(0.1)`` blocks, ``get(timeout=0.1)`` raises ``gevent.Timeout``;
no ``wait()``, ``successful()`` does not raise while pending); ``imap(func, *iterables)`` takes a
chunksize as a second iterable; ``processes=0`` is accepted; the pool and its results belong to
the hub of the thread that built the pool, and raise when used from another thread.

What a user of the kit should see: most clauses fail, each as ``MISSING`` (a method the clause
uses is not there) or for one of the differences above, with a summary and a report, in minutes.
The header names the signature deviations (``map()`` and ``map_async()`` have no ``chunksize``,
``apply_async()`` and ``map_async()`` no ``error_callback``); a test whose call one of them refuses
fails as ``SIGNATURE``, which fails ``api.signatures``, and its own clauses are not observed.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional, Sequence

import gevent.threadpool  # type: ignore[import-untyped, unused-ignore]


def ThreadPool(processes: Optional[int] = None, initializer: Optional[Callable[..., Any]] = None, initargs: Sequence[Any] = ()) -> gevent.threadpool.ThreadPool:  # noqa: N802 - the name users look for
    """A gevent thread pool of ``processes`` threads (the CPU count if ``None``)."""
    if initializer is not None:
        raise TypeError("gevent's ThreadPool has no initializer")
    return gevent.threadpool.ThreadPool(maxsize=processes if processes is not None else os.cpu_count() or 1)

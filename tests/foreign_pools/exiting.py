"""A pool that ends the whole process, from its callback thread, when a callback raises.

billiard's pool (Celery's fork of ``multiprocessing``) treats an exception in a callback as fatal
and ends the process with ``os._exit``; this pool does the same in a subclass of the stdlib's
``ThreadPool``: a ``callback`` or ``error_callback`` that raises prints its traceback and calls
``os._exit(1)`` on the pool's result-handler thread. Everything else is the stdlib's behaviour.

What a user of the kit should see: the run goes on to the end; the clauses whose scenarios make a
callback raise fail as ``EXIT`` (a pool thread called ``os._exit``), and the other clauses have the
stdlib's outcomes (with the stdlib's baseline, its own bugs as expected failures).
"""

from __future__ import annotations

import functools
import multiprocessing.pool
import os
import traceback
from typing import Any, Callable, Optional


def _fatal_on_error(callback: Optional[Callable[[Any], Any]]) -> Optional[Callable[[Any], Any]]:
    """``callback``, changed so that an exception it raises ends the process."""
    if callback is None:
        return None

    @functools.wraps(callback)
    def call(value: Any) -> Any:
        try:
            return callback(value)
        except BaseException:  # noqa: BLE001 - fatal, by design
            traceback.print_exc()
            os._exit(1)

    return call


class ThreadPool(multiprocessing.pool.ThreadPool):
    """The stdlib's ``ThreadPool``, except that a raising callback ends the process."""

    def apply_async(self, func: Any, args: Any = (), kwds: Any = {}, callback: Any = None, error_callback: Any = None) -> Any:  # noqa: B006 - the stdlib's signature
        return super().apply_async(func, args, kwds, _fatal_on_error(callback), _fatal_on_error(error_callback))

    def _map_async(self, func: Any, iterable: Any, mapper: Any, chunksize: Any = None, callback: Any = None, error_callback: Any = None) -> Any:
        return super()._map_async(func, iterable, mapper, chunksize, _fatal_on_error(callback), _fatal_on_error(error_callback))  # type: ignore[misc]

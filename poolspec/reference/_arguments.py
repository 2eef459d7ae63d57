"""Validation of the arguments that the stdlib pool checks late, wrongly, or not at all.

Every check here raises at the call, in the caller's thread, with the exception type the stdlib
uses where it has one (``TypeError`` for a wrong type, ``ValueError`` for a wrong value).

The checks are pure functions of their arguments: no state is shared between threads, on either build.
"""

from __future__ import annotations

import operator
import os
from typing import Any, Callable, Optional, Tuple


def worker_count(processes: Optional[int]) -> int:
    """The number of workers: ``processes``, or the CPU count the stdlib uses for ``None``.

    ``None`` means ``os.process_cpu_count()`` where it exists (3.13+), else ``os.cpu_count()``,
    else 1.
    """
    if processes is None:
        count_cpus = getattr(os, "process_cpu_count", os.cpu_count)
        return count_cpus() or 1
    count = _integer("processes", processes)
    if count < 1:
        raise ValueError("Number of processes must be at least 1")
    return count


def initializer_call(initializer: Optional[Callable[..., object]], initargs: Any) -> Optional[Tuple[Callable[..., object], Tuple[Any, ...]]]:
    """The initializer and its arguments as one call, or ``None`` when there is no initializer."""
    if initializer is None:
        return None
    if not callable(initializer):
        raise TypeError("initializer must be a callable")
    return initializer, _argument_tuple("initargs", initargs)


def task_function(func: Any) -> None:
    """Reject a ``func`` that cannot be called (the stdlib fails only when the task runs)."""
    if not callable(func):
        raise TypeError(f"func must be callable, not {type(func).__name__}")


def callback(name: str, value: Any) -> None:
    """Reject a callback that is neither ``None`` nor callable (it would wedge the stdlib)."""
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be callable or None, not {type(value).__name__}")


def call_arguments(args: Any, kwds: Any) -> Tuple[Tuple[Any, ...], dict[str, Any]]:
    """``args`` as a tuple and ``kwds`` as a dict, copied now so later mutation cannot leak in.

    ``kwds`` may be anything ``func(**kwds)`` takes: an object with ``keys()`` whose items
    ``__getitem__`` gives, a ``Mapping`` or not (``sqlite3.Row``); ``dict(kwds)`` reads it the same
    way. An error raised while reading it is the caller's own and propagates as it is.
    """
    if not hasattr(kwds, "keys"):
        raise TypeError(f"kwds must be a mapping (have keys() and __getitem__), not {type(kwds).__name__}")
    return (args if type(args) is tuple else _argument_tuple("args", args)), dict(kwds)


def chunksize(value: Any) -> int:
    """A chunksize given by the caller: an integer of at least 1.

    The stdlib's ``map`` returns ``[None] * n`` for 0 or a negative size and never completes for a
    float one; both are rejected here.
    """
    size = _integer("chunksize", value)
    if size < 1:
        raise ValueError(f"Chunksize must be 1+, not {size}")
    return size


def buffersize(value: Any) -> Optional[int]:
    """``imap``'s ``buffersize``: ``None`` (no bound) or an integer of at least 1, rejected otherwise
    with CPython 3.16's messages."""
    if value is None:
        return None
    try:
        size = operator.index(value)
    except TypeError:
        raise TypeError("buffersize must be an integer or None") from None
    if size < 1:
        raise ValueError("buffersize must be None or > 0")
    return size


def default_chunksize(items: int, workers: int) -> int:
    """The stdlib's default ``map`` chunksize: about four chunks per worker, at least 1."""
    chunks, remainder = divmod(items, 4 * workers)
    return max(chunks + bool(remainder), 1)


def _integer(name: str, value: Any) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}") from None


def _argument_tuple(name: str, value: Any) -> Tuple[Any, ...]:
    """``value`` read into a tuple; ``TypeError`` if it is no iterable at all.

    As ``func(*value)`` does, only a value whose type has neither ``__iter__`` nor ``__getitem__``
    is reported as not iterable: an exception raised while an iterable is read, a ``TypeError``
    included, is the caller's own and propagates as it is.
    """
    kind = type(value)
    if not (hasattr(kind, "__iter__") or hasattr(kind, "__getitem__")):
        raise TypeError(f"{name} must be an iterable, not {kind.__name__}")
    return tuple(value)

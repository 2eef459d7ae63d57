"""Validation of the arguments that the stdlib pool checks late, wrongly, or not at all.

Every check here raises at the call, in the caller's thread, with the exception type the stdlib
uses where it has one (``TypeError`` for a wrong type, ``ValueError`` for a wrong value).

The checks are pure functions of their arguments: no state is shared between threads, on either build.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Callable, Optional, Tuple


_PLAIN_MAPPINGS = (dict, MappingProxyType)  # the pool's default ``kwds`` is a MappingProxyType


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


def initializer_call(
    initializer: Optional[Callable[..., object]], initargs: Any
) -> Optional[Tuple[Callable[..., object], Tuple[Any, ...]]]:
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
    """``args`` as a tuple and ``kwds`` as a dict, copied now so later mutation cannot leak in."""
    if type(kwds) not in _PLAIN_MAPPINGS and not isinstance(kwds, Mapping):  # spares the slow ABC check
        raise TypeError(f"kwds must be a mapping, not {type(kwds).__name__}")
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
    """``imap``'s ``buffersize``: ``None`` (no bound) or an integer of at least 1."""
    if value is None:
        return None
    size = _integer("buffersize", value)
    if size < 1:
        raise ValueError(f"buffersize must be None or 1+, not {size}")
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
    try:
        return tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be an iterable, not {type(value).__name__}") from None

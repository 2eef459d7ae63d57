"""The exceptions of the reference pool.

``TimeoutError`` *is* :class:`multiprocessing.TimeoutError` (the same class object), so code that
catches the stdlib's class keeps working. The other classes report what the stdlib never reports:
the stdlib leaves such results pending forever instead.

Exception classes only: nothing here is shared between threads, on either build.
"""

from __future__ import annotations

from multiprocessing import TimeoutError

__all__ = ["InitializerError", "PoolError", "PoolTerminatedError", "TimeoutError"]


class PoolError(RuntimeError):
    """Base of the errors with which the pool fails a result it could not complete."""


class PoolTerminatedError(PoolError):
    """The pool was terminated before this result completed.

    The stdlib leaves such a result pending forever, so an unbounded ``get()`` blocks forever.
    """


class InitializerError(PoolError):
    """A worker's initializer raised, so the pool cannot run tasks.

    The initializer's own exception is the ``__cause__``. The stdlib instead keeps the result
    pending forever (bpo-43306 / gh-87472).
    """

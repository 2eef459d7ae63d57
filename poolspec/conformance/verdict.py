"""The suite's one way to fail a test on what the pool did: ``<call>: <observed>; expected <expected>``.

Every verdict of the suite on a pool reads the same way: first the call as the pool saw it (the
input, drawn values included, so the message shows the smallest input hypothesis found), then what
the pool was seen to do, then what the clause requires. The clause itself is not repeated: the
report heads every failure with the statement of each clause its test checks
(:class:`poolspec.conformance.failures.ClauseFailure`). A listing that does not fit on one line (the
outcome of each item, the stacks of threads) follows as ``details``, after a blank line.

Only verdicts on the pool use it. The kit's own trouble is not a verdict: it is ``UNOBSERVED``
(:func:`poolspec.conformance.unobserved.unobserved`), a ``HANG`` or ``THREADS LEFT``, whose kind
comes from its exception class.

Call it as ``if not ok: mismatch(...)``, like ``assert ok, message``: the message is built only when
the check fails (some cannot be built when it holds).
"""

from __future__ import annotations

from typing import NoReturn


def mismatch(call: str, observed: str, expected: str, details: str = "") -> NoReturn:
    """Fail the test: ``call`` did ``observed`` where the clause requires ``expected``.

    It raises ``AssertionError``, so pytest and the report show it as an assertion of the suite
    (the pool's own exceptions keep their kind), with this function left out of the traceback.
    """
    __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
    message = f"{call}: {observed}; expected {expected}"
    raise AssertionError(f"{message}\n\n{details}" if details else message)


def gave(outcome: object) -> str:
    """What a call did, for :func:`mismatch`'s ``observed``: ``raised <repr>`` for an exception, else ``returned <repr>``.

    Exceptions keep their message (``repr``), which the report reads to tell a missing method.
    """
    if isinstance(outcome, BaseException):
        return f"raised {outcome!r}"
    return f"returned {outcome!r}"

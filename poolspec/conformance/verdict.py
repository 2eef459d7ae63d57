"""The suite's one way to fail a test on what the pool did: ``<call>: <observed>; expected <expected>``.

Every verdict of the suite on a pool reads the same way: first the call as the pool saw it (the
input, drawn values included, so the message shows the smallest input hypothesis found), then what
the pool was seen to do, then what the clause requires. The clause itself is not repeated: the
report heads every failure with the statement of each clause its test checks
(:class:`poolspec.conformance.failures.ClauseFailure`). A listing that does not fit on one line (the
outcome of each item, the stacks of threads) follows as ``details``, after a blank line. What a
call did reads alike everywhere: :func:`gave` (``returned 3``, ``raised ValueError('x')``),
:func:`told` and :func:`wanted` for a tagged :data:`Outcome`, :func:`listed` for an iterator's outcomes in a row.

Only verdicts on the pool use it. The kit's own trouble is not a verdict: it is ``UNOBSERVED``
(:func:`poolspec.conformance.unobserved.unobserved`), a ``HANG`` or ``THREADS LEFT``, whose kind
comes from its exception class.

Call it as ``if not ok: mismatch(...)``, like ``assert ok, message``: the message is built only when
the check fails (some cannot be built when it holds).
"""

from __future__ import annotations

from typing import Any, Iterable, NoReturn, Tuple

Outcome = Tuple[str, Any]
"""One call's outcome, tagged, because a pool may return (or yield) an exception object: ``("value", v)``
where it returned ``v``, ``("raised", e)`` where it raised ``e``, the exception or its ``repr`` (a text,
where outcomes must be compared, counted or sorted)."""


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
    return returned(outcome)


def returned(value: object) -> str:
    """What a call that returned did, for :func:`mismatch`'s ``observed``: ``returned <repr>``, an exception object too."""
    return f"returned {value!r}"


def told(outcome: Outcome) -> str:
    """:func:`gave` for a tagged :data:`Outcome`: ``returned <repr>`` (an exception object too, if it was returned) or ``raised <exception>``."""
    kind, value = outcome
    return f"returned {value!r}" if kind == "value" else f"raised {_exception_text(value)}"


def wanted(outcome: Outcome) -> str:
    """A tagged :data:`Outcome` as :func:`mismatch`'s ``expected``: ``3``, or ``to raise WorkloadError(2)``."""
    kind, value = outcome
    return repr(value) if kind == "value" else f"to raise {_exception_text(value)}"


def listed(outcomes: Iterable[Outcome]) -> str:
    """Outcomes in a row, an iterator's, for ``observed`` or ``expected``: ``[3, raise TaskError('item', -1), 9]``."""
    return "[" + ", ".join(repr(value) if kind == "value" else f"raise {_exception_text(value)}" for kind, value in outcomes) + "]"


def _exception_text(error: object) -> str:
    """A raised exception as a verdict shows it: its ``repr``, which a text already is."""
    return error if isinstance(error, str) else repr(error)

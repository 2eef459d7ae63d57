"""The tasks several suite modules hand to pools, and the exception the failing ones raise.

Module-level functions of their arguments only, so that a process pool can pickle them too. A
task that shares state with its scenario (a gate, a counter, a list of what ran) is a closure of
the test that needs it.
"""

from __future__ import annotations

from typing import Any, NoReturn


class TaskError(Exception):
    """What the failing tasks of a scenario raise: ``TaskError(*args)``, args as the test chose them."""


def triple(x: int) -> int:
    """``3 * x``: a result that shows which item it came from."""
    return 3 * x


def negate(x: int) -> int:
    return -x


def fail(*args: Any) -> NoReturn:
    """Raise ``TaskError(*args)``."""
    raise TaskError(*args)

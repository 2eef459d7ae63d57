"""The poolspec conformance kit: ``pytest --impl=module[:attr]`` checks a ThreadPool, clause by clause."""

from __future__ import annotations

from typing import Any, Callable, Iterable, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])


def checks(*clause_ids: str, needs: Iterable[str] = ()) -> Callable[[F], F]:
    """Declare the clauses a test of the suite checks (ids from :mod:`poolspec.conformance.clauses`).

    ``needs`` names capabilities this test needs beyond its clauses' own (for example
    ``threads``, when only this way of checking the clause shares objects with the tasks).
    """
    return pytest.mark.clause(*clause_ids, needs=tuple(needs))

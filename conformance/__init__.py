"""The poolspec conformance kit: ``pytest --impl=module[:attr]`` checks a ThreadPool, clause by clause."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])


def checks(*clause_ids: str) -> Callable[[F], F]:
    """Declare the clauses a test of the suite checks (ids from :mod:`conformance.clauses`)."""
    return pytest.mark.clause(*clause_ids)

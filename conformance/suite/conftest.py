"""Fixtures of the conformance suite; they exist only when an implementation is being checked."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.impl import Implementation
from conformance.plugin import KIT
from conformance.pools import Pools


@pytest.fixture(scope="session")
def impl(pytestconfig: pytest.Config) -> Implementation:
    """The implementation under test."""
    kit = pytestconfig.stash.get(KIT, None)
    if kit is None:
        pytest.skip("no implementation given: run with --impl=module[:attr]")
    return kit.impl


@pytest.fixture
def make_pool(pytestconfig: pytest.Config, impl: Implementation) -> Pools:
    """Makes pools of the implementation; the scenario runs bounded and is cleaned up after."""
    return Pools(impl, pytestconfig.stash[KIT].hang_limit)


@pytest.fixture(autouse=True)
def poolspec_clause(request: pytest.FixtureRequest) -> Any:
    """The clause ids the test checks (they are in its test id)."""
    return getattr(request, "param", None)

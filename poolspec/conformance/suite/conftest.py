"""Fixtures of the conformance suite; they exist only when an implementation is being checked."""

from __future__ import annotations

import random
from typing import Any, Callable

import pytest

from poolspec.conformance.impl import Implementation
from poolspec.conformance.kit import KIT
from poolspec.conformance.limits import Limits
from poolspec.conformance.plugin import NO_IMPLEMENTATION
from poolspec.conformance.scenario import GUARDED, SCENARIOS, Scenario


@pytest.fixture(scope="session")
def impl(pytestconfig: pytest.Config) -> Implementation:
    """The implementation under test."""
    kit = pytestconfig.stash.get(KIT, None)
    if kit is None:
        pytest.skip(NO_IMPLEMENTATION)
    return kit.impl


@pytest.fixture
def scenario(request: pytest.FixtureRequest, pytestconfig: pytest.Config, impl: Implementation) -> Scenario:
    """Pools of the implementation, gates and bounded calls; the test runs bounded and is cleaned up after.

    The plugin runs the test (each hypothesis example of it) through this scenario's lifecycle.
    """
    made = Scenario(impl, Limits(pytestconfig.stash[KIT].hang_limit))
    request.node.stash.setdefault(SCENARIOS, []).append(made)
    request.node.stash[GUARDED] = made
    return made


@pytest.fixture
def stress(pytestconfig: pytest.Config) -> int:
    """``--poolspec-stress``: how many threads a stress scenario runs at once (0: a plain run)."""
    return pytestconfig.stash[KIT].stress


@pytest.fixture
def scenario_random(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> random.Random:
    """A random generator for a scenario drawn without hypothesis (:mod:`poolspec.conformance.rounds` says why).

    It is seeded by the run's hypothesis seed (fixed when the profile is derandomised) and the
    test's name, so a run with the same ``--hypothesis-seed`` draws the same scenario.
    """
    return random.Random(f"{pytestconfig.stash[KIT].seed or 'derandomized'}:{request.node.name}")


@pytest.fixture(autouse=True)
def poolspec_clause(request: pytest.FixtureRequest) -> Any:
    """The clause ids the test checks (they are in its test id)."""
    return getattr(request, "param", None)


@pytest.fixture
def example_scenarios(request: pytest.FixtureRequest, pytestconfig: pytest.Config, impl: Implementation) -> Callable[[], Scenario]:
    """Makes the :class:`Scenario` of each example of a stateful (``RuleBasedStateMachine``) test, or of a stress test.

    The plugin runs a test that uses ``scenario`` as ONE scenario bounded by the hang limit, with
    the cleanup after it; a whole state-machine run (many examples of many steps) would not fit in
    that limit, and its pools would pile up until the end. So a stateful test uses this fixture
    instead, and the bound and cleanup are per example and per step:

    * the machine makes its ``Scenario`` when it is made, and calls ``scenario.lifecycle.begin()``;
    * every call of a step that could block goes through ``bounded()``, so no step blocks past
      the hang limit (a step that does fails as HANG, which hypothesis does not shrink);
    * the machine's ``teardown()`` calls ``scenario.lifecycle.end(failure)``: the example's gates
      are opened and its pools terminated and joined (abandoned after a HANG), and after a passing
      example no thread it started may be left (THREADS LEFT).
    """
    limits = Limits(pytestconfig.stash[KIT].hang_limit)
    made = request.node.stash.setdefault(SCENARIOS, [])

    def example() -> Scenario:
        scenario = Scenario(impl, limits)
        made.append(scenario)
        return scenario

    return example

"""Clauses of the api family: the methods take the stdlib's parameters."""

from __future__ import annotations

from poolspec.conformance import checks
from poolspec.conformance.capabilities import API
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.signatures import deviations, unreadable
from poolspec.conformance.unobserved import unobserved


@checks("api.signatures")
def test_every_method_takes_the_stdlibs_parameters(scenario: Scenario) -> None:
    pool = scenario.pool(1)
    found = deviations(pool, API)
    assert not found, f"the pool's methods take other parameters than the stdlib's: {'; '.join(map(str, found))}"
    cannot_read = unreadable(pool, API)
    if cannot_read:
        unobserved(f"the kit cannot read the signature of {', '.join(f'{name}()' for name in cannot_read)} (inspect.signature)")

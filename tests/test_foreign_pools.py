"""The self-check on foreign pools: the kit gives every clause of each the outcome recorded for it.

Each pool of :mod:`tests.foreign_pools` runs in a subprocess of its own, as a user would run the
kit on it; the run must finish with a report within the limit, and every clause must have the
outcome of ``tests/foreign_pools/expected/<name>.txt``, so that a false blame once fixed cannot
come back unseen. These tests are marked ``foreign``; the ``foreign`` tox environment runs them
(``--durations`` shows how long the kit took on each pool). The tests below them are cheap and
run with the others.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Callable

import pytest

from poolspec.conformance.clauses import CLAUSES
from poolspec.conformance.report import CLAUSE_OUTCOMES

from .foreign_pools import POOLS, RUN_LIMIT, ForeignPool, differences, read_expected, run

UPDATE = "python -m tests.foreign_pools --update"


@pytest.mark.foreign
@pytest.mark.timeout(RUN_LIMIT + 30)  # the kit's own limit, not pytest-timeout's default, ends a run that hangs
@pytest.mark.parametrize("pool", POOLS, ids=[pool.name for pool in POOLS])
def test_the_kit_gives_each_clause_of_the_foreign_pool_its_expected_outcome(pool: ForeignPool, tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    if pool.requires:
        pytest.importorskip(pool.requires)
    expected = read_expected(pool)
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if expected.python != here:
        pytest.skip(f"{pool.expected_file.name} holds the outcomes on Python {expected.python}, not {here}")
    kit_run = run(pool, tmp_path / "report.json")
    record_property("kit_seconds", round(kit_run.seconds, 1))
    if kit_run.report is None:
        pytest.fail(f"killed by hang: the kit on {pool.spec} did not finish within {RUN_LIMIT} s; it was in {kit_run.running_when_killed()}")
    differing = differences(expected, kit_run.report)
    assert not differing, (
        f"the kit on {pool.spec} ({kit_run.seconds:.0f} s) gave {len(differing)} clause(s) another outcome than "
        f"{pool.expected_file.name} (if the change is right: {UPDATE} {pool.name}):\n" + "\n".join(differing)
    )


@pytest.mark.parametrize("pool", POOLS, ids=[pool.name for pool in POOLS])
def test_the_expected_outcomes_name_every_clause_once_sorted(pool: ForeignPool) -> None:
    expected = read_expected(pool)
    lines = [line.split()[0] for line in pool.expected_file.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert lines == sorted(set(lines)), f"{pool.expected_file.name}: clause ids out of order or repeated"
    assert set(expected.outcomes) == set(CLAUSES), f"{pool.expected_file.name} is not for the current clauses: {UPDATE} {pool.name}"
    unknown = {outcome for outcome, _ in expected.outcomes.values()} - set(CLAUSE_OUTCOMES)
    assert not unknown, f"{pool.expected_file.name}: unknown outcomes {sorted(unknown)}"
    assert expected.python, f"{pool.expected_file.name}: no '# Python X.Y' line"


@pytest.mark.parametrize("pool", POOLS, ids=[pool.name for pool in POOLS])
def test_each_foreign_pool_says_what_a_user_should_see(pool: ForeignPool) -> None:
    if pool.requires:
        pytest.importorskip(pool.requires)
    module = importlib.import_module(pool.spec.partition(":")[0])
    assert module.__doc__ and "should see" in module.__doc__, f"{pool.spec}: its docstring must say what the pool is and what a user of the kit should see"

"""The suite's time limits follow the hang limit, never below what a loaded 2-core machine needs."""

from __future__ import annotations

import pytest

from poolspec.conformance.limits import GLIMPSE_AT_LEAST, PROMPTLY_AT_LEAST, Limits


def test_at_the_default_hang_limit() -> None:
    limits = Limits(10.0)
    assert (limits.promptly, limits.patience, limits.glimpse, limits.helper_process) == (2.0, 5.0, 0.2, 8.0)


@pytest.mark.parametrize("hang", [2.0, 3.0])
def test_a_lower_hang_limit_keeps_the_tolerances(hang: float) -> None:
    limits = Limits(hang)
    assert (limits.promptly, limits.glimpse) == (PROMPTLY_AT_LEAST, GLIMPSE_AT_LEAST)
    assert limits.patience == hang / 2


@pytest.mark.parametrize("hang", [30.0, 45.0])
def test_a_slow_pools_hang_limit_widens_tolerances_and_glimpses_in_proportion(hang: float) -> None:
    limits = Limits(hang)
    assert (limits.promptly, limits.patience, limits.glimpse, limits.helper_process) == pytest.approx((hang / 5, hang / 2, hang / 50, hang * 0.8))

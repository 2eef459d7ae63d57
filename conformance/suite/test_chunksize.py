"""Clauses of the chunksize family."""

from __future__ import annotations

from typing import Any, Callable, Dict

import pytest

from conformance import checks
from conformance.pools import Pools

MAP_FORMS: Dict[str, Callable[[Any, int], Any]] = {
    "map": lambda pool, chunksize: pool.map(abs, [1, 2, 3], chunksize),
    "map_async": lambda pool, chunksize: pool.map_async(abs, [1, 2, 3], chunksize).get(),
    "starmap": lambda pool, chunksize: pool.starmap(abs, [(1,), (2,), (3,)], chunksize),
    "starmap_async": lambda pool, chunksize: pool.starmap_async(abs, [(1,), (2,), (3,)], chunksize).get(),
}
IMAP_FORMS: Dict[str, Callable[[Any, int], Any]] = {
    "imap": lambda pool, chunksize: next(pool.imap(abs, [1, 2, 3], chunksize)),
    "imap_unordered": lambda pool, chunksize: next(pool.imap_unordered(abs, [1, 2, 3], chunksize)),
}


@checks("chunksize.below-one-rejected-by-map")
@pytest.mark.parametrize("chunksize", [0, -1])
@pytest.mark.parametrize("form", list(MAP_FORMS))
def test_map_forms_reject_a_chunksize_below_one(make_pool: Pools, form: str, chunksize: int) -> None:
    pool = make_pool(2)
    with pytest.raises(ValueError):
        result = MAP_FORMS[form](pool, chunksize)
        pytest.fail(f"{form}(abs, [1, 2, 3], chunksize={chunksize}) returned {result!r}")


@checks("chunksize.below-one-rejected-by-imap")
@pytest.mark.parametrize("chunksize", [0, -1])
@pytest.mark.parametrize("form", list(IMAP_FORMS))
def test_imap_forms_reject_a_chunksize_below_one(make_pool: Pools, form: str, chunksize: int) -> None:
    pool = make_pool(2)
    with pytest.raises(ValueError):
        result = IMAP_FORMS[form](pool, chunksize)
        pytest.fail(f"next({form}(abs, [1, 2, 3], chunksize={chunksize})) returned {result!r}")

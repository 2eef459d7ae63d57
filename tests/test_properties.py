"""Property-based: for any drawn workload every form gives what sequential Python gives."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poolspec.reference import ThreadPool


class Boom(Exception):
    pass


Workload = Tuple[List[Optional[int]], int, int]
"""Items (``None`` means that item's call raises), chunksize, workers."""

workloads = st.tuples(
    st.lists(st.one_of(st.integers(-1000, 1000), st.none()), max_size=60),
    st.integers(1, 8),
    st.integers(1, 4),
)


def call(item: Optional[int]) -> int:
    if item is None:
        raise Boom
    return item * 3


def sequential(items: List[Optional[int]]) -> List[Any]:
    """What each item gives: its value, or ``Boom`` for a failing item."""
    return [Boom if item is None else call(item) for item in items]


def drain(iterator: Any) -> List[Any]:
    got: List[Any] = []
    while True:
        try:
            got.append(iterator.next(30))
        except Boom:
            got.append(Boom)
        except StopIteration:
            return got


@given(workloads)
def test_imap_gives_every_outcome_in_input_order(workload: Workload) -> None:
    items, chunksize, workers = workload
    with ThreadPool(workers) as pool:
        assert drain(pool.imap(call, items, chunksize)) == sequential(items)


@given(workloads)
def test_imap_unordered_gives_every_outcome_once(workload: Workload) -> None:
    items, chunksize, workers = workload
    with ThreadPool(workers) as pool:
        got = drain(pool.imap_unordered(call, items, chunksize))
    expected = sequential(items)
    assert sorted(got, key=repr) == sorted(expected, key=repr)


@given(workloads)
@pytest.mark.parametrize("form", ["map", "starmap"])
def test_map_gives_the_list_or_raises_for_a_failing_item(form: str, workload: Workload) -> None:
    items, chunksize, workers = workload
    arguments: List[Any] = [(item,) for item in items] if form == "starmap" else items
    with ThreadPool(workers) as pool:
        if None in items:
            with pytest.raises(Boom):
                getattr(pool, form)(call, arguments, chunksize)
        else:
            assert getattr(pool, form)(call, arguments, chunksize) == sequential(items)


@given(workloads)
def test_apply_async_gives_each_outcome(workload: Workload) -> None:
    items, _, workers = workload
    with ThreadPool(workers) as pool:
        results = [pool.apply_async(call, (item,)) for item in items]
        assert drain(ResultsInOrder(results)) == sequential(items)


class ResultsInOrder:
    """The outcomes of a list of results, through the imap iterator's interface."""

    def __init__(self, results: List[Any]) -> None:
        self._results = iter(results)

    def next(self, timeout: float) -> Any:
        return next(self._results).get(timeout)


def test_strategies_can_draw_failures() -> None:
    """The workloads do include failing items (a guard against a strategy that cannot fail)."""
    from hypothesis import find

    assert find(workloads, lambda w: None in w[0] and len(w[0]) > 3)[0].count(None) >= 1

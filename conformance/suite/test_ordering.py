"""Clauses of the map, imap and imap-unordered families: every result, in the promised order."""

from __future__ import annotations

from typing import List

from hypothesis import given
from hypothesis import strategies as st

from conformance import checks
from conformance.pools import Pools


def triple(x: int) -> int:
    return 3 * x


items = st.lists(st.integers(-1000, 1000), max_size=40)
chunksizes = st.integers(1, 6)


@checks("map.order")
@given(items=items, chunksize=chunksizes)
def test_map_returns_every_result_in_input_order(make_pool: Pools, items: List[int], chunksize: int) -> None:
    assert make_pool(3).map(triple, items, chunksize) == [triple(x) for x in items]


@checks("imap.order")
@given(items=items, chunksize=chunksizes)
def test_imap_yields_every_result_in_input_order(make_pool: Pools, items: List[int], chunksize: int) -> None:
    assert list(make_pool(3).imap(triple, items, chunksize)) == [triple(x) for x in items]


@checks("imap-unordered.permutation")
@given(items=items, chunksize=chunksizes)
def test_imap_unordered_yields_every_result_once(make_pool: Pools, items: List[int], chunksize: int) -> None:
    assert sorted(make_pool(3).imap_unordered(triple, items, chunksize)) == sorted(triple(x) for x in items)


@st.composite
def completion_orders(draw: st.DrawFn) -> List[int]:
    """A permutation of range(n): the order in which the tasks of a scenario must finish."""
    return draw(st.permutations(range(draw(st.integers(1, 8)))))


@checks("map.order")
@given(order=completion_orders())
def test_map_order_holds_whatever_order_tasks_finish_in(make_pool: Pools, order: List[int]) -> None:
    finishing = make_pool.sequencer(order)

    def task(i: int) -> int:
        with finishing.turn(i):
            return triple(i)

    # A worker per task, so that every task can wait for its turn at once.
    assert make_pool(len(order)).map(task, range(len(order)), 1) == [triple(i) for i in range(len(order))]


@checks("imap.order")
@given(order=completion_orders())
def test_imap_order_holds_whatever_order_tasks_finish_in(make_pool: Pools, order: List[int]) -> None:
    finishing = make_pool.sequencer(order)

    def task(i: int) -> int:
        with finishing.turn(i):
            return triple(i)

    assert list(make_pool(len(order)).imap(task, range(len(order)))) == [triple(i) for i in range(len(order))]

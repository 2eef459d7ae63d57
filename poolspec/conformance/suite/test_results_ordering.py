"""Clauses of the apply, map, imap and imap-unordered families: every result, in the promised order."""

from __future__ import annotations

import collections
from typing import Any, Callable, Dict, Iterable, Iterator, List, Sequence, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poolspec.conformance import checks
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.tasks import triple
from poolspec.conformance.verdict import gave, mismatch
from poolspec.conformance.workloads import INPUT_KINDS, call_text, input_text, make_input, raised_by


def describe(*args: Any, **kwds: Any) -> Tuple[Tuple[Any, ...], List[Tuple[str, Any]]]:
    """The arguments a call received, as a value: shows a lost, added or reordered argument."""
    return args, sorted(kwds.items())


items = st.lists(st.integers(-1000, 1000), max_size=40)
chunksizes = st.integers(1, 6)
map_chunksizes = st.none() | st.integers(1, 6)

MAP_FORMS = ("map", "map_async")
STARMAP_FORMS = ("starmap", "starmap_async")


def call_map(pool: Any, form: str, func: Callable[..., Any], iterable: Iterable[Any], chunksize: Any = None) -> Any:
    """``pool.<form>(func, iterable[, chunksize])``; for an ``_async`` form, its ``get()``."""
    args: Tuple[Any, ...] = (func, iterable) if chunksize is None else (func, iterable, chunksize)
    result = getattr(pool, form)(*args)
    return result.get() if form.endswith("_async") else result


# -- apply ---------------------------------------------------------------------------------


class KeysAndItems:
    """A mapping by protocol only, as ``func(**kwds)`` takes it: ``keys()`` and ``__getitem__``, not a ``Mapping`` (like ``sqlite3.Row``)."""

    def __init__(self, items: Dict[str, Any]) -> None:
        self._items = dict(items)

    def keys(self) -> List[str]:
        return list(self._items)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __repr__(self) -> str:
        return f"KeysAndItems({self._items!r})"


KWDS_KINDS: Dict[str, Callable[[Dict[str, int]], Any]] = {
    "dict": dict,
    "OrderedDict": collections.OrderedDict,
    "defaultdict": lambda items: collections.defaultdict(int, items),
    "ChainMap": lambda items: collections.ChainMap(dict(list(items.items())[:1]), dict(list(items.items())[1:])),
    "keys and __getitem__": KeysAndItems,
}
"""Each kind of ``kwds`` that ``func(**kwds)`` takes, made from a dict of the keyword arguments."""


@checks("apply.returns-value")
@pytest.mark.parametrize("form", ["apply", "apply_async"])
@given(
    args=st.lists(st.integers(-5, 5), max_size=4),
    as_list=st.booleans(),
    kwds=st.dictionaries(st.sampled_from("abcd"), st.integers(-5, 5), max_size=3),
    kwds_kind=st.sampled_from(sorted(KWDS_KINDS)),
)
def test_apply_returns_the_calls_value(scenario: Scenario, form: str, args: List[int], as_list: bool, kwds: Dict[str, int], kwds_kind: str) -> None:
    call_args: Sequence[int] = list(args) if as_list else tuple(args)
    call_kwds = KWDS_KINDS[kwds_kind](kwds)
    pool = scenario.pool(2)
    result = pool.apply(describe, call_args, call_kwds) if form == "apply" else pool.apply_async(describe, call_args, call_kwds).get()
    expected = describe(*args, **kwds)
    if result != expected:
        call = f"{form}(describe, {call_args!r}, {call_kwds!r}){'.get()' if form == 'apply_async' else ''}"
        mismatch(call, f"returned {result!r}", f"{expected!r}, what describe(*args, **kwds) returns")


# -- map -----------------------------------------------------------------------------------


class ArgsThatFail:
    """An iterable that yields ``items`` items, then raises ``error_type("reading args", items)``.

    Module-level and made of plain values, so that it pickles (a process pool reads it in a worker).
    """

    def __init__(self, items: int, error_type: type) -> None:
        self.items = items
        self.error_type = error_type

    def __iter__(self) -> Iterator[int]:
        yield from range(self.items)
        raise self.error_type("reading args", self.items)

    def __repr__(self) -> str:
        return f"ArgsThatFail({self.items}, {self.error_type.__name__})"


def call_with(*args: Any) -> Tuple[Any, ...]:
    return args


@checks("apply.args-error-raised")
@pytest.mark.parametrize("error_type", [TypeError, LookupError], ids=["TypeError", "LookupError"])
@pytest.mark.parametrize("items", [0, 2])
@pytest.mark.parametrize("form", ["apply", "apply_async"])
def test_an_error_reading_args_is_raised_as_it_is(scenario: Scenario, form: str, items: int, error_type: type) -> None:
    pool = scenario.pool(2)
    args = ArgsThatFail(items, error_type)
    what = f"{form}(call_with, {args!r}){'.get()' if form == 'apply_async' else ''}"
    call = (lambda: pool.apply(call_with, args)) if form == "apply" else (lambda: pool.apply_async(call_with, args).get())
    raised = raised_by(scenario, call, what, f"{error_type.__name__}('reading args', {items})")
    if type(raised) is not error_type or raised.args != ("reading args", items):
        mismatch(what, gave(raised), f"to raise the {error_type.__name__}('reading args', {items}) that reading args raised")


@checks("map.order")
@given(items=items, chunksize=chunksizes)
def test_map_returns_every_result_in_input_order(scenario: Scenario, items: List[int], chunksize: int) -> None:
    result = scenario.pool(3).map(triple, items, chunksize)
    expected = [triple(x) for x in items]
    if result != expected:
        mismatch(f"map(triple, {items!r}, {chunksize})", f"returned {result!r}", repr(expected))


@st.composite
def completion_orders(draw: st.DrawFn) -> List[int]:
    """A permutation of range(n): the order in which the tasks of a scenario must finish."""
    return draw(st.permutations(range(draw(st.integers(1, 8)))))


@checks("map.order", needs=("threads",))
@given(order=completion_orders())
def test_map_order_holds_whatever_order_tasks_finish_in(scenario: Scenario, order: List[int]) -> None:
    finishing = scenario.sequencer(order)

    def task(i: int) -> int:
        with finishing.turn(i):
            return triple(i)

    # A worker per task, so that every task can wait for its turn at once.
    result = scenario.pool(len(order)).map(task, range(len(order)), 1)
    expected = [triple(i) for i in range(len(order))]
    if result != expected:
        mismatch(f"map(task, range({len(order)}), 1), the tasks finishing in the order {order}", f"returned {result!r}", repr(expected))


@checks("map.async-order")
@given(items=items, chunksize=map_chunksizes)
def test_map_async_gives_every_result_in_input_order(scenario: Scenario, items: List[int], chunksize: Any) -> None:
    result = call_map(scenario.pool(3), "map_async", triple, items, chunksize)
    expected = [triple(x) for x in items]
    if result != expected:
        mismatch(call_text("map_async", "triple", repr(items), chunksize), f"returned {result!r}", repr(expected))


@checks("map.async-order", needs=("threads",))
@given(order=completion_orders())
def test_map_async_order_holds_whatever_order_tasks_finish_in(scenario: Scenario, order: List[int]) -> None:
    finishing = scenario.sequencer(order)

    def task(i: int) -> int:
        with finishing.turn(i):
            return triple(i)

    result = call_map(scenario.pool(len(order)), "map_async", task, range(len(order)), 1)
    expected = [triple(i) for i in range(len(order))]
    if result != expected:
        mismatch(f"map_async(task, range({len(order)}), 1).get(), the tasks finishing in the order {order}", f"returned {result!r}", repr(expected))


argument_sequences = st.lists(
    st.one_of(
        st.lists(st.integers(-9, 9), max_size=3).map(tuple),
        st.lists(st.integers(-9, 9), max_size=3),
        st.text("xyz", max_size=3),
    ),
    max_size=20,
)


@checks("map.starmap-order")
@pytest.mark.parametrize("form", STARMAP_FORMS)
@given(arguments=argument_sequences, chunksize=map_chunksizes)
def test_starmap_unpacks_every_argument_sequence_in_input_order(scenario: Scenario, form: str, arguments: List[Any], chunksize: Any) -> None:
    result = call_map(scenario.pool(3), form, describe, arguments, chunksize)
    expected = [describe(*args) for args in arguments]
    if result != expected:
        mismatch(call_text(form, "describe", repr(arguments), chunksize), f"returned {result!r}", repr(expected))


@checks("map.starmap-order", needs=("threads",))
@pytest.mark.parametrize("form", STARMAP_FORMS)
@given(order=completion_orders())
def test_starmap_order_holds_whatever_order_tasks_finish_in(scenario: Scenario, form: str, order: List[int]) -> None:
    finishing = scenario.sequencer(order)

    def task(i: int, j: int) -> int:
        with finishing.turn(i):
            return i * 10 + j

    arguments = [(i, i + 1) for i in range(len(order))]
    result = call_map(scenario.pool(len(order)), form, task, arguments, 1)
    expected = [i * 10 + j for i, j in arguments]
    if result != expected:
        mismatch(f"{call_text(form, 'task', repr(arguments), 1)}, the tasks finishing in the order {order}", f"returned {result!r}", repr(expected))


ITERABLE_KINDS = ("generator", "iterator", "getitem", "set", "dict", "tuple")


def any_iterable(kind: str, values: List[Any]) -> Any:
    if kind == "set":
        return set(values)
    if kind == "dict":
        return dict.fromkeys(values)
    return make_input(kind, values)


@checks("map.any-iterable")
@pytest.mark.parametrize("form", MAP_FORMS + STARMAP_FORMS)
@given(kind=st.sampled_from(ITERABLE_KINDS), values=st.lists(st.integers(-50, 50), max_size=20), chunksize=map_chunksizes)
def test_map_forms_take_any_finite_iterable(scenario: Scenario, form: str, kind: str, values: List[int], chunksize: Any) -> None:
    star = form.startswith("starmap")
    elements: List[Any] = [(x, x % 3) for x in values] if star else values
    iterable = any_iterable(kind, elements)
    # A set or dict has its own order: the expected results follow that same object's iteration.
    order = list(iterable) if kind in ("set", "dict") else elements
    func = describe if star else triple
    expected = [describe(*args) for args in order] if star else [triple(x) for x in order]
    text = repr(iterable) if kind in ("set", "dict") else input_text(kind, elements)
    result = call_map(scenario.pool(3), form, func, iterable, chunksize)
    if result != expected:
        mismatch(call_text(form, func.__name__, text, chunksize), f"returned {result!r}", repr(expected))


@checks("map.empty-input")
@pytest.mark.parametrize(("kind", "chunksize"), [("list", None), ("generator", 3)])
@pytest.mark.parametrize("form", MAP_FORMS + STARMAP_FORMS)
def test_map_forms_over_an_empty_input_return_an_empty_list_at_once(scenario: Scenario, form: str, chunksize: Any, kind: str) -> None:
    pool = scenario.pool(2)
    what = call_text(form, "triple", input_text(kind, []), chunksize)
    result = scenario.bounded(lambda: call_map(pool, form, triple, make_input(kind, []), chunksize), what, limit=scenario.limits.promptly)
    if result != []:
        mismatch(what, f"returned {result!r}", "[]")


@checks("map.returns-list")
@pytest.mark.parametrize("kind", ["list", "tuple", "generator", "empty"])
@pytest.mark.parametrize("form", MAP_FORMS + STARMAP_FORMS)
def test_map_forms_return_a_list(scenario: Scenario, form: str, kind: str) -> None:
    elements: List[Any] = [] if kind == "empty" else [(1,), (2,), (3,)] if form.startswith("starmap") else [1, 2, 3]
    iterable_kind = "list" if kind == "empty" else kind
    result = call_map(scenario.pool(2), form, abs, make_input(iterable_kind, elements))
    if not isinstance(result, list):
        mismatch(call_text(form, "abs", input_text(iterable_kind, elements)), f"returned a {type(result).__name__}: {result!r}", "a list")


# -- imap ----------------------------------------------------------------------------------


@checks("imap.order")
@given(items=items, chunksize=chunksizes)
def test_imap_yields_every_result_in_input_order(scenario: Scenario, items: List[int], chunksize: int) -> None:
    result = list(scenario.pool(3).imap(triple, items, chunksize))
    expected = [triple(x) for x in items]
    if result != expected:
        mismatch(f"imap(triple, {items!r}, {chunksize})", f"yielded {result!r}", repr(expected))


@checks("imap.order", needs=("threads",))
@given(order=completion_orders())
def test_imap_order_holds_whatever_order_tasks_finish_in(scenario: Scenario, order: List[int]) -> None:
    finishing = scenario.sequencer(order)

    def task(i: int) -> int:
        with finishing.turn(i):
            return triple(i)

    result = list(scenario.pool(len(order)).imap(task, range(len(order))))
    expected = [triple(i) for i in range(len(order))]
    if result != expected:
        mismatch(f"imap(task, range({len(order)})), the tasks finishing in the order {order}", f"yielded {result!r}", repr(expected))


@checks("imap.empty-input")
@pytest.mark.parametrize(("kind", "chunksize"), [("list", 1), ("generator", 3)])
@pytest.mark.parametrize("form", ["imap", "imap_unordered"])
def test_imap_over_an_empty_input_is_exhausted_at_once(scenario: Scenario, form: str, chunksize: int, kind: str) -> None:
    pool = scenario.pool(2)
    what = f"list({form}(triple, {input_text(kind, [])}, {chunksize}))"
    result = scenario.bounded(lambda: list(getattr(pool, form)(triple, make_input(kind, []), chunksize)), what, limit=scenario.limits.promptly)
    if result != []:
        mismatch(what, f"returned {result!r}", "[]")


# -- imap_unordered ------------------------------------------------------------------------


@checks("imap-unordered.permutation")
@given(items=items, chunksize=chunksizes, kind=st.sampled_from(INPUT_KINDS))
def test_imap_unordered_yields_every_result_once(scenario: Scenario, items: List[int], chunksize: int, kind: str) -> None:
    result = list(scenario.pool(3).imap_unordered(triple, make_input(kind, items), chunksize))
    expected = sorted(triple(x) for x in items)
    if sorted(result) != expected:
        mismatch(f"imap_unordered(triple, {input_text(kind, items)}, {chunksize})", f"yielded {result!r}", f"a permutation of {expected!r}")


@checks("imap-unordered.one-worker-in-order")
@pytest.mark.parametrize("read", ["as-they-come", "after-join"])
@given(items=items, chunksize=chunksizes, kind=st.sampled_from(INPUT_KINDS))
def test_imap_unordered_with_one_worker_keeps_input_order(scenario: Scenario, read: str, items: List[int], chunksize: int, kind: str) -> None:
    # Read after close() and join() too: every result is then waiting at once, which a pool that
    # keeps them unordered (a set, a dict of futures) yields in its own order.
    pool = scenario.pool(1)
    iterator = pool.imap_unordered(triple, make_input(kind, items), chunksize)
    if read == "after-join":
        pool.close()
        scenario.bounded(pool.join, "join() after close()")
    result = list(iterator)
    expected = [triple(x) for x in items]
    if result != expected:
        read_when = ", read after close(); join()" if read == "after-join" else ""
        mismatch(f"ThreadPool(1).imap_unordered(triple, {input_text(kind, items)}, {chunksize}){read_when}", f"yielded {result!r}", repr(expected))

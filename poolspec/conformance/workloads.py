"""Workloads for the clause suite: items with chosen outcomes, input kinds, and hypothesis strategies.

A :class:`Workload` is one call into a pool, drawn in full before the pool runs: the submission
form, the items and what each one does when it runs (return its value, raise
:class:`WorkloadError`, or wait for a gate the scenario opens and then return its value), the
chunksize, the number of workers and the kind of iterable the items come in. Its ``repr`` reads
like the call, so a shrunk counterexample is its own reproduction::

    ThreadPool(2).imap(perform, iter([ok(0), fail(1), blocked(2)]), chunksize=2)

The task functions (:func:`perform`, :func:`perform_star`) are module-level functions of the
item, so they pickle; only a workload with blocked items wraps them in a closure over its gate.

The module also holds what several suite modules share: the input kinds (:func:`make_input`,
:class:`GetItemOnly`, :func:`input_text`), how a call of a map or imap form reads (:func:`call_text`), :func:`soon` (a call bounded well within the scenario's own bound), :func:`raised_by` (the exception such a call raises),
:func:`outcome_of` (a call's value or exception), :func:`outcome_within` (a result's or an iterator's outcome, waited for with its own timeout) and
:class:`Background` (a call into the pool running on a kit thread while the scenario goes on).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Type, TypeVar

from hypothesis import strategies as st

from .gates import Gate
from .scenario import Scenario
from .verdict import mismatch
from .watchdog import RUNNER_PREFIX, Hang

T = TypeVar("T")

MAP_FORMS = ("map", "map_async", "starmap", "starmap_async")
IMAP_FORMS = ("imap", "imap_unordered")
APPLY_FORMS = ("apply_async",)
ALL_FORMS = MAP_FORMS + IMAP_FORMS + APPLY_FORMS

INPUT_KINDS = ("list", "tuple", "generator", "iterator", "getitem")
"""The kinds of iterable a workload's items come in; see :func:`make_input`."""

OK, FAIL, BLOCKED = "ok", "fail", "blocked"


class WorkloadError(Exception):
    """What a failing item raises: ``args == (index,)``, so every failure names its item."""

    def __init__(self, index: int) -> None:
        super().__init__(index)

    @property
    def index(self) -> int:
        return int(self.args[0])


def value_of(index: int) -> int:
    """The value the item at ``index`` returns: distinct from the index, so a swap shows."""
    return 3 * index + 1


class Item(NamedTuple):
    """One item of a workload: its position and what it does when it runs.

    A tuple, so that ``starmap(perform_star, items)`` calls ``perform_star(position, kind)``.
    """

    position: int
    kind: str

    def __repr__(self) -> str:
        return f"{self.kind}({self.position})"


def perform(item: Item) -> int:
    """The task of a workload: the item's value, or :class:`WorkloadError` for a failing item."""
    if item.kind == FAIL:
        raise WorkloadError(item.position)
    return value_of(item.position)


def perform_star(position: int, kind: str) -> int:
    """:func:`perform` for ``starmap``: the item's fields as separate arguments."""
    return perform(Item(position, kind))


class GetItemOnly:
    """A sequence with only ``__getitem__`` (no ``__len__``, no ``__iter__``): the old iteration protocol."""

    def __init__(self, items: Sequence[Any]) -> None:
        self._items = list(items)

    def __getitem__(self, index: int) -> Any:
        return self._items[index]  # IndexError past the end ends the iteration

    def __repr__(self) -> str:
        return f"GetItemOnly({self._items!r})"


def _generate(items: Sequence[Any]) -> Iterator[Any]:
    yield from items


def make_input(kind: str, items: Sequence[Any]) -> Any:
    """A fresh iterable of ``items`` of the given kind (one of :data:`INPUT_KINDS`).

    Typed ``Any``: a :class:`GetItemOnly` is iterable at run time, but not an ``Iterable`` to a type checker.
    """
    if kind == "list":
        return list(items)
    if kind == "tuple":
        return tuple(items)
    if kind == "generator":
        return _generate(items)
    if kind == "iterator":
        return iter(list(items))  # a list iterator: __length_hint__, but no __len__
    if kind == "getitem":
        return GetItemOnly(items)
    raise ValueError(f"unknown input kind {kind!r}")


def input_text(kind: str, items: Sequence[Any]) -> str:
    """How :func:`make_input` ``(kind, items)`` reads in a reproduction."""
    listed = repr(list(items))
    return {
        "list": listed,
        "tuple": repr(tuple(items)),
        "generator": f"(x for x in {listed})",
        "iterator": f"iter({listed})",
        "getitem": f"GetItemOnly({listed})",
    }[kind]


def call_text(form: str, func: str, iterable: str, chunksize: Optional[object] = None) -> str:
    """How ``pool.<form>(func, iterable[, chunksize])`` reads in a verdict, ``.get()`` after an ``_async`` form:
    ``map_async(triple, [1, 2], 3).get()``. ``func`` and ``iterable`` are their texts (see :func:`input_text`)."""
    chunks = "" if chunksize is None else f", {chunksize}"
    return f"{form}({func}, {iterable}{chunks}){'.get()' if form.endswith('_async') else ''}"


@dataclass(frozen=True)
class Workload:
    """One call into a pool with every choice made; see the module docstring."""

    form: str
    items: Tuple[Item, ...]
    chunksize: Optional[int]
    processes: int
    input_kind: str

    def inputs(self) -> Any:
        """A fresh iterable of the items, of the workload's input kind."""
        return make_input(self.input_kind, self.items)

    @property
    def blocked(self) -> List[int]:
        return [item.position for item in self.items if item.kind == BLOCKED]

    @property
    def failing(self) -> List[int]:
        return [item.position for item in self.items if item.kind == FAIL]

    def task(self, gate: Optional[Gate]) -> Callable[..., int]:
        """The function to submit: :func:`perform` (or :func:`perform_star`), gated if items block."""
        star = self.form.startswith("starmap")
        if not self.blocked:
            return perform_star if star else perform
        assert gate is not None, "a workload with blocked items needs a gate"
        return _GatedTask(gate, star)

    def __repr__(self) -> str:
        pool = f"ThreadPool({self.processes})"
        if self.form == "apply_async":
            return f"[{pool}.apply_async(perform, (item,)) for item in {list(self.items)!r}]"
        func = "perform_star" if self.form.startswith("starmap") else "perform"
        chunks = "" if self.chunksize is None else f", chunksize={self.chunksize}"
        return f"{pool}.{self.form}({func}, {input_text(self.input_kind, self.items)}{chunks})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints a falsifying workload with this, as the call, not field by field."""
        printer.text(repr(self))


class _GatedTask:
    """A workload's task when some items block: those wait for the gate, then perform."""

    def __init__(self, gate: Gate, star: bool) -> None:
        self._gate = gate
        self._star = star

    def __call__(self, *args: Any) -> int:
        item = Item(*args) if self._star else args[0]
        if item.kind == BLOCKED:
            self._gate.wait()
        return perform(item)


# -- strategies ----------------------------------------------------------------------------

outcome_kinds = st.sampled_from((OK, OK, FAIL, BLOCKED))
"""What one item does; shrinks towards ``ok``."""


@st.composite
def workloads(
    draw: st.DrawFn,
    forms: Sequence[str] = ALL_FORMS,
    max_items: int = 10,
    max_blocked: int = 3,
) -> Workload:
    """A workload for one of ``forms``, drawn in full.

    At most ``max_blocked`` items block (none: the workload needs no gate, and its task is the
    module-level :func:`perform`), and the pool has a worker for each of them and at least one
    more, so that every item that does not block can run while they wait.
    """
    form = draw(st.sampled_from(tuple(forms)))
    kinds = draw(st.lists(outcome_kinds if max_blocked else st.sampled_from((OK, OK, FAIL)), max_size=max_items))
    blocked_so_far = 0
    items = []
    for index, kind in enumerate(kinds):
        if kind == BLOCKED:
            blocked_so_far += 1
            if blocked_so_far > max_blocked:
                kind = OK
        items.append(Item(index, kind))
    blocked = min(blocked_so_far, max_blocked)
    processes = blocked + draw(st.integers(1, 3))
    chunksize: Optional[int]
    if form in MAP_FORMS:
        chunksize = draw(st.none() | st.integers(1, 4))
    elif form in IMAP_FORMS:
        chunksize = draw(st.integers(1, 4))
    else:
        chunksize = None
    input_kind = "list" if form in APPLY_FORMS else draw(st.sampled_from(INPUT_KINDS))
    return Workload(form, tuple(items), chunksize, processes, input_kind)


# -- bounded calls and calls in the background ----------------------------------------------


def soon(scenario: Scenario, call: Callable[[], T], what: str) -> T:
    """``call()``, which must return while the scenario goes on: :class:`Hang` after half the hang limit.

    Shorter than the scenario's own bound, so a failure names this call, not the whole scenario.
    """
    return scenario.bounded(call, what, limit=scenario.limits.patience)


def raised_by(scenario: Scenario, call: Callable[[], Any], what: str, expected: str) -> Exception:
    """The exception ``call()`` raises (bounded as by :func:`soon`); if it returns, a :func:`~poolspec.conformance.verdict.mismatch`:
    ``what`` returned its value where the clause requires it ``to raise <expected>``."""
    __tracebackhide__ = True  # pytest leaves the kit's plumbing out of a failure's traceback
    try:
        value = soon(scenario, call, what)
    except Exception as exc:  # noqa: BLE001 - the caller checks which
        return exc
    mismatch(what, f"returned {value!r}", f"to raise {expected}")


def outcome_of(call: Callable[[], T]) -> Any:
    """What ``call()`` returned, or the exception it raised."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - handed to the caller as a value
        return exc


class TimedOut:
    """What :func:`outcome_within` gives for a wait that timed out."""

    def __repr__(self) -> str:
        return "no outcome (the wait timed out)"


TIMED_OUT = TimedOut()


def outcome_within(result: Any, timeout: float, timeout_error: Type[BaseException]) -> Any:
    """What waiting ``timeout`` seconds for ``result`` gives, a raised exception included: ``get(timeout)``
    of a result, ``next(timeout)`` of an ``imap()`` iterator; :data:`TIMED_OUT` if the wait raised
    ``timeout_error`` or the builtin ``TimeoutError`` (which some pools raise instead, as
    ``asyncresult.get-timeout`` reports). The waiting thread is never left blocked. An iterator
    without ``next`` raises AttributeError, which the kit reports as a missing method.
    """
    wait = result.get if hasattr(result, "get") else result.next
    try:
        return wait(timeout)
    except (timeout_error, TimeoutError):
        return TIMED_OUT
    except BaseException as exc:  # noqa: BLE001 - the outcome is what the caller looks at
        return exc


class Background(Generic[T]):
    """``call()`` running on a kit thread, so the scenario can act (open a gate) while it blocks.

    The thread's name marks it as the kit's, so it never counts as a thread the pool left behind.
    """

    def __init__(self, call: Callable[[], T], what: str) -> None:
        self._what = what
        self._outcome: List[Tuple[bool, Any]] = []
        self._thread = threading.Thread(target=self._run, args=(call,), name=f"{RUNNER_PREFIX}{what}", daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], T]) -> None:
        try:
            self._outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed to the scenario's thread
            self._outcome.append((False, exc))

    def done(self, within: float) -> bool:
        """Whether the call has returned (or raised) within ``within`` seconds from now."""
        self._thread.join(within)
        return bool(self._outcome)

    def result(self, limit: float) -> T:
        """The call's value or exception; :class:`Hang` if it has not returned within ``limit`` s."""
        if not self.done(limit):
            raise Hang(f"HANG: {self._what} did not return within {limit:g} s")
        ok, value = self._outcome[0]
        if ok:
            return value  # type: ignore[no-any-return]
        raise value

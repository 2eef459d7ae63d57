"""The comparison of a pool's method signatures with the stdlib's, and the refusals it explains."""

from __future__ import annotations

from multiprocessing.pool import ThreadPool
from typing import Any, Iterator, List

import pytest

from poolspec.conformance.capabilities import API
from poolspec.conformance.signatures import deviations, refused_by, unreadable


class KeywordOnly(ThreadPool):
    def map(self, func: Any, iterable: Any, *, chunksize: Any = None) -> Any: ...


class PositionalOnly(ThreadPool):
    def map(self, func: Any, iterable: Any, chunksize: Any = None, /) -> Any: ...


class RenamesAndDrops(ThreadPool):
    """Ray's: apply's kwds is called kwargs, starmap_async has no chunksize."""

    def apply(self, func: Any, args: Any = None, kwargs: Any = None) -> Any: ...

    def starmap_async(self, func: Any, iterable: Any, callback: Any = None, error_callback: Any = None) -> Any: ...


class Swapped(ThreadPool):
    def map(self, iterable: Any, func: Any, chunksize: Any = None) -> Any: ...


class RequiresMore(ThreadPool):
    def imap(self, func: Any, iterable: Any, chunksize: Any, context: Any) -> Any: ...


class ExitWithoutArguments(ThreadPool):
    def __exit__(self) -> None: ...  # type: ignore[override]


class TakesAnything(ThreadPool):
    def map(self, *args: Any, **kwargs: Any) -> Any: ...

    def apply_async(self, *args: Any, **kwds: Any) -> Any: ...  # named as two of the stdlib's parameters


class Unreadable(ThreadPool):
    map = property(lambda self: max)  # a builtin without a signature inspect.signature can read


@pytest.fixture
def made() -> Iterator[List[ThreadPool]]:
    pools: List[ThreadPool] = []
    yield pools
    for pool in pools:
        pool.terminate()
        pool.join()


def found(made: List[ThreadPool], kind: type) -> List[str]:
    made.append(kind(1))
    return [str(deviation) for deviation in deviations(made[-1], API)]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (ThreadPool, []),
        (TakesAnything, []),
        (KeywordOnly, ["map() takes chunksize only by keyword"]),
        (PositionalOnly, ["map() takes func only by position", "map() takes iterable only by position", "map() takes chunksize only by position"]),
        (
            RenamesAndDrops,
            [
                "apply() calls argument 3 kwargs, where the stdlib's calls it kwds",
                "starmap_async() has no parameter chunksize",
                "starmap_async() takes callback as argument 3, where the stdlib's takes it as argument 4",
                "starmap_async() takes error_callback as argument 4, where the stdlib's takes it as argument 5",
            ],
        ),
        (Swapped, ["map() takes func as argument 2, where the stdlib's takes it as argument 1", "map() takes iterable as argument 1, where the stdlib's takes it as argument 2"]),
        (RequiresMore, ["imap() requires chunksize, which the stdlib's does not", "imap() requires context, which the stdlib's does not take"]),
        (ExitWithoutArguments, ["__exit__() cannot be called with 3 argument(s), as with calls it"]),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
def test_each_deviation_is_named(made: List[ThreadPool], kind: type, expected: List[str]) -> None:
    assert found(made, kind) == expected


def test_a_method_whose_signature_cannot_be_read_is_not_judged(made: List[ThreadPool]) -> None:
    assert found(made, Unreadable) == []
    assert unreadable(made[-1], API) == ["map"]


def test_a_refusal_is_put_down_to_the_deviation_of_the_method_it_names(made: List[ThreadPool]) -> None:
    made.append(RenamesAndDrops(1))
    known = deviations(made[-1], API)
    refused = refused_by("TypeError: RenamesAndDrops.starmap_async() got multiple values for argument 'callback'", known)
    assert refused is not None and refused.what == "starmap_async() takes callback as argument 3, where the stdlib's takes it as argument 4"
    assert refused_by("apply() got an unexpected keyword argument 'kwds'", known) == known[0]
    assert refused_by("imap() takes 3 positional arguments but 4 were given", known) is None, "imap() has no deviation"
    assert refused_by("TypeError: 'int' object is not iterable", known) is None

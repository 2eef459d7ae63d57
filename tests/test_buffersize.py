"""``imap(..., buffersize=b)``: at most ``b`` tasks submitted but not yet yielded, whatever the number of
workers, and CPython 3.16's messages for a bad ``b``."""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator, List

import pytest

from poolspec.reference import ThreadPool

from .helpers import finishes

Make = Callable[..., ThreadPool]


class CountingInput:
    """An endless input that records how many items were pulled from it."""

    def __init__(self) -> None:
        self.pulled = 0
        self.pulled_more = threading.Condition()

    def __iter__(self) -> Iterator[int]:
        while True:
            with self.pulled_more:
                self.pulled += 1
                self.pulled_more.notify_all()
            yield self.pulled - 1

    def wait_for(self, count: int) -> None:
        with self.pulled_more:
            assert self.pulled_more.wait_for(lambda: self.pulled >= count, 10), f"only {self.pulled} of {count} items read"


@pytest.mark.parametrize("form", ["imap", "imap_unordered"])
@pytest.mark.parametrize(("processes", "buffersize", "chunksize"), [(1, 1, 1), (2, 3, 1), (4, 4, 1), (4, 1, 1), (3, 2, 4)])
def test_read_ahead_is_bounded_by_buffersize_alone(make_pool: Make, form: str, processes: int, buffersize: int, chunksize: int) -> None:
    pool = make_pool(processes)
    source = CountingInput()
    iterator = getattr(pool, form)(abs, source, chunksize, buffersize=buffersize)
    yielded: List[int] = []
    for _ in range(3 * (processes + buffersize) * chunksize):
        # Each chunk whose results have all been yielded lets the feeder read one more chunk.
        tasks_allowed = buffersize + len(yielded) // chunksize
        source.wait_for(tasks_allowed * chunksize)
        assert source.pulled == tasks_allowed * chunksize, f"read {source.pulled} items with {len(yielded)} yielded"
        yielded.append(finishes(lambda: iterator.next(), "the next buffered result"))
    pool.terminate()


def test_without_buffersize_the_whole_input_is_read_ahead(make_pool: Make) -> None:
    pool = make_pool(1)
    source = CountingInput()
    pool.imap(abs, source)
    source.wait_for(1000)
    pool.terminate()


@pytest.mark.parametrize("form", ["imap", "imap_unordered"])
@pytest.mark.parametrize(
    ("buffersize", "error", "message"),
    [
        ("foo", TypeError, "buffersize must be an integer or None"),
        (2.0, TypeError, "buffersize must be an integer or None"),
        (0, ValueError, "buffersize must be None or > 0"),
        (-1, ValueError, "buffersize must be None or > 0"),
    ],
)
def test_a_bad_buffersize_is_rejected_with_cpythons_message(make_pool: Make, form: str, buffersize: Any, error: type, message: str) -> None:
    with pytest.raises(error) as raised:
        getattr(make_pool(1), form)(abs, [1], buffersize=buffersize)
    assert str(raised.value) == message

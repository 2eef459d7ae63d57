"""The stacks a HANG shows (poolspec/conformance/watchdog.py): each thread once, from its first frame that is not the kit's plumbing."""

from __future__ import annotations

import threading
from typing import Iterator, List

import pytest

from poolspec.conformance.watchdog import run_bounded, thread_stacks


def wait_in_a_function_of_this_test(release: threading.Event) -> None:
    release.wait(10)


@pytest.fixture
def waiting() -> Iterator[List[threading.Thread]]:
    """Two threads of the same name, each waiting in this test's function until the test ends."""
    release = threading.Event()
    threads = [threading.Thread(target=wait_in_a_function_of_this_test, args=(release,), name="worker") for _ in range(2)]
    for thread in threads:
        thread.start()
    yield threads
    release.set()
    for thread in threads:
        thread.join(10)


def test_each_thread_is_shown_once_and_two_of_one_name_by_their_ids(waiting: List[threading.Thread]) -> None:
    first, second = waiting
    shown = thread_stacks([first, first, second])
    assert shown.count("Thread 'worker'") == 2
    assert f"Thread 'worker' (thread id {first.ident}):" in shown and f"Thread 'worker' (thread id {second.ident}):" in shown


def test_a_stack_starts_after_the_start_of_the_thread_and_the_kits_plumbing() -> None:
    stacks: List[str] = []

    def look() -> None:
        stacks.append(thread_stacks([threading.current_thread()]))

    run_bounded(look, 10, "a look at its own stack")
    (shown,) = stacks
    frames = [line.strip() for line in shown.splitlines() if line.strip().startswith("File ")]
    assert frames[0].startswith(f'File "{__file__}", line') and frames[0].endswith(", in look"), shown  # not threading's, not run_bounded's
    assert [frame.rpartition(", in ")[2] for frame in frames] == ["look", "thread_stacks"], shown

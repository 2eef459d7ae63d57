"""The kit's sequencer: tasks finish in the order it is given, or fail fast; never hang."""

from __future__ import annotations

import threading
from typing import List

import pytest

from poolspec.conformance.sequencer import Sequencer
from poolspec.conformance.watchdog import Hang

from .helpers import finishes


def run_in_threads(sequencer: Sequencer, keys: List[int]) -> List[int]:
    """Start one thread per key (in the order given), each taking its turn; the order they finished in."""
    finished: List[int] = []

    def take_turn(key: int) -> None:
        with sequencer.turn(key):
            finished.append(key)

    threads = [threading.Thread(target=take_turn, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        finishes(thread.join, "a thread taking its turn")
    return finished


def test_turns_are_taken_in_the_sequencers_order_whatever_order_threads_start_in() -> None:
    assert run_in_threads(Sequencer([3, 1, 2, 0], limit=10), [0, 1, 2, 3]) == [3, 1, 2, 0]


def test_a_turn_that_never_comes_is_a_hang_naming_what_it_waited_for() -> None:
    sequencer = Sequencer([1, 0], limit=0.2)
    with pytest.raises(Hang, match=r"^HANG: the scenario holds task 0 until task 1 has finished; task 1 had not finished 0.2 s later$"):
        with sequencer.turn(0):
            pass


def test_open_lets_every_turn_go() -> None:
    sequencer = Sequencer([1, 0], limit=10)
    sequencer.open()
    with sequencer.turn(0):
        pass


def test_a_key_named_twice_is_rejected() -> None:
    with pytest.raises(ValueError, match="names a key twice"):
        Sequencer([0, 0], limit=1)

"""The named-pipe gate that holds tasks of a process pool (poolspec/conformance/process_gate.py)."""

from __future__ import annotations

import multiprocessing.pool
import os
from typing import Iterator

import pytest

from poolspec.conformance.process_gate import GateNeverOpened, ProcessGate, wait_at

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")

SHORT = 0.2
"""Seconds given to the gate to let a task through too early: a wrong gate is caught, a right one waits."""


@pytest.fixture
def processes() -> Iterator[multiprocessing.pool.Pool]:
    pool = multiprocessing.pool.Pool(2)
    yield pool
    pool.terminate()
    pool.join()


def test_tasks_in_other_processes_wait_until_the_gate_opens(processes: multiprocessing.pool.Pool) -> None:
    gate = ProcessGate()
    waiting = [processes.apply_async(wait_at, (gate.path, 30)) for _ in range(2)]
    waiting[0].wait(SHORT)
    assert not any(result.ready() for result in waiting), "a task passed the gate before it was opened"
    gate.open()
    assert [result.get(30) for result in waiting] == [None, None]


def test_a_task_arriving_after_the_opening_passes_at_once(processes: multiprocessing.pool.Pool) -> None:
    gate = ProcessGate()
    gate.open()
    gate.open()  # a second opening does nothing
    assert processes.apply(wait_at, (gate.path, 30)) is None


def test_a_gate_never_opened_fails_the_task_at_its_limit() -> None:
    gate = ProcessGate()
    with pytest.raises(GateNeverOpened, match="not opened within 0.05 s"):
        wait_at(gate.path, 0.05)

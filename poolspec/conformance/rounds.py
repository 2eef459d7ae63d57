"""Rounds of threads released together on one pool: how the stress clauses run their scenarios.

A stress test draws its whole scenario first: the pool's size and, for each round, what each of
its threads does. :func:`run_rounds` then makes one pool and plays the rounds one after the other,
each on the kit's home thread bounded by the hang limit (the whole test would not fit in one
bound: it uses the ``example_scenarios`` fixture, not ``scenario``), and cleans up after the last.

In a round (:func:`together`) every thread starts at one barrier, so they submit, wait and consume
at the same moment, and each is given the round's deadline, ``scenario.limits.patience`` after the
round began, by which every wait it makes must end. A thread still running a little after that
deadline is stuck in a call into the pool; the test reports where, from what the thread said it
was doing (:attr:`Member.doing`).

Sizes: a plain run checks a small version of every scenario (:data:`PLAIN`), so the family is
always checked; ``--poolspec-stress=N`` runs N threads, and more rounds of more jobs each
(:data:`STRESS_ROUNDS`, :data:`STRESS_JOBS`), enough for a race in the pool to show on a
free-threaded Python, where the threads really run at the same time.

No hypothesis here: what these scenarios look for depends on timing, not on the scenario drawn.
Hypothesis runs a failing example again to shrink and confirm it, and a race that does not repeat
on demand would come out as a flaky test instead of what was observed. So the scenario is drawn
from a random generator seeded by the run's hypothesis seed and the test's name (the
``scenario_random`` fixture), and a failure names the round and the thread it happened in.
"""

from __future__ import annotations

import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Optional, Sequence, TypeVar

from .scenario import Scenario
from .watchdog import RUNNER_PREFIX

R = TypeVar("R")

STRESS_ROUNDS = 300
STRESS_JOBS = 10
LATE_SHARE = 0.25
"""How long after the round's deadline, as a share of it, a thread may take to end before it counts as stuck.

Its own waits end at the deadline; the share only spares the few steps after its last wait.
Deadline plus share stays below the hang limit (the deadline is half of it), so a stuck thread is
reported as what it is, not as a HANG of the round.
"""


@dataclass(frozen=True)
class Size:
    """How many threads a round runs at once, how many rounds a test plays, and at most how many jobs a thread submits in a round."""

    threads: int
    rounds: int
    jobs: int

    def __str__(self) -> str:
        return f"{self.threads} threads at once, {self.rounds} rounds"


PLAIN = Size(threads=4, rounds=3, jobs=4)
"""The size of every stress scenario in a plain run."""


def size(stress: int) -> Size:
    """The size of a stress scenario: ``--poolspec-stress=N`` (0 for a plain run)."""
    return Size(stress, STRESS_ROUNDS, STRESS_JOBS) if stress else PLAIN


class Member:
    """One thread of a round; it keeps :attr:`doing` up to date so that a stuck thread can be named."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.doing = "waiting at the round's barrier"
        self.error: Optional[BaseException] = None


Part = Callable[[Member, float], None]
"""What one thread does in a round, given itself and the round's deadline (a ``time.monotonic()``)."""


def together(parts: Sequence[Part], within: float) -> List[Member]:
    """Run each part on a thread of its own, all released at once; the members still running at the end.

    Every part is given the deadline ``within`` s after the threads were started; the threads are
    waited for until :data:`LATE_SHARE` of ``within`` after it. An exception a part let out (a
    method the pool lacks, a bug of the scenario) is raised here, on the caller's thread, once every
    thread has ended or been given up.
    """
    members = [Member(number) for number in range(len(parts))]
    barrier = threading.Barrier(len(parts), timeout=within)
    deadline = time.monotonic() + within

    def run(part: Part, member: Member) -> None:
        try:
            barrier.wait()
            member.doing = "starting"
            part(member, deadline)
        except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
            member.error = exc

    threads = [threading.Thread(target=run, args=(part, member), name=f"{RUNNER_PREFIX}stress thread {member.number}", daemon=True) for part, member in zip(parts, members)]
    for thread in threads:
        thread.start()
    end = deadline + within * LATE_SHARE
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    stuck = [member for member, thread in zip(members, threads) if thread.is_alive()]
    errors = [member.error for member in members if member.error is not None]
    if errors:
        raise errors[0]
    return stuck


def run_rounds(scenario: Scenario, processes: int, rounds: Sequence[R], play: Callable[[Any, int, R], None]) -> None:
    """Make one pool and play each round on it, each step bounded on the home thread.

    ``play(pool, number, round)`` gets the round's number from 1. ``scenario`` (from the
    ``example_scenarios`` fixture) is begun here and ended after, with the failure if there was one:
    the pool is terminated and joined, and no thread it started may be left.
    """
    scenario.lifecycle.begin()
    failure: Optional[BaseException] = None
    try:
        pool = scenario.bounded(lambda: scenario.pool(processes), f"making the pool, ThreadPool({processes})")
        for number, this_round in enumerate(rounds, 1):
            scenario.bounded(lambda: play(pool, number, this_round), f"round {number} of {len(rounds)}")  # noqa: B023 - called at once
    except BaseException as exc:
        failure = exc
        raise
    finally:
        scenario.lifecycle.end(failure)


@contextmanager
def uncaught_exceptions() -> Iterator[List[str]]:
    """While the block runs, every exception that ends a thread is kept, formatted, in the list given.

    ``threading.excepthook`` is replaced for the block and restored after it (a thread reads the
    hook when it fails, so the pool's threads started before the block are covered too).
    """
    caught: List[str] = []
    previous = threading.excepthook

    def keep(args: Any) -> None:
        name = args.thread.name if args.thread is not None else "an unknown thread"
        formatted = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        caught.append(f"thread {name!r} ended with:\n{formatted}")

    threading.excepthook = keep
    try:
        yield caught
    finally:
        threading.excepthook = previous


def stuck_message(stuck: Sequence[Member], round_name: str, within: float, why: Callable[[Member], str] = lambda member: "") -> str:
    """One line per stuck thread: where it was, ``within`` s after the round began."""
    lines = [f"{round_name}: thread {member.number} still in {member.doing} {within:g} s after the round began{why(member)}" for member in stuck]
    return "\n".join(lines)

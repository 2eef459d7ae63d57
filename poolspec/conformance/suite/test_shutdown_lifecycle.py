"""The lifecycle model of the shutdown family: random sequences of steps against a simple model.

Each example makes one pool and runs a random sequence of steps on it: submissions (of values and
of failing tasks, some blocked on one of two gates), opening a gate, ``close()``,
``terminate()``, ``join()`` and ``get()``. The model knows the pool's state and, for each result,
what it must give; after every step the results that are ready must agree with it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition, rule, run_state_machine_as_test

from poolspec.conformance import checks
from poolspec.conformance.gates import Gate
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.verdict import gave, mismatch
from poolspec.conformance.workloads import outcome_of

STEPS = 20
"""Steps per example: enough to reach every state and back to get() and join()."""
GATES = st.sampled_from([0, 1])
VALUES = st.integers(0, 99)
ITEMS = st.lists(st.tuples(VALUES, st.booleans()), max_size=4)
CHUNKSIZES = st.integers(1, 3)
M = TypeVar("M", bound=Callable[..., Any])


class Boom(Exception):
    """The exception of a failing task: ``Boom(value)``."""


def work(gate: Optional[Gate], value: int, fail: bool) -> int:
    """The task of every submission: waits for its gate, if any, then gives -value or raises Boom(value)."""
    if gate is not None:
        gate.wait()
    if fail:
        raise Boom(value)
    return -value


@dataclass(eq=False)
class Submission:
    """One submission and what the model expects of its result."""

    what: str
    result: Any
    items: List[Tuple[int, bool]]
    single: bool
    gate: Optional[int]
    chunks: int
    abandoned: bool = False
    judged: bool = False

    def expected(self) -> str:
        """What the model allows, as a verdict says it."""
        if self.abandoned:
            return "to raise or stay pending: it had not completed when terminate() was called"
        failing = [value for value, fail in self.items if fail]
        if failing:
            return f"to raise Boom for one of {failing}"
        values = [-value for value, _ in self.items]
        return repr(values[0] if self.single else values)

    def agrees(self, outcome: Any) -> bool:
        """Whether ``outcome`` (a value or an exception) is one the model allows."""
        failing = [value for value, fail in self.items if fail]
        if isinstance(outcome, BaseException):
            return self.abandoned or (isinstance(outcome, Boom) and bool(outcome.args) and outcome.args[0] in failing)
        values = [-value for value, _ in self.items]
        return not self.abandoned and not failing and outcome == (values[0] if self.single else values)


def tracked(method: M) -> M:
    """Run the step on the kit's home thread, where the pool was built, bounded by the hang limit;
    remember that it failed, so that the teardown does not add a failure of its own."""

    @functools.wraps(method)
    def step(self: LifecycleMachine, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.scenario.bounded(lambda: method(self, *args, **kwargs), f"the step {method.__name__}")
        except BaseException as exc:
            self.failure = exc
            raise

    return step  # type: ignore[return-value]


class LifecycleMachine(RuleBasedStateMachine):
    """One pool, two gates, and the model: the pool's state and each submission's expected outcome."""

    results = Bundle("results")

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.failure: Optional[BaseException] = None
        self.pool: Any = None
        self.processes = 0
        self.state = "RUN"
        self.gates = [scenario.gate(), scenario.gate()]
        self.opened = [False, False]
        self.submitted: List[Submission] = []
        scenario.lifecycle.begin()

    # -- helpers ------------------------------------------------------------------------------

    def gate(self, index: Optional[int]) -> Optional[Gate]:
        return None if index is None else self.gates[index]

    def closed_gate(self, submission: Submission) -> bool:
        return submission.gate is not None and not self.opened[submission.gate] and submission.chunks > 0

    def can_complete(self, submission: Submission) -> bool:
        """Whether the result will complete: its gate is open and a worker stays free to run it.

        Chunks blocked on a closed gate hold a worker each; while fewer than ``processes`` can be
        blocked, some worker is always free for the other tasks.
        """
        if submission.abandoned:
            return False
        if self.state == "TERMINATE":
            return True  # not abandoned: it had completed when terminate() was called
        if self.closed_gate(submission):
            return False
        blocked = sum(other.chunks for other in self.submitted if self.closed_gate(other))
        return blocked < self.processes

    def judge(self, submission: Submission, outcome: Any, call: str) -> None:
        """``outcome``, of ``call`` on ``submission``'s result, is one the model allows."""
        if not submission.agrees(outcome):
            mismatch(call, gave(outcome), submission.expected())

    def submit(self, call: Callable[[], Any], what: str, items: List[Tuple[int, bool]], single: bool, gate: Optional[int], chunks: int) -> Any:
        if self.state != "RUN":
            outcome = self.scenario.bounded(lambda: outcome_of(call), what)
            if not isinstance(outcome, ValueError):
                mismatch(f"{what} on a pool in state {self.state}", gave(outcome), "to raise ValueError")
            return multiple()
        submission = Submission(what, self.scenario.bounded(call, what), items, single, gate, chunks)
        self.submitted.append(submission)
        return submission

    def submit_apply(self, value: int, fail: bool, gate: Optional[int]) -> Any:
        args = (self.gate(gate), value, fail)
        what = f"apply_async(work, (gate {gate}, {value}, fail={fail}))"
        return self.submit(lambda: self.pool.apply_async(work, args), what, [(value, fail)], True, gate, 1)

    def submit_starmap(self, items: List[Tuple[int, bool]], chunksize: int, gate: Optional[int]) -> Any:
        arguments = [(self.gate(gate), value, fail) for value, fail in items]
        what = f"starmap_async(work, gate {gate} and {items}, chunksize={chunksize})"
        chunks = -(-len(items) // chunksize)
        return self.submit(lambda: self.pool.starmap_async(work, arguments, chunksize), what, items, False, gate, chunks)

    def abandon_pending(self) -> None:
        """terminate() has returned: from now on, a result that is not ready and successful now may only fail or stay pending.

        That covers the results that had not completed (pending, or failed by terminate() itself)
        and those that had failed already.
        """
        for submission in self.submitted:
            if not (submission.result.ready() and submission.result.successful()):
                submission.abandoned = True

    # -- steps --------------------------------------------------------------------------------

    @initialize(processes=st.integers(1, 3))
    @tracked
    def make(self, processes: int) -> None:
        self.processes = processes
        self.pool = self.scenario.pool(processes)

    # Blocked and free submissions are rules of their own, so that submitting is a common step.

    @rule(target=results, value=VALUES, fail=st.booleans())
    @tracked
    def apply_async(self, value: int, fail: bool) -> Any:
        return self.submit_apply(value, fail, None)

    @rule(target=results, value=VALUES, fail=st.booleans(), gate=GATES)
    @tracked
    def apply_async_blocked(self, value: int, fail: bool, gate: int) -> Any:
        return self.submit_apply(value, fail, gate)

    @rule(target=results, items=ITEMS, chunksize=CHUNKSIZES)
    @tracked
    def starmap_async(self, items: List[Tuple[int, bool]], chunksize: int) -> Any:
        return self.submit_starmap(items, chunksize, None)

    @rule(target=results, items=ITEMS, chunksize=CHUNKSIZES, gate=GATES)
    @tracked
    def starmap_async_blocked(self, items: List[Tuple[int, bool]], chunksize: int, gate: int) -> Any:
        return self.submit_starmap(items, chunksize, gate)

    @rule(gate=GATES)
    @tracked
    def open_gate(self, gate: int) -> None:
        self.gates[gate].open()
        self.opened[gate] = True

    @precondition(lambda self: self.state != "TERMINATE")
    @rule(how=st.sampled_from(["close", "terminate"]))
    @tracked
    def stop(self, how: str) -> None:
        """close() (again, perhaps) or terminate() a pool that has not been terminated."""
        self.scenario.bounded(getattr(self.pool, how), f"{how}()")
        if how == "terminate":
            self.abandon_pending()
            self.state = "TERMINATE"
        else:
            self.state = "CLOSE"

    @precondition(lambda self: self.state == "TERMINATE")
    @rule(how=st.sampled_from(["close", "terminate"]))
    @tracked
    def stop_again(self, how: str) -> None:
        """close() or terminate() after terminate(): nothing changes."""
        self.scenario.bounded(getattr(self.pool, how), f"{how}() after terminate()")

    @precondition(lambda self: self.state == "RUN")
    @rule()
    @tracked
    def join_while_running(self) -> None:
        outcome = self.scenario.bounded(lambda: outcome_of(self.pool.join), "join() while running")
        if not isinstance(outcome, ValueError):
            mismatch("join() on a running pool", gave(outcome), "to raise ValueError")

    @precondition(lambda self: self.state != "RUN" and not any(self.closed_gate(s) for s in self.submitted))
    @rule()
    @tracked
    def join(self) -> None:
        self.scenario.bounded(self.pool.join, f"join() after {self.state.lower()}")
        if self.state == "CLOSE":
            pending = [submission.what for submission in self.submitted if not submission.result.ready()]
            if pending:
                mismatch("join() after close()", f"returned while these results were not ready: {pending}", "every result ready")

    @rule(submission=results)
    @tracked
    def get(self, submission: Submission) -> None:
        if self.can_complete(submission):
            outcome = self.scenario.bounded(lambda: outcome_of(submission.result.get), f"get() of {submission.what}")
            self.judge(submission, outcome, f"get() of {submission.what}, on a pool in state {self.state}")

    @invariant()
    @tracked
    def ready_results_agree_with_the_model(self) -> None:
        for submission in self.submitted:
            if not submission.judged and submission.result.ready():
                self.judge(submission, outcome_of(functools.partial(submission.result.get, 0)), f"get(0) of {submission.what}, ready on a pool in state {self.state}")
                submission.judged = True

    # -- the end of an example ----------------------------------------------------------------

    def teardown(self) -> None:
        failure = self.failure
        try:
            if failure is None and self.pool is not None:
                self.scenario.bounded(self.finish, "the end of the example")
        except BaseException as exc:
            failure = exc
            raise
        finally:
            self.scenario.lifecycle.end(failure)

    def finish(self) -> None:
        """Terminate with the gates still closed, then let every task run: none of the abandoned results may complete."""
        self.scenario.bounded(self.pool.terminate, "terminate() at the end of the example")
        if self.state != "TERMINATE":
            self.abandon_pending()
        self.state = "TERMINATE"
        for gate in self.gates:
            gate.open()
        self.opened = [True, True]
        self.scenario.bounded(self.pool.join, "join() at the end of the example")
        for submission in self.submitted:
            if submission.result.ready():
                self.judge(
                    submission,
                    outcome_of(functools.partial(submission.result.get, 0)),
                    f"get(0) of {submission.what}, ready at the end of the example (terminate(), every gate opened, join())",
                )


@checks("shutdown.lifecycle-model")
def test_random_lifecycles_follow_the_model(example_scenarios: Callable[[], Scenario]) -> None:
    # Not the scenario fixture: that would bound the whole run as one scenario. Each example is bounded and
    # cleaned up on its own (see the example_scenarios fixture).
    run_state_machine_as_test(lambda: LifecycleMachine(example_scenarios()), settings=settings(stateful_step_count=STEPS))  # type: ignore[arg-type]

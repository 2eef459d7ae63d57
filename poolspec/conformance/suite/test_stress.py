"""Clauses of the stress family: many threads submitting, waiting and calling back on one pool at once.

Each test draws its whole scenario, then plays it in rounds on one pool (:mod:`poolspec.conformance.rounds`):
in a round every thread starts at one barrier and submits its jobs, waits for them and consumes
them at the same moment as the others, and must be done by the round's deadline, ``patience``
after the round began (a thread still running then is reported with the call it was in). A plain
run plays a small version; ``--poolspec-stress=N`` plays N threads and many more rounds.

Every item is tagged with its round, thread, job and position, and a task's value carries its item,
so a result delivered to the wrong job shows as another job's items.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence, Set, Tuple

from poolspec.conformance import checks, rounds
from poolspec.conformance.gates import Gate
from poolspec.conformance.rounds import Member
from poolspec.conformance.scenario import Scenario
from poolspec.conformance.unobserved import unobserved

Item = Tuple[int, int, int, int]
"""(round, thread, job, position): every item of a scenario is distinct, and says whose it is."""
Key = Tuple[int, int, int]
"""(round, thread, job): one job of the scenario."""
Outcome = Tuple[Any, ...]
"""("returned", value), ("raised", exception class name, args), or :data:`ENDED`."""
ENDED: Outcome = ("ended",)
"""The outcome of next() on an iterator at its end."""

BLOCKING_FORMS = ("apply", "map", "starmap")
ASYNC_FORMS = ("apply_async", "map_async", "starmap_async")
IMAP_FORMS = ("imap", "imap_unordered")
MAX_ITEMS = 6
"""Items per job of a map form, at most."""
CHUNKSIZES = (None, 1, 2, 3)
"""The chunksizes a map form is given (None, the default, not to the imaps)."""


class Tagged(Exception):
    """What a failing task raises: its args are its item."""


def ran(item: Item) -> Tuple[str, Item]:
    """The task of the scenarios: its value carries its item."""
    return ("ran", item)


def raising(item: Item) -> NoReturn:
    """The failing task of the scenarios: its exception carries its item."""
    raise Tagged(*item)


def settled(call: Callable[[], Any]) -> Outcome:
    """What ``call()`` did: returned a value, raised an exception, or ended an iteration."""
    try:
        return ("returned", call())
    except StopIteration:
        return ENDED
    except Exception as exc:  # noqa: BLE001 - the outcome is judged by the test
        return ("raised", type(exc).__name__, exc.args)


def left(deadline: float) -> float:
    """Seconds until ``deadline`` (a ``time.monotonic()``), at least 0."""
    return max(0.0, deadline - time.monotonic())


@dataclass(frozen=True)
class Job:
    """One submission of the scenario, and how its thread waits for it."""

    form: str
    items: int
    chunksize: Optional[int]
    fails: bool = False
    """Its task raises (the apply forms only: a map fails as a whole)."""
    callbacks: bool = False
    """It is submitted with a callback and an error_callback (the asynchronous forms only)."""
    wait: str = ""
    """How its thread waits for it, in the lost wake-up test (:data:`WAITS`)."""

    def __str__(self) -> str:
        arguments = ["raising" if self.fails else "ran", f"{self.items} item{'s' if self.items > 1 else ''}"]
        if not self.form.startswith("apply"):
            arguments.append(f"chunksize={self.chunksize}")
        if self.callbacks:
            arguments.append("callback=…, error_callback=…")
        return f"{self.form}({', '.join(arguments)})"

    def items_of(self, key: Key) -> List[Item]:
        return [(*key, position) for position in range(self.items)]

    def expected(self, key: Key) -> List[Outcome]:
        """What collecting it gives (:func:`collect`)."""
        items = self.items_of(key)
        if self.fails:
            return [("raised", Tagged.__name__, items[0])]
        values = [ran(item) for item in items]
        if self.form.startswith("apply"):
            return [("returned", values[0])]
        if self.form in IMAP_FORMS:
            return [*(("returned", value) for value in values), ENDED]
        return [("returned", values)]


def draw_job(rng: random.Random, forms: Sequence[str], callbacks: bool = False) -> Job:
    """A job of one of ``forms``, with callbacks if ``callbacks`` and the form takes them; a quarter of the apply jobs fail."""
    form = rng.choice(forms)
    with_callbacks = callbacks and form in ASYNC_FORMS
    if form.startswith("apply"):
        return Job(form, 1, None, fails=rng.random() < 0.25, callbacks=with_callbacks)
    chunksize = rng.choice([size for size in CHUNKSIZES if size is not None or form not in IMAP_FORMS])
    return Job(form, rng.randint(1, MAX_ITEMS), chunksize, callbacks=with_callbacks)


def submit(pool: Any, job: Job, key: Key, task: Callable[[Item], Any] = ran, **callbacks: Any) -> Any:
    """Submit ``job``: the result or iterator of an asynchronous form, the outcome of a blocking one.

    ``task`` replaces :func:`ran` for jobs that do not fail.
    """
    method = getattr(pool, job.form)  # outside any try: a method the pool lacks is MISSING
    func = raising if job.fails else task
    items = job.items_of(key)
    extra = callbacks if job.callbacks else {}
    if job.form == "apply":
        return [settled(lambda: method(func, (items[0],)))]
    if job.form == "apply_async":
        return method(func, (items[0],), **extra)
    inputs = [(item,) for item in items] if job.form.startswith("starmap") else items
    if job.form in BLOCKING_FORMS:
        return [settled(lambda: method(func, inputs, job.chunksize))]
    return method(func, inputs, job.chunksize, **extra)


def collect(job: Job, handle: Any, deadline: float) -> List[Outcome]:
    """``job``'s outcome: get() of a result, waited for until ``deadline``; next() of an iterator, to its end.

    An iterator is read with next() without a timeout (next(timeout) is the timeout family's
    business, and the stdlib's imap of a chunksize above 1 is a generator without it): an item that
    never comes leaves the thread stuck, which the round reports.
    """
    if job.form in BLOCKING_FORMS:
        return handle  # type: ignore[no-any-return] # submit() ran it already
    if job.form not in IMAP_FORMS:
        return [settled(lambda: handle.get(left(deadline)))]
    next_item = handle.__next__
    got: List[Outcome] = []
    while len(got) <= job.items:
        outcome = settled(next_item)
        got.append(outcome)
        if outcome[0] != "returned":
            break
    return got


def wrong_outcome(job: Job, key: Key, got: List[Outcome]) -> Optional[str]:
    """Why ``got`` is not ``job``'s outcome (None if it is); imap_unordered's in any order."""
    expected = job.expected(key)
    same = sorted(got, key=repr) == sorted(expected, key=repr) if job.form == "imap_unordered" else got == expected
    return None if same else f"{job} gave {got!r}, not {expected!r}"


def round_name(number: int, size: rounds.Size, processes: int) -> str:
    return f"round {number} of {size.rounds} ({size.threads} threads at once, ThreadPool({processes}))"


def failures(messages: Sequence[str], limit: int = 10) -> str:
    """At most ``limit`` of ``messages``, one a line, and how many more there were."""
    shown = "\n".join(messages[:limit])
    return shown + (f"\n… and {len(messages) - limit} more" if len(messages) > limit else "")


# -- every result once -----------------------------------------------------------------------------

ALL_FORMS = BLOCKING_FORMS + ASYNC_FORMS + IMAP_FORMS


@checks("stress.results-once")
def test_every_result_is_delivered_once_to_its_own_job(example_scenarios: Callable[[], Scenario], stress: int, scenario_random: random.Random) -> None:
    size, rng = rounds.size(stress), scenario_random
    processes = rng.randint(2, 4)
    drawn = [[[draw_job(rng, ALL_FORMS) for _ in range(rng.randint(1, size.jobs))] for _ in range(size.threads)] for _ in range(size.rounds)]
    scenario = example_scenarios()

    def play(pool: Any, number: int, plans: List[List[Job]]) -> None:
        outcomes: Dict[Key, List[Outcome]] = {}

        def work(member: Member, deadline: float) -> None:
            plan = plans[member.number]
            handles = []
            for job_number, job in enumerate(plan):  # every job in flight at once, then each collected
                member.doing = f"job {job_number}, {job} (submitting it)"
                handles.append(submit(pool, job, (number, member.number, job_number)))
            for job_number, (job, handle) in enumerate(zip(plan, handles)):
                member.doing = f"job {job_number}, {job} (collecting its outcome)"
                outcomes[number, member.number, job_number] = collect(job, handle, deadline)

        stuck = rounds.together([work] * size.threads, scenario.limits.patience)
        name = round_name(number, size, processes)
        wrong = [
            f"{name}: thread {thread}, job {job_number}: {problem}"
            for thread, plan in enumerate(plans)
            for job_number, job in enumerate(plan)
            if (number, thread, job_number) in outcomes
            for problem in [wrong_outcome(job, (number, thread, job_number), outcomes[number, thread, job_number])]
            if problem is not None
        ]
        assert not stuck and not wrong, "\n".join(filter(None, [rounds.stuck_message(stuck, name, scenario.limits.patience), failures(wrong)]))

    rounds.run_rounds(scenario, processes, drawn, play)


# -- callbacks once, one at a time -----------------------------------------------------------------


class CallbackLog:
    """Every call of the scenario's callbacks, per job, and the calls that began while another callback ran.

    A call is kept as ``("callback", value)`` or ``("error_callback",)``: what error_callback is
    given is callbacks.error-callback-once's business (some pools wrap the exception).
    """

    def __init__(self) -> None:
        self.calls: Dict[Key, List[Outcome]] = {}
        self.first_call: Dict[Key, threading.Event] = {}
        self.overlapping: List[Key] = []
        self._running = threading.Lock()

    def expect(self, key: Key) -> Dict[str, Callable[[Any], None]]:
        """The callback and error_callback of job ``key``."""
        self.calls[key] = []
        self.first_call[key] = threading.Event()
        return {"callback": lambda value: self._called(key, ("callback", value)), "error_callback": lambda error: self._called(key, ("error_callback",))}

    def _called(self, key: Key, call: Outcome) -> None:
        alone = self._running.acquire(blocking=False)
        try:
            self.calls[key].append(call)
            self.first_call[key].set()
        finally:
            if alone:
                self._running.release()
            else:
                self.overlapping.append(key)


def expected_call(job: Job, key: Key) -> Outcome:
    """The one call of ``job``'s callbacks: callback with its value, or error_callback."""
    outcome = job.expected(key)[0]
    return ("error_callback",) if outcome[0] == "raised" else ("callback", outcome[1])


@checks("stress.callbacks-once-serialised")
def test_callbacks_are_called_once_each_and_one_at_a_time(example_scenarios: Callable[[], Scenario], stress: int, scenario_random: random.Random) -> None:
    # A job whose result never completes says nothing about its callbacks (it is stress.results-once's
    # business): if only such jobs are left without a call, the test is UNOBSERVED, not failed.
    size, rng = rounds.size(stress), scenario_random
    processes = rng.randint(2, 4)
    drawn = [[[draw_job(rng, ASYNC_FORMS, callbacks=True) for _ in range(rng.randint(1, size.jobs))] for _ in range(size.threads)] for _ in range(size.rounds)]
    jobs = {(number, thread, job_number): job for number, plans in enumerate(drawn, 1) for thread, plan in enumerate(plans) for job_number, job in enumerate(plan)}
    log = CallbackLog()
    results: Dict[Key, Any] = {}
    scenario = example_scenarios()

    def play(pool: Any, number: int, plans: List[List[Job]]) -> None:
        def work(member: Member, deadline: float) -> None:
            keys = [(number, member.number, job_number) for job_number in range(len(plans[member.number]))]
            for key in keys:
                member.doing = f"job {key[2]}, {jobs[key]} (submitting it)"
                results[key] = submit(pool, jobs[key], key, **log.expect(key))
            for key in keys:
                member.doing = f"job {key[2]}, {jobs[key]} (waiting for its callback)"
                log.first_call[key].wait(left(deadline))

        stuck = rounds.together([work] * size.threads, scenario.limits.patience)
        name = round_name(number, size, processes)
        uncalled = [key for key in jobs if key[0] == number and not log.calls.get(key)]
        ready = [key for key in uncalled if key in results and results[key].ready()]
        assert not ready, failures(
            [f"{name}: thread {key[1]}, job {key[2]}: {jobs[key]} is ready, but none of its callbacks was called within {scenario.limits.patience:g} s" for key in ready]
        )
        if stuck or uncalled:
            reasons = [f"thread {member.number} still in {member.doing}" for member in stuck] + [f"{jobs[key]} of thread {key[1]} had not completed" for key in uncalled]
            unobserved(f"{name}: {'; '.join(reasons[:3])}, so its callbacks could not be judged")

    rounds.run_rounds(scenario, processes, drawn, play)
    wrong = [
        f"round {key[0]}, thread {key[1]}, job {key[2]}: the callbacks of {job} were called {log.calls.get(key)!r}, not [{expected_call(job, key)!r}]"
        for key, job in jobs.items()
        if log.calls.get(key) != [expected_call(job, key)]
    ]
    overlapping = [f"round {key[0]}, thread {key[1]}, job {key[2]}: a callback of {jobs[key]} began while another callback of the pool was running" for key in log.overlapping]
    assert not wrong and not overlapping, f"{size}, ThreadPool({processes}), once the pool was terminated:\n" + failures([*wrong, *overlapping])


# -- no lost wake-up -------------------------------------------------------------------------------

WAITS: Dict[str, Tuple[str, ...]] = {
    **dict.fromkeys(ASYNC_FORMS, ("get()", "get(timeout)", "wait()", "wait(timeout)")),
    **dict.fromkeys(IMAP_FORMS, ("next()",)),
}
"""How a thread may wait for a job of each form; a timeout is the hang limit, longer than a round.

Iterators are read with next() alone: next(timeout) is the timeout family's business, and the
stdlib's imap of a chunksize above 1 is a generator without it.
"""


def wait_for(handle: Any, how: str, items: int, timeout: float) -> None:
    """Wait for ``handle`` as ``how`` says (an iterator: up to its end), whatever it returns or raises."""
    if how == "next()":
        next_item = handle.__next__
        for _ in range(items + 1):
            if settled(next_item) == ENDED:
                return
        return
    method = handle.get if how.startswith("get") else handle.wait
    settled(lambda: method(timeout) if how.endswith("(timeout)") else method())


def draw_waiting_job(rng: random.Random) -> Job:
    """A job of an asynchronous form or an imap, and how its thread waits for it."""
    job = draw_job(rng, ASYNC_FORMS + IMAP_FORMS)
    return Job(job.form, job.items, job.chunksize, job.fails, wait=rng.choice(WAITS[job.form]))


@checks("stress.no-lost-wakeup", needs=("threads",))
def test_threads_waiting_on_results_that_complete_at_once_all_return(example_scenarios: Callable[[], Scenario], stress: int, scenario_random: random.Random) -> None:
    # Each thread waits for its own jobs right after submitting them, while the workers complete
    # them, and first for one shared result held by a gate that the round opens as it starts.
    size, rng = rounds.size(stress), scenario_random
    processes = rng.randint(2, 4)
    drawn = [[(rng.choice(WAITS["apply_async"]), [draw_waiting_job(rng) for _ in range(rng.randint(1, 2 * size.jobs))]) for _ in range(size.threads)] for _ in range(size.rounds)]
    returned: Set[Item] = set()
    scenario = example_scenarios()
    timeout = scenario.limits.hang

    def task(item: Item) -> Tuple[str, Item]:
        returned.add(item)
        return ran(item)

    def shared_task(gate: Gate, item: Item) -> Tuple[str, Item]:
        gate.wait()
        return task(item)

    def play(pool: Any, number: int, plans: List[Tuple[str, List[Job]]]) -> None:
        gate = scenario.gate()
        shared_item = (number, -1, 0, 0)
        shared = pool.apply_async(shared_task, (gate, shared_item))
        awaited: Dict[int, Tuple[Any, Job, Key]] = {}

        def work(member: Member, deadline: float) -> None:
            how, plan = plans[member.number]
            if member.number == 0:
                gate.open()
            awaited[member.number] = (shared, Job("apply_async", 1, None), shared_item[:3])
            member.doing = f"{how} of the round's shared apply_async result"
            wait_for(shared, how, 1, timeout)
            for job_number, job in enumerate(plan):
                key = (number, member.number, job_number)
                member.doing = f"job {job_number}, {job} (submitting it)"
                handle = submit(pool, job, key, task)
                awaited[member.number] = (handle, job, key)
                member.doing = f"{job.wait} of job {job_number}, {job}"
                wait_for(handle, job.wait, job.items, timeout)

        def complete(member: Member) -> Optional[str]:
            """What shows that the thread's wait should have ended, if anything does."""
            handle, job, key = awaited[member.number]
            if job.form in IMAP_FORMS:
                return "every task of it had returned" if all(item in returned for item in job.items_of(key)) else None
            return "its result was ready" if handle.ready() else None

        stuck = rounds.together([work] * size.threads, scenario.limits.patience)
        name = round_name(number, size, processes)
        lost = [member for member in stuck if member.number in awaited and complete(member)]
        assert not lost, rounds.stuck_message(lost, name, scenario.limits.patience, lambda member: f", though {complete(member)}")
        if stuck:
            unobserved(f"{rounds.stuck_message(stuck[:1], name, scenario.limits.patience)}, and its result never completed, so whether waiters wake could not be seen")

    rounds.run_rounds(scenario, processes, drawn, play)


# -- no uncaught exception -------------------------------------------------------------------------


@checks("stress.no-uncaught-exception")
def test_no_thread_of_the_pool_dies_of_an_exception(example_scenarios: Callable[[], Scenario], stress: int, scenario_random: random.Random) -> None:
    # Only the threads the pool started can raise here: the scenario's own catch what they get. A
    # thread stuck in a call into the pool (an imap item that never comes) is not this clause's
    # business, but the rounds cannot go on without it: the test is then UNOBSERVED.
    size, rng = rounds.size(stress), scenario_random
    processes = rng.randint(2, 4)
    drawn = [
        [[draw_job(rng, ASYNC_FORMS + IMAP_FORMS, callbacks=rng.random() < 0.5) for _ in range(rng.randint(1, size.jobs))] for _ in range(size.threads)] for _ in range(size.rounds)
    ]
    scenario = example_scenarios()
    log = CallbackLog()
    with rounds.uncaught_exceptions() as caught:

        def play(pool: Any, number: int, plans: List[List[Job]]) -> None:
            def work(member: Member, deadline: float) -> None:
                plan = plans[member.number]
                keys = [(number, member.number, job_number) for job_number in range(len(plan))]
                handles = [submit(pool, job, key, **log.expect(key)) for job, key in zip(plan, keys)]
                for job, handle in zip(plan, handles):
                    member.doing = f"{job} (collecting its outcome)"
                    collect(job, handle, deadline)

            stuck = rounds.together([work] * size.threads, scenario.limits.patience)
            name = round_name(number, size, processes)
            assert not caught, f"in {name}, {len(caught)} thread(s) of the pool died of an exception:\n" + failures(caught, 3)
            if stuck:
                unobserved(f"{rounds.stuck_message(stuck[:1], name, scenario.limits.patience)}, so the rounds could not go on")

        rounds.run_rounds(scenario, processes, drawn, play)

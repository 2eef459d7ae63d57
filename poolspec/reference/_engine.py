"""The threads of a pool and its lifecycle: workers, the callback thread, close and terminate.

Handoff design
--------------
* A submission puts its tasks, ``(job, index, payload)`` tuples, straight onto one
  :class:`queue.SimpleQueue` from the submitting thread (or, for an ``imap`` whose input may block
  or run user code, from that call's feeder thread). There is no dispatcher thread in between.
  Every submission goes through one method, :meth:`Engine._admit`, which states the invariant
  that keeps tasks off the queue once the workers are told to stop.
* Each worker takes a task and calls ``job.run_task(index, payload)``; the job runs the user's
  function and records the outcome itself. A job without callbacks is completed by the worker that
  finishes its last task: one thread hop per task, caller to worker.
* A job with callbacks hands its outcome to the single callback thread (:meth:`Engine.defer`),
  which runs the callback and only then completes the job. So callbacks never run concurrently,
  never on a submitting thread, and have finished before ``get()`` returns.

Jobs
----
A job is anything with ``run_task(index, payload)`` and ``abandon(error)``. It is *pending* from
its submission (:meth:`Engine.submit`, ``submit_one`` or ``submit_with_feeder``, all through
``_admit``) until it is retired. Exactly one party retires it: the job itself when its outcome is
published (:meth:`Engine.retire` returns True), or the engine when it gives up on it (terminate, a
failed initializer), which then calls ``abandon``. Whoever loses that race does nothing, so every
result completes exactly once.

Locks
-----
``Engine._lock`` guards ``_state``, ``_pending``, ``_broken``, ``_feeders`` and the two
``_*_stopped`` flags, and it is held while tasks are put on the queue. That makes three things
atomic: checking that the pool runs (or, for a feeder's later chunk, that its job is still
pending) and enqueueing a job's tasks, in ``_admit`` (so no task lands after the sentinels that
stop the workers, nor after ``terminate()`` drained the queue); giving up on every pending job;
and the one-time sending of sentinels. The engine never calls into a job while holding
the lock, and jobs never hold their own locks while calling the engine, so there is no lock order
to get wrong. ``_feeders_changed``, a condition on the same lock, is notified when a feeder stops
and when the pool is terminated: ``join()`` waits on it for the feeders.

Free-threaded Python
--------------------
The pool is correct with the GIL and on the free-threaded build (3.13t and later), where its
threads run at the same time. Outside ``_lock`` it relies on these operations being atomic:

* ``SimpleQueue.put`` and ``get`` on ``_tasks`` and ``_deferred``, from any thread: with the GIL a
  call runs no Python code (``get`` lets other threads run only while it waits for an item); on
  the free-threaded build each call holds the queue's own lock (a critical section). So
  concurrent calls never lose or duplicate an item. (Tasks and the workers' sentinels are put only
  under ``_lock``, so those puts are also ordered against each other; workers ``get`` without it.)
* Reading ``_state`` without the lock (the ``state`` property, and ``check_running()`` called
  early by ``ThreadPool._map_async``): an attribute load, never torn on either build (the
  free-threaded build loads an instance attribute atomically). It may be stale; the check that
  counts is made again under ``_lock`` in ``_admit``, which enqueues the tasks.

What changes after construction (``_state``, ``_pending``, ``_broken``, ``_feeders``, the two
``_*_stopped`` flags) changes only under ``_lock``, and apart from those reads of ``_state`` is
read only under it, which orders it on both builds; ``_workers`` and ``_callback_thread`` are set
once in ``__init__``.
"""

from __future__ import annotations

import enum
import itertools
import queue
import threading
from typing import Any, Callable, Iterable, List, Optional, Protocol, Set, Tuple

from .errors import InitializerError, PoolTerminatedError


class Job(Protocol):
    """What the engine needs of a submitted job."""

    def run_task(self, index: int, payload: Any) -> None:
        """Run one task of the job on the calling worker thread and record its outcome."""

    def abandon(self, error: BaseException) -> None:
        """Complete the job with ``error``: the engine retired it and will run none of its tasks."""


class InputThread(Protocol):
    """A thread that enqueues a job's tasks (:meth:`Engine.feed`) while it reads the job's input: imap's feeder."""

    def start(self) -> None:
        """Start the thread."""

    def join(self) -> None:
        """Wait until the thread has stopped."""

    def closing(self) -> None:
        """The pool is closing: read the rest of the input without waiting for the consumer."""


class State(enum.Enum):
    """The lifecycle of a pool. It only moves forward: RUN, then CLOSE and/or TERMINATE."""

    RUN = "RUN"
    CLOSE = "CLOSE"
    TERMINATE = "TERMINATE"


Task = Tuple[Job, int, Any]


class Engine:
    """Worker threads, the callback thread, pending jobs, and the pool's state."""

    def __init__(
        self,
        processes: int,
        initializer: Optional[Tuple[Callable[..., object], Tuple[Any, ...]]],
    ) -> None:
        self.processes = processes
        self._initializer = initializer
        self._lock = threading.Lock()
        self._feeders_changed = threading.Condition(self._lock)
        self._state = State.RUN
        self._pending: Set[Job] = set()
        self._broken: Optional[BaseException] = None
        self._feeders: Set[InputThread] = set()
        self._workers_stopped = False
        self._callbacks_stopped = False
        self._tasks: queue.SimpleQueue[Optional[Task]] = queue.SimpleQueue()
        self._deferred: queue.SimpleQueue[Optional[Tuple[Callable[..., None], Tuple[Any, ...]]]]
        self._deferred = queue.SimpleQueue()
        self._workers = [self._start(self._work, "worker") for _ in range(processes)]
        self._callback_thread = self._start(self._run_deferred, "callbacks")

    @property
    def state(self) -> State:
        return self._state

    # -- submission: every task reaches the queue through _admit -------------------------------

    def submit(self, job: Job, indices: Iterable[int], payloads: Iterable[Any]) -> bool:
        """Make ``job`` pending and enqueue its tasks: ``indices`` and ``payloads``, paired in order.

        Both are read while ``_lock`` is held, so reading them must neither block nor run user
        code. Raises ``ValueError`` if the pool is not running. True if the job is now pending;
        False if it was abandoned at once with an :class:`InitializerError` (a worker's
        initializer failed).
        """
        return self._admit(job, zip(itertools.repeat(job), indices, payloads))

    def submit_one(self, job: Job, payload: Any) -> bool:
        """:meth:`submit` for a job of one task, index 0 (``apply_async``).

        A fast path only, kept because the benchmark shows it is worth it: without the ``zip``
        and ``repeat`` that :meth:`submit` builds, ``apply_async``+``get`` takes 0.29 of the
        stdlib's time per task, against 0.33 through :meth:`submit` (CPython 3.11, the
        benchmark's quick cells of the trivial task, both versions side by side, three runs,
        2026-12-05).
        """
        return self._admit(job, ((job, 0, payload),))

    def submit_with_feeder(self, job: Job, feeder: InputThread) -> None:
        """Make ``job`` pending without tasks and start ``feeder``, which enqueues them with :meth:`feed`.

        As :meth:`submit`; in addition ``join()`` waits for the feeder, and ``close()`` calls its
        ``closing()``. If the thread cannot be started, its error is raised and the job is not pending.
        """
        self._admit(job, (), feeder=feeder)

    def feed(self, job: Job, index: int, payload: Any) -> bool:
        """Enqueue one more task of a job submitted with a feeder. False if the pool gave up on the job."""
        return self._admit(job, ((job, index, payload),), admitted=True)

    def _admit(self, job: Job, tasks: Iterable[Task], feeder: Optional[InputThread] = None, admitted: bool = False) -> bool:
        """The one way onto the task queue: admit ``job`` and enqueue its ``tasks``, in one ``_lock`` section.

        A new job is admitted only while the pool runs (else ``ValueError``): it becomes pending,
        with its ``feeder`` registered and started, if it has one, and True is returned; on a pool
        whose initializer failed it is abandoned instead (after the lock is released) and False
        returned. A job ``admitted`` before (a feeder's later chunk) gets its tasks enqueued only
        while it is still pending; False if it is not. ``tasks`` are read under the lock.

        Invariant: a task is put on ``_tasks`` only here, under ``_lock``, for a job pending at
        that moment, and a job becomes pending only here, while the pool runs. So no task lands
        after ``terminate()`` drained the queue (it retires every pending job in the same lock
        section), nor after the workers' stop sentinels: ``terminate()`` queues them once no job
        is pending, and ``join()`` only after ``close()`` (no new job) and once no feeder is
        registered (a feeder unregisters when it has enqueued its last task) or the pool was
        terminated.
        """
        # Not ``with``, and a loop rather than any(map(put, tasks)): this runs once per task of
        # apply_async, where both are worth it: apply_async+get takes 0.28 of the stdlib's time per
        # task, against 0.31 with ``with`` and any(map(...)) (0.29 with either alone), and maps
        # are no slower (CPython 3.11, the benchmark's quick cells of the trivial task, side by
        # side, three runs, 2026-12-05).
        lock = self._lock
        lock.acquire()
        try:
            if admitted:
                accepted = job in self._pending
            else:
                self.check_running()
                accepted = self._broken is None
                if accepted:
                    self._pending.add(job)
                    if feeder is not None:
                        self._start_feeder(job, feeder)
            if accepted:
                put = self._tasks.put
                for task in tasks:
                    put(task)
        finally:
            lock.release()
        if not (accepted or admitted):
            job.abandon(self._initializer_error())
        return accepted

    def _start_feeder(self, job: Job, feeder: InputThread) -> None:
        """Register and start the feeder of the pending ``job``; if it cannot start, undo both. Needs ``_lock``."""
        self._feeders.add(feeder)
        try:
            feeder.start()
        except BaseException:
            self._pending.discard(job)
            self._feeders.discard(feeder)
            raise

    def feeder_stopped(self, feeder: InputThread) -> None:
        with self._lock:
            self._feeders.discard(feeder)
            self._feeders_changed.notify_all()

    def retire(self, job: Job) -> bool:
        """End ``job``'s pending state. True if the caller won and must publish the outcome."""
        # Not ``with``: this runs once per job, so once per task of apply_async, where it is worth
        # it: apply_async+get takes 0.29 of the stdlib's time per task, against 0.31 with ``with``
        # (CPython 3.11, the benchmark's quick cells of the trivial task, side by side, three
        # runs, 2026-12-05).
        lock = self._lock
        lock.acquire()
        try:
            self._pending.remove(job)
        except KeyError:
            return False  # the engine gave up on the job first
        finally:
            lock.release()
        return True

    def defer(self, call: Callable[..., None], *args: Any) -> None:
        """Run ``call(*args)`` on the callback thread, after the calls deferred before it."""
        self._deferred.put((call, args))

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Refuse new submissions; outstanding work still runs. Idempotent."""
        with self._lock:
            if self._state is State.RUN:
                self._state = State.CLOSE
            feeders = list(self._feeders)
        for feeder in feeders:
            feeder.closing()

    def terminate(self) -> None:
        """Refuse new submissions, drop queued tasks, fail every pending job. Does not wait."""
        with self._lock:
            if self._state is State.TERMINATE:
                return
            self._state = State.TERMINATE
            abandoned = self._give_up_pending()
            self._stop_workers()
            self._stop_callbacks()
            self._feeders_changed.notify_all()  # join() no longer waits for feeders still reading
        for job in abandoned:
            job.abandon(PoolTerminatedError("the pool was terminated before this result completed"))

    def join(self) -> None:
        """Wait until every thread of the pool has stopped (after close: all work is done).

        Once the pool is terminated (before or during the wait), a feeder still reading its input
        is not waited for: the input may block for ever, and nothing it yields would be run. That
        thread stops as soon as the input returns or raises, once the chunk it was reading is
        complete, without running it.
        """
        with self._lock:
            if self._state is State.RUN:
                raise ValueError("Pool is still running")
            feeders = list(self._feeders)
        if threading.current_thread() in [*self._workers, self._callback_thread, *feeders]:
            raise RuntimeError("join() called from a thread of the pool would wait for itself")
        with self._lock:
            self._feeders_changed.wait_for(lambda: not self._feeders or self._state is State.TERMINATE)
            reading = set(self._feeders)
        for feeder in feeders:
            if feeder not in reading:
                feeder.join()  # it has stopped: it is ending
        with self._lock:
            self._stop_workers()
        for worker in self._workers:
            worker.join()
        with self._lock:
            self._stop_callbacks()
        self._callback_thread.join()

    # -- internals ----------------------------------------------------------------------------

    def check_running(self) -> None:
        """Raise ``ValueError`` unless the pool accepts work."""
        if self._state is not State.RUN:
            raise ValueError("Pool not running")

    def _give_up_pending(self) -> List[Job]:
        """Retire every pending job and drop every queued task. Needs ``_lock``.

        Sentinels already queued are dropped with the tasks, so they are queued again.
        """
        abandoned = list(self._pending)
        self._pending.clear()
        while True:
            try:
                self._tasks.get_nowait()
            except queue.Empty:
                break
        if self._workers_stopped:
            self._queue_sentinels()
        return abandoned

    def _stop_workers(self) -> None:
        """Queue one sentinel per worker, once. Needs ``_lock``."""
        if not self._workers_stopped:
            self._workers_stopped = True
            self._queue_sentinels()

    def _queue_sentinels(self) -> None:
        for _ in self._workers:
            self._tasks.put(None)

    def _stop_callbacks(self) -> None:
        """Queue the callback thread's sentinel, once. Needs ``_lock``."""
        if not self._callbacks_stopped:
            self._callbacks_stopped = True
            self._deferred.put(None)

    def _initializer_error(self) -> InitializerError:
        error = InitializerError(f"a worker's initializer raised {self._broken!r}; the pool cannot run tasks")
        error.__cause__ = self._broken
        return error

    def _start(self, target: Callable[[], None], role: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=f"poolspec.reference.ThreadPool {role}", daemon=True)
        thread.start()
        return thread

    def _work(self) -> None:
        if self._initializer is not None:
            initializer, initargs = self._initializer
            try:
                initializer(*initargs)
            except BaseException as exc:  # noqa: BLE001 - any escape would be lost on this thread
                self._break(exc)
                return
        for job, index, payload in iter(self._tasks.get, None):
            job.run_task(index, payload)
            # Let go of the task before waiting for the next one, which may never come: the job
            # holds its function and outcome, the payload its arguments (bpo-29861).
            del job, payload

    def _break(self, cause: BaseException) -> None:
        """An initializer raised: fail every pending and every later job with the cause."""
        with self._lock:
            if self._broken is not None:
                return
            self._broken = cause
            abandoned = self._give_up_pending()
        for job in abandoned:
            job.abandon(self._initializer_error())

    def _run_deferred(self) -> None:
        for call, args in iter(self._deferred.get, None):
            call(*args)
            del call, args  # the result and its outcome: not kept until the next callback (see _work)

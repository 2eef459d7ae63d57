"""Every measurement of the benchmark, on the interpreter that runs this module.

``python bench/measure.py [--quick] [PART ...]`` prints one JSON object (see :func:`measure`) on stdout
and its progress on stderr; :mod:`poolbench` runs it under each interpreter it is given, in a
process of its own, with this checkout's root on ``PYTHONPATH`` (so ``poolspec.reference`` is importable).

Each figure is the median of several runs, and the contenders take turns within each run so that
drift of the machine hits them alike; ratios are only ever taken between figures of one run.

* per-task cost: every operation of :mod:`contenders` for a trivial task and for a 50 µs blocking
  task (``time.sleep``), at 1, 4 and 16 workers and 10³–10⁵ tasks;
* CPU-bound scaling: the wall time of ``map`` (chunksize 1) over :data:`SCALING_TASKS` calls of a
  pure-Python loop (:func:`spin`, a few ms) on 1 and on 2 workers, and of the same calls in a
  plain loop without a pool;
* start-up and shutdown: build a pool, close it, join it;
* imap memory: the peak memory growth of ``imap`` over a long generator, with and without
  ``buffersize``, each in a subprocess;
* the machine's other load: how many CPUs other processes kept busy during the run and during the
  scaling measurement (from ``/proc/stat``, where there is one);
* the build: version, whether it is free-threaded, whether the GIL was enabled at the end of
  the run (``sys._is_gil_enabled()``, Python 3.13+; a build without it always has the GIL).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import sysconfig
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from contenders import CONTENDERS, Contender


def trivial(x: Any) -> Any:
    return x


def trivial_pair(x: Any, y: Any) -> Any:
    return x


def blocking(x: Any) -> Any:
    time.sleep(50e-6)
    return x


def blocking_pair(x: Any, y: Any) -> Any:
    time.sleep(50e-6)
    return x


SPIN_ITERATIONS = 100_000
SCALING_TASKS = 100
SCALING_WORKERS = (1, 2)


def spin(x: int) -> int:
    """The CPU-bound task: a pure-Python loop over local integers (a few ms), touching no shared object."""
    total = 0
    for i in range(SPIN_ITERATIONS):
        total += i ^ x
    return total


TRIVIAL_TASK, SLEEP_TASK = "trivial", "50 µs sleep"
TASKS: Dict[str, Tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]] = {TRIVIAL_TASK: (trivial, trivial_pair), SLEEP_TASK: (blocking, blocking_pair)}
OPERATIONS: Dict[str, Callable[[Contender, int, str], List[Any]]] = {
    "apply_async+get": lambda pool, n, task: pool.apply(TASKS[task][0], range(n)),
    "map, chunksize 1": lambda pool, n, task: pool.map(TASKS[task][0], range(n), 1),
    "map, default chunksize": lambda pool, n, task: pool.map(TASKS[task][0], range(n), None),
    "imap": lambda pool, n, task: pool.imap(TASKS[task][0], range(n)),
    "imap_unordered": lambda pool, n, task: pool.imap_unordered(TASKS[task][0], range(n)),
    "starmap": lambda pool, n, task: pool.starmap(TASKS[task][1], [(i, i) for i in range(n)]),
}
WORKER_COUNTS = (1, 4, 16)


def per_task_cost(pool: Contender, operation: str, n: int, task: str) -> Optional[float]:
    """Seconds per task of one run, or None if the contender lacks the operation."""
    start = time.perf_counter()
    try:
        results = OPERATIONS[operation](pool, n, task)
    except NotImplementedError:
        return None
    elapsed = time.perf_counter() - start
    assert len(results) == n, f"{operation} returned {len(results)} results for {n} tasks"
    return elapsed / n


def grid(quick: bool) -> List[Tuple[str, int, int]]:
    """(task, workers, tasks) for every measured cell."""
    cells = []
    for task in TASKS:
        for workers in WORKER_COUNTS:
            sizes = (1000,) if quick else ((1000, 10_000, 100_000) if task == TRIVIAL_TASK else (1000, 10_000))
            cells += [(task, workers, n) for n in sizes if not (task != TRIVIAL_TASK and workers == 1 and n > 1000)]
    return cells


def per_task_costs(quick: bool) -> List[Dict[str, Any]]:
    """A row per cell of the grid and operation: its task, workers, tasks and each contender's median seconds per task."""
    rows = []
    for task, workers, n in grid(quick):
        pools = {name: make(workers) for name, make in CONTENDERS.items()}
        try:
            for operation in OPERATIONS:
                samples: Dict[str, List[float]] = {name: [] for name in pools}
                for _ in range(3 if quick or n >= 100_000 else 5):
                    for name, pool in pools.items():
                        cost = per_task_cost(pool, operation, n, task)
                        if cost is not None:
                            samples[name].append(cost)
                medians = {name: statistics.median(values) for name, values in samples.items() if values}
                rows.append({"task": task, "workers": workers, "n": n, "operation": operation, "medians": medians})
                progress(f"{task:>12} {workers:>2} workers {n:>6} tasks {operation:<24} " + "  ".join(f"{name} {cost * 1e6:7.2f}" for name, cost in medians.items()))
        finally:
            for pool in pools.values():
                pool.close()
    return rows


def cpu_scaling(repeats: int) -> Dict[str, Any]:
    """Median wall seconds of :data:`SCALING_TASKS` calls of :func:`spin`: ``serial`` (a plain loop)
    and ``pools`` (contender name → workers as a string → seconds, through ``map`` with chunksize 1);
    ``others`` is the CPU use of other processes meanwhile (:func:`others_busy`).

    Every pool of both sizes is built first; each repeat then runs the loop and every pool in turn,
    so that a change of the machine's load hits 1 and 2 workers alike.
    """
    items = range(SCALING_TASKS)
    expected = [spin(x) for x in items]
    serial: List[float] = []
    samples: Dict[str, Dict[int, List[float]]] = {name: {workers: [] for workers in SCALING_WORKERS} for name in CONTENDERS}
    pools = {(name, workers): make(workers) for name, make in CONTENDERS.items() for workers in SCALING_WORKERS}
    before = machine_usage()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            assert [spin(x) for x in items] == expected
            serial.append(time.perf_counter() - start)
            for (name, workers), pool in pools.items():
                start = time.perf_counter()
                results = pool.map(spin, items, 1)
                samples[name][workers].append(time.perf_counter() - start)
                assert results == expected, f"{name} returned wrong results"
    finally:
        others = others_busy(before)
        for pool in pools.values():
            pool.close()
    found = {name: {str(workers): statistics.median(values) for workers, values in by_workers.items()} for name, by_workers in samples.items()}
    progress(
        f"cpu scaling: serial {statistics.median(serial):.3f} s; "
        + "; ".join(f"{name} " + " ".join(f"{w}w {s:.3f} s" for w, s in by.items()) for name, by in found.items())
        + f"; others {others}"
    )
    return {"tasks": SCALING_TASKS, "iterations": SPIN_ITERATIONS, "repeats": repeats, "serial": statistics.median(serial), "pools": found, "others": others}


Usage = Optional[Tuple[float, float, float]]


def machine_usage() -> Usage:
    """(wall clock, CPU seconds the machine spent busy, CPU seconds of this process and its
    waited-for children), or None where ``/proc/stat`` is missing (not Linux).

    Busy is user, nice, system, irq, softirq and steal (CPU time a hypervisor gave to other
    machines is not ours to use either).
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(field) for field in stat.readline().split()[1:9]]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    own = sum(getattr(resource.getrusage(who), kind) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for kind in ("ru_utime", "ru_stime"))
    return time.perf_counter(), (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK"), own


def others_busy(before: Usage) -> Optional[float]:
    """How many CPUs other processes kept busy on average since ``before`` (the machine's busy time
    less this process's, ÷ the wall time), or None where it cannot be measured."""
    after = machine_usage()
    if before is None or after is None:
        return None
    wall, busy, own = (end - start for start, end in zip(before, after))
    return max(0.0, busy - own) / wall


STARTUP_CONTENDERS = ("reference", "stdlib", "futures")


def startup_costs(repeats: int) -> List[Dict[str, Any]]:
    """Median seconds to build a pool of n workers, close it and join it: a row per contender and n."""
    rows = []
    for workers in WORKER_COUNTS:
        for name in STARTUP_CONTENDERS:
            samples = []
            for _ in range(repeats):
                start = time.perf_counter()
                CONTENDERS[name](workers).close()
                samples.append(time.perf_counter() - start)
            rows.append({"contender": name, "workers": workers, "seconds": statistics.median(samples)})
    return rows


MEMORY_PROBE = """
import resource, sys
{pool_import}
n, buffersize = int(sys.argv[1]), sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with ThreadPool(4) as pool:
    kwargs = {{}} if buffersize == "none" else {{"buffersize": int(buffersize)}}
    for _ in pool.imap(abs, iter(range(n)), 100, **kwargs):
        pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def imap_memory(sizes: Sequence[int]) -> List[Dict[str, Any]]:
    """Peak memory growth (MiB) of imap over a generator, chunksize 100: a row per pool, buffersize and items."""
    found = []
    for pool, buffersize in (("reference", "none"), ("reference", "1000"), ("stdlib", "none")):
        pool_import = "from poolspec.reference import ThreadPool" if pool == "reference" else "from multiprocessing.pool import ThreadPool"
        for n in sizes:
            code = MEMORY_PROBE.format(pool_import=pool_import)
            output = subprocess.run([sys.executable, "-c", code, str(n), buffersize], capture_output=True, text=True, check=True).stdout
            found.append({"pool": pool, "buffersize": buffersize, "n": n, "mib": int(output) / 1024})
            progress(f"imap memory {pool} buffersize={buffersize} n={n}: {int(output) / 1024:.1f} MiB")
    return found


def build() -> Dict[str, Any]:
    """What the page says of this interpreter; ``gil_enabled`` as it is now (a free-threaded build can enable it at run time)."""
    is_gil_enabled: Optional[Callable[[], bool]] = getattr(sys, "_is_gil_enabled", None)
    return {
        "implementation": platform.python_implementation(),
        "version": platform.python_version(),
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": is_gil_enabled() if is_gil_enabled is not None else True,
    }


PARTS: Dict[str, Callable[[bool], Any]] = {
    "scaling": lambda quick: cpu_scaling(3 if quick else 7),
    "per_task": per_task_costs,
    "startup": lambda quick: startup_costs(5 if quick else 20),
    "memory": lambda quick: imap_memory((10_000, 100_000) if quick else (100_000, 1_000_000, 10_000_000)),
}
"""Each part of the benchmark by name (its argument: ``--quick``), in the order a full run measures them."""


def measure(parts: Sequence[str], quick: bool) -> Dict[str, Any]:
    """The given parts, as JSON-ready data: ``build``, ``seconds`` (the run's duration), ``others``
    (:func:`others_busy` over the run) and each part by name (the return value of its function)."""
    start, before = time.perf_counter(), machine_usage()
    progress(f"{platform.python_implementation()} {platform.python_version()} ({sys.executable}): {', '.join(parts)}")
    found = {part: PARTS[part](quick) for part in parts}
    return {"build": build(), "seconds": time.perf_counter() - start, "others": others_busy(before), **found}


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"what to measure, of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="a reduced grid (1000 tasks, 3 runs, small memory probe)")
    args = parser.parse_args(argv)
    unknown = [part for part in args.parts if part not in PARTS]
    if unknown:
        parser.error(f"no part {', '.join(unknown)}; the parts are {', '.join(PARTS)}")
    json.dump(measure(args.parts or list(PARTS), args.quick), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

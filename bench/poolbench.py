"""The benchmark: the reference pool, the stdlib's, concurrent.futures and a minimal floor, side by side.

``python bench/poolbench.py --output docs/benchmark.md`` (the ``bench`` tox environment) times,
in one process, the per-task cost of every operation of :mod:`contenders` for a trivial task and
for a 50 µs blocking task (``time.sleep``), at 1, 4 and 16 workers and 10³–10⁵ tasks. Each
figure is the median of several runs, and the contenders take turns within each run so that
drift of the machine hits them alike. Ratios compare figures of the same run only. It also
times pool start-up and shutdown, and measures (in subprocesses) the peak memory of ``imap``
over a long generator with and without ``buffersize``. ``--quick`` runs a reduced grid. The
targets (:data:`TARGETS`) are judged on the trivial task, where the cost is the pool's own.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contenders import CONTENDERS, Contender

TARGETS = {
    "apply_async+get": ("stdlib", 0.33),
    "imap": ("stdlib", 0.5),
    "imap_unordered": ("stdlib", 0.5),
    "map, default chunksize": ("stdlib", 1.0),
    "map, chunksize 1": ("minimal", 4.0),
}
"""Operation: (what the reference is compared with, the ratio it must not exceed on the trivial task)."""


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
        for workers in (1, 4, 16):
            sizes = (1000,) if quick else ((1000, 10_000, 100_000) if task == "trivial" else (1000, 10_000))
            cells += [(task, workers, n) for n in sizes if not (task != "trivial" and workers == 1 and n > 1000)]
    return cells


def measure(quick: bool) -> List[Dict[str, Any]]:
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
                print(f"{task:>12} {workers:>2} workers {n:>6} tasks {operation:<24} " + "  ".join(f"{name} {cost * 1e6:7.2f}" for name, cost in medians.items()), file=sys.stderr)
        finally:
            for pool in pools.values():
                pool.close()
    return rows


def startup_costs(repeats: int) -> Dict[Tuple[str, int], float]:
    """Median seconds to build a pool of n workers, close it and join it."""
    costs = {}
    for workers in (1, 4, 16):
        for name in ("reference", "stdlib", "futures"):
            samples = []
            for _ in range(repeats):
                start = time.perf_counter()
                CONTENDERS[name](workers).close()
                samples.append(time.perf_counter() - start)
            costs[(name, workers)] = statistics.median(samples)
    return costs


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


def imap_memory(sizes: Sequence[int]) -> List[Tuple[str, str, int, float]]:
    """(pool, buffersize, items, peak memory growth in MiB) of imap over a generator, chunksize 100."""
    found = []
    probes = [("reference", "none"), ("reference", "1000"), ("stdlib", "none")]
    for pool, buffersize in probes:
        pool_import = "from reference import ThreadPool" if pool == "reference" else "from multiprocessing.pool import ThreadPool"
        for n in sizes:
            code = MEMORY_PROBE.format(pool_import=pool_import)
            output = subprocess.run([sys.executable, "-c", code, str(n), buffersize], capture_output=True, text=True, check=True).stdout
            found.append((pool, buffersize, n, int(output) / 1024))
            print(f"imap memory {pool} buffersize={buffersize} n={n}: {int(output) / 1024:.1f} MiB", file=sys.stderr)
    return found


def _ratios(rows: List[Dict[str, Any]], operation: str, contender: str, other: str, task: str) -> List[float]:
    """``contender``'s cost ÷ ``other``'s in every row of ``operation`` with ``task`` that has both."""
    return [
        row["medians"][contender] / row["medians"][other]
        for row in rows
        if row["operation"] == operation and row["task"] == task and contender in row["medians"] and other in row["medians"]
    ]


def _median_ratio(rows: List[Dict[str, Any]], operation: str, contender: str, other: str, task: str) -> str:
    ratios = _ratios(rows, operation, contender, other, task)
    return f"{statistics.median(ratios):.2f}" if ratios else "–"


def report(rows: List[Dict[str, Any]], startup: Dict[Tuple[str, int], float], memory: List[Tuple[str, str, int, float]], seconds: float) -> str:
    names = list(CONTENDERS)
    lines = [
        "# Benchmark",
        "",
        "<!-- Generated by `python bench/poolbench.py --output docs/benchmark.md` (tox -e bench): do not edit. -->",
        "",
        f"One run on {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d')}, {seconds:.0f} s. Per-task cost in µs (median of repeated runs, contenders "
        "taking turns); ratios are reference ÷ the other, from the same run. `minimal` is one SimpleQueue handoff "
        "per task into worker threads writing into a preallocated list; `futures` is concurrent.futures.ThreadPoolExecutor "
        "(submit for apply, Executor.map for map, imap and starmap, as_completed for imap_unordered).",
        "",
        "## Targets",
        "",
        "A target is judged on the trivial task, where a task's cost is the pool's own work. With the 50 µs task the "
        "sleep sets the pace: there even `minimal`, which does nothing but hand tasks over, runs at "
        f"{_median_ratio(rows, 'apply_async+get', 'minimal', 'stdlib', SLEEP_TASK)}× the stdlib's time on apply_async+get "
        "(median), so no pool can reach a ratio like 0.33; the medians with that task are shown beside.",
        "",
        f"| operation | compared with | target ratio | median ratio, {TRIVIAL_TASK} task | worst ratio, {TRIVIAL_TASK} task | median ratio, {SLEEP_TASK} task | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for operation, (other, target) in TARGETS.items():
        ratios = _ratios(rows, operation, "reference", other, TRIVIAL_TASK)
        if ratios:
            median = statistics.median(ratios)
            met = "yes" if median <= target else "no"
            lines.append(f"| {operation} | {other} | ≤ {target:g} | {median:.2f} | {max(ratios):.2f} | {_median_ratio(rows, operation, 'reference', other, SLEEP_TASK)} | {met} |")
    for task in TASKS:
        lines += [
            "",
            f"## {task} task",
            "",
            "| operation | workers | tasks | " + " | ".join(names) + " | ÷ stdlib | ÷ futures | ÷ minimal |",
            "|---|---|---|" + "---|" * (len(names) + 3),
        ]
        for row in rows:
            if row["task"] != task:
                continue
            medians = row["medians"]
            cells = [f"{medians[name] * 1e6:.2f}" if name in medians else "–" for name in names]
            shown_ratios = [f"{medians['reference'] / medians[other]:.2f}" if other in medians else "–" for other in ("stdlib", "futures", "minimal")]
            lines.append(f"| {row['operation']} | {row['workers']} | {row['n']} | " + " | ".join(cells + shown_ratios) + " |")
    lines += [
        "",
        "## Start-up and shutdown",
        "",
        "Build a pool, close it, join it (median, ms). concurrent.futures starts its threads on the first submit, so its figure is the bare executor.",
        "",
        "| workers | reference | stdlib | futures |",
        "|---|---|---|---|",
    ]
    for workers in (1, 4, 16):
        lines.append(f"| {workers} | " + " | ".join(f"{startup[(name, workers)] * 1e3:.2f}" for name in ("reference", "stdlib", "futures")) + " |")
    lines += [
        "",
        "## imap memory",
        "",
        "Peak memory growth (MiB) of `imap(abs, generator, 100)` on 4 workers, consumed as it goes.",
        "",
        "| pool | buffersize | items | MiB |",
        "|---|---|---|---|",
    ]
    lines += [f"| {pool} | {buffersize} | {n:,} | {mib:.1f} |" for pool, buffersize, n, mib in memory]
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="write the Markdown report here (default: print it)")
    parser.add_argument("--quick", action="store_true", help="a reduced grid (1000 tasks, 3 runs, small memory probe)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = measure(args.quick)
    startup = startup_costs(5 if args.quick else 20)
    memory = imap_memory((10_000, 100_000) if args.quick else (100_000, 1_000_000, 10_000_000))
    text = report(rows, startup, memory, time.perf_counter() - start)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

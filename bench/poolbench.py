"""The benchmark: the reference pool, the stdlib's, concurrent.futures and a minimal floor, side by side, on each Python given.

``python bench/poolbench.py --python python3.11 --python python3.14t --output docs/benchmark.md``
(the ``bench`` tox environment, with CPython 3.11, 3.14 and 3.14t) runs :mod:`measure` under each
interpreter, each run in a process of its own with this checkout's root on ``PYTHONPATH``,
collects the JSON each prints, and writes the page of :mod:`report`: the per-task cost of every
operation, the CPU-bound scaling on 1 and 2 workers, start-up and imap memory, a section per
interpreter. The scaling, the part that other processes' load disturbs most, is measured on every
interpreter first, back to back (about 20 s each), so it gets the quiet the run began in and its
speed-ups share one stretch of the machine's load; then the rest, interpreter after interpreter.
Without ``--python`` it measures the interpreter running it. An interpreter that
cannot be found, or whose run fails, ends the benchmark with an error naming it: the page never
leaves out a Python it was asked for. ``--quick`` runs a reduced grid.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from measure import PARTS  # noqa: E402
from report import render  # noqa: E402


def run_under(python: str, parts: Sequence[str], quick: bool) -> Dict[str, Any]:
    """What :mod:`measure` finds of ``parts`` under ``python`` (its progress goes to our stderr)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(BENCH.parent), os.environ.get("PYTHONPATH")])))
    command = [python, str(BENCH / "measure.py"), *parts, *(["--quick"] if quick else [])]
    result = subprocess.run(command, stdout=subprocess.PIPE, env=env, text=True)
    if result.returncode:
        raise SystemExit(f"poolbench: the run under {python} failed (exit status {result.returncode})")
    found: Dict[str, Any] = json.loads(result.stdout)
    return found


def merged(first: Dict[str, Any], second: Dict[str, Any]) -> Dict[str, Any]:
    """One interpreter's two runs as one: their parts, their time, other processes' mean load over
    both (None if either could not measure it), the GIL enabled if it was after either."""
    seconds = first["seconds"] + second["seconds"]
    others = None if first["others"] is None or second["others"] is None else (first["others"] * first["seconds"] + second["others"] * second["seconds"]) / seconds
    build = dict(second["build"], gil_enabled=first["build"]["gil_enabled"] or second["build"]["gil_enabled"])
    return {**first, **second, "build": build, "seconds": seconds, "others": others}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", default=[], metavar="PATH", help="an interpreter to measure, by path or by name on PATH (repeatable; default: this one)")
    parser.add_argument("--output", type=Path, help="write the Markdown report here (default: print it)")
    parser.add_argument("--quick", action="store_true", help="a reduced grid (1000 tasks, 3 runs, small memory probe)")
    args = parser.parse_args(argv)
    pythons: List[str] = []
    for name in args.python or [sys.executable]:
        found = shutil.which(name)
        if found is None:
            parser.error(f"no interpreter {name!r} (neither a path nor on PATH; python3 dev.py bench adds pyenv's and /opt/cpython-*/bin)")
        pythons.append(found)
    conditions = {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "platform": f"{platform.system()} {platform.machine()}",
        "load_before": os.getloadavg(),
        "quick": args.quick,
    }
    start = time.perf_counter()
    scaling = [run_under(python, ["scaling"], args.quick) for python in pythons]
    rest = [run_under(python, [part for part in PARTS if part != "scaling"], args.quick) for python in pythons]
    runs = [merged(*pair) for pair in zip(scaling, rest)]
    text = render(runs, dict(conditions, seconds=time.perf_counter() - start, load_after=os.getloadavg()))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m tests.foreign_pools [--update] [NAME ...]``: the kit on the foreign pools, against their expected outcomes.

Runs the kit on each named pool (all by default), two at a time, and prints every clause whose
outcome differs from ``expected/<name>.txt`` with what the kit said, and how long each run took
(``--reports DIR`` keeps each run's JSON report and journal).
With ``--update`` it rewrites the files from these runs instead, keeping each ``# kit fault``
comment whose clause kept its outcome (and saying which it dropped).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from . import POOLS, RUN_LIMIT, ForeignPool, differences, read_expected, run, write_expected


def check(pool: ForeignPool, directory: Path, update: bool) -> Tuple[bool, List[str]]:
    """Whether ``pool`` gave its expected outcomes (or they were rewritten), and what to print."""
    kit_run = run(pool, directory / f"{pool.name}.json")
    head = f"{pool.name}: the kit took {kit_run.seconds:.0f} s"
    if kit_run.report is None:
        return False, [f"{head} and was killed at the limit of {RUN_LIMIT} s, in {kit_run.running_when_killed()}"]
    expected = read_expected(pool) if pool.expected_file.exists() else None
    if not update:
        if expected is None:
            return False, [f"{head}; no expected outcomes recorded ({pool.expected_file})"]
        lines = differences(expected, kit_run.report)
        return not lines, [f"{head}; {len(lines)} clause(s) differ from {pool.expected_file.name}", *lines]
    kept = {clause_id: note for clause_id, (outcome, note) in (expected.outcomes.items() if expected else ()) if note and kit_run.outcomes.get(clause_id) == outcome}
    dropped = sorted(clause_id for clause_id, (_, note) in (expected.outcomes.items() if expected else ()) if note and clause_id not in kept)
    write_expected(pool, kit_run.outcomes, kept)
    return True, [f"{head}; wrote {pool.expected_file}", *(f"  dropped the note of {clause_id}: its outcome changed" for clause_id in dropped)]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.foreign_pools", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the expected outcomes from these runs")
    parser.add_argument("--reports", type=Path, metavar="DIR", help="keep each run's JSON report and journal in DIR (default: a temporary folder)")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"the pools to run (default: all of {', '.join(pool.name for pool in POOLS)})")
    options = parser.parse_args(argv)
    unknown = set(options.names) - {pool.name for pool in POOLS}
    if unknown:
        parser.error(f"no foreign pool named {', '.join(sorted(unknown))}")
    pools = [pool for pool in POOLS if not options.names or pool.name in options.names]
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(2) as executor:
        directory = options.reports or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        outputs = list(executor.map(lambda pool: check(pool, directory, options.update), pools))
    for _, lines in outputs:
        print("\n".join(lines))
    return 0 if all(ok for ok, _ in outputs) else 1


if __name__ == "__main__":
    sys.exit(main())

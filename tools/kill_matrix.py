"""The kill matrix: the whole kit on every broken pool of the catalogue, clause family by family.

``python tools/kill_matrix.py --output docs/kill-matrix.md --data docs/kill-matrix.json``
(``python3 dev.py killmatrix``) runs the kit (the ``ci`` profile, strict clauses on, a 3 s hang
limit) on each broken pool in ``tests/broken_pools/``, two at a time, keeps what it measured in
the data file, and renders the page from it: which clause families catch which pool, the kill
rate, and every clause that no broken pool fails (untested sensitivity).

``--render-only`` renders the page again from the data file, without running the kit. The page
is a pure function of the data, the current catalogue and the current clause registry
(:func:`render`); the runs stay as they were measured. A broken pool of the catalogue that the
data has no run of, and a clause the runs did not include, show as "not run on this version of
the kit" (○), and a sentence names them, so adding a pool or a clause keeps the page true without
a new 15-minute run.

A race pool (``STRESS = N``) is run in stress mode with N threads; it can only be caught where
threads run at the same time, so on a Python with the GIL its row shows it uncaught.

A broken pool is a change of the reference or of the stdlib's pool, and those fail some clauses
themselves (the reference a strict one on purpose; the stdlib its baseline, as expected
failures). A pool counts as caught by a clause only if the pool it was made from passes it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import poolspec.reference
from poolspec.conformance.clauses import CLAUSES, Clause
from tests.broken_pools import catalogue, kit_options, run_kit

OPTIONS = ["--hang-limit=3"]
BASES = {"reference": "poolspec.reference", "stdlib": "multiprocessing.pool:ThreadPool"}
NOT_RUN = "○"
"""The cell mark for a pool or clause family the stored runs did not cover."""
POOL_FIELDS = {"base": str, "hang": bool, "named": bool, "families": list}
"""The fields of a pool's run in the data, and their types."""


def kill(spec: str, directory: Path, options: Sequence[str] = ()) -> Optional[Dict[str, str]]:
    return run_kit(spec, [*OPTIONS, *options], directory / f"{spec.replace(':', '.')}.json")


def base_of(pool: Any) -> str:
    return "reference" if isinstance(pool, type) and issubclass(pool, poolspec.reference.ThreadPool) else "stdlib"


def short_name(spec: str) -> str:
    """``module:Name`` of a broken pool's ``tests.broken_pools.module:Name`` spec."""
    return spec.partition("broken_pools.")[2]


def caught(outcomes: Dict[str, str], base: Dict[str, str]) -> List[str]:
    """The clauses the pool fails and the pool it was made from passes (or skips).

    The stdlib fails its bugs as expected failures (its baseline); a broken pool made from it has
    no baseline and fails them plainly, which does not count as caught.
    """
    return [clause_id for clause_id, outcome in outcomes.items() if outcome == "failed" and base.get(clause_id) not in ("failed", "xfailed")]


def measure(pools: Sequence[Tuple[str, Any]], jobs: int) -> Dict[str, Any]:
    """The kill matrix data: the kit on each base and each of ``pools``, ``jobs`` at a time.

    Per pool (keyed ``module:Name``): its base, whether it was killed by a hang, whether every
    clause of its ``BREAKS`` caught it (``named``) and the families of the clauses that caught it;
    for the whole run, the clauses it covered, those that caught no pool, and its duration.
    """
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as directory, ThreadPoolExecutor(jobs) as executor:
        specs = [*BASES.values(), *(spec for spec, _ in pools)]
        options = {spec: kit_options(pool) for spec, pool in pools}  # a race pool in stress mode
        outcomes = list(executor.map(lambda spec: kill(spec, Path(directory), options.get(spec, ())), specs))
    bases = {name: found or {} for name, found in zip(BASES, outcomes)}
    runs: Dict[str, Dict[str, Any]] = {}
    failed_anywhere = set()
    for (spec, pool), found in zip(pools, outcomes[len(BASES) :]):
        clauses = caught(found, bases[base_of(pool)]) if found is not None else []
        failed_anywhere.update(clauses)
        families = list(dict.fromkeys(CLAUSES[clause_id].family for clause_id in CLAUSES if clause_id in clauses))
        runs[short_name(spec)] = {
            "base": base_of(pool),
            "hang": found is None,
            "named": found is not None and set(pool.BREAKS) <= set(clauses),
            "families": families,
        }
    return {
        "seconds": round(time.monotonic() - start),
        "clauses": list(CLAUSES),
        "untested": [clause_id for clause_id in CLAUSES if clause_id not in failed_anywhere],
        "pools": runs,
    }


def malformed(data: Dict[str, Any]) -> List[str]:
    """What is wrong with the kill matrix ``data`` (nothing, for data :func:`measure` wrote)."""
    problems = [f"no {key}" for key in ("seconds", "clauses", "untested", "pools") if key not in data]
    if problems:
        return problems
    run_families = {CLAUSES[clause_id].family for clause_id in data["clauses"] if clause_id in CLAUSES}
    for name, run in data["pools"].items():
        wrong = [key for key, kind in POOL_FIELDS.items() if not isinstance(run.get(key), kind)]
        if wrong:
            problems.append(f"{name}: missing or mistyped {', '.join(wrong)}")
        elif run["base"] not in BASES or run["hang"] and (run["named"] or run["families"]):
            problems.append(f"{name}: an impossible run {run}")
        elif not set(run["families"]) <= run_families:
            problems.append(f"{name}: caught by families with no clause in the run: {sorted(set(run['families']) - run_families)}")
    stray = sorted(set(data["untested"]) - set(data["clauses"]))
    if stray:
        problems.append(f"untested clauses that the run did not include: {stray}")
    return problems


def render(data: Dict[str, Any], pools: Sequence[Tuple[str, Any]], clauses: Mapping[str, Clause]) -> str:
    """docs/kill-matrix.md for the stored ``data``, listing the catalogue ``pools`` and the registry ``clauses``."""
    families = list(dict.fromkeys(clause.family for clause in clauses.values()))
    run_families = {clauses[clause_id].family for clause_id in data["clauses"] if clause_id in clauses}
    runs = {short_name(spec): data["pools"][short_name(spec)] for spec, _ in pools if short_name(spec) in data["pools"]}
    rejected = [name for name, run in runs.items() if run["hang"] or run["families"]]
    untested = [clause_id for clause_id in data["untested"] if clause_id in clauses]
    pools_not_run = [short_name(spec) for spec, _ in pools if short_name(spec) not in runs]
    clauses_not_run = [clause_id for clause_id in clauses if clause_id not in data["clauses"]]
    lines = [
        "# Kill matrix",
        "",
        "<!-- Generated by `python3 dev.py killmatrix` (tools/kill_matrix.py), rendered again from docs/kill-matrix.json by `python3 dev.py pages`: do not edit. -->",
        "",
        f"The whole kit (`ci` profile, `--hang-limit=3 --poolspec-strict`) on each of the {len(runs)} broken "
        f"pools of `tests/broken_pools/`, in {data['seconds'] / 60:.0f} minutes. **Kill rate: {len(rejected)}/{len(runs)} "
        f"({100 * len(rejected) / max(len(runs), 1):.0f} %)** rejected. A cell marks a clause family that caught the "
        "pool: a clause of it failed that the pool's own base (the reference, or the stdlib's pool) passes. "
        "`named` says whether every clause the pool's `BREAKS` names caught it.",
        "",
        "Untested sensitivity (clauses that catch no broken pool): " + (", ".join(f"`{clause_id}`" for clause_id in untested) or "none") + ".",
        "",
    ]
    if pools_not_run or clauses_not_run:
        lines += [f"Not run on this version of the kit ({NOT_RUN}), added since the matrix ran: " + _not_run(pools_not_run, clauses_not_run) + ".", ""]
    lines += [
        "| broken pool | base | named | " + " | ".join(families) + " |",
        "|---|---|---|" + "---|" * len(families),
    ]
    for spec, pool in pools:
        name = short_name(spec)
        run = runs.get(name)
        if run is None:
            cells = [base_of(pool), NOT_RUN, *(NOT_RUN for _ in families)]
        elif run["hang"]:
            cells = [run["base"], "killed by hang", *("" for _ in families)]
        else:
            family_cells = ["✗" if family in run["families"] else "" if family in run_families else NOT_RUN for family in families]
            cells = [run["base"], "yes" if run["named"] else "no", *family_cells]
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _not_run(pools: Sequence[str], clauses: Sequence[str]) -> str:
    parts = []
    if pools:
        parts.append(f"the broken pool{'s' if len(pools) > 1 else ''} " + ", ".join(f"`{name}`" for name in pools))
    if clauses:
        parts.append(f"the clause{'s' if len(clauses) > 1 else ''} " + ", ".join(f"`{clause_id}`" for clause_id in clauses))
    return "; ".join(parts)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="the Markdown page to write")
    parser.add_argument("--data", type=Path, required=True, help="where to keep the measured data the page is rendered from")
    parser.add_argument("--jobs", type=int, default=2, help="broken pools checked at once")
    parser.add_argument("--render-only", action="store_true", help="render --output again from --data, running no kit")
    args = parser.parse_args(argv)
    pools = catalogue()
    if args.render_only:
        data = json.loads(args.data.read_text(encoding="utf-8"))
    else:
        data = measure(pools, args.jobs)
        args.data.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    args.output.write_text(render(data, pools, CLAUSES), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

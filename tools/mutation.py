"""Mutation testing of ``poolspec/reference/``: how many single-change mutants the kit rejects.

``python tools/mutation.py --output docs/mutation.md --data docs/mutation.json --verdicts
docs/mutation-verdicts.txt --sample 80 --seed 1`` (``python3 dev.py mutation``) makes every
single-change mutant of ``poolspec/reference/*.py``, picks ``--sample`` of them uniformly at random with
``--seed`` (all of them without ``--sample``), runs the installed kit on each, one at a time by
default (``--jobs``), keeps what it measured in the data file and renders the page from it.

The mutants come from a plain AST mutator of this module, not from mutmut or cosmic-ray: mutmut 3
runs the tests in its own process through trampolines it inserts into every function, and the
measure here is the kit as users run it, a pytest process of its own whose pools run in threads and
which must be killed as a whole when it hangs. The operators (:data:`OPERATORS`) are the usual
ones: a comparison flipped, the condition of an ``if``, ``while`` or conditional expression
negated, a simple statement replaced by ``pass``, a number or boolean constant changed, a ``with``
block without ``as`` unwrapped (``with lock:`` gone), ``and`` and ``or`` swapped. A mutant is
applied to the parsed module, which is written back with :func:`ast.unparse` (comments and layout
are lost, behaviour is not), so the tool needs Python 3.9 or later.

Each mutant runs in a temporary directory holding a copy of ``poolspec/reference/`` with the one module
changed, as the top-level package ``reference_under_test``, and the kit's ``compliance/kit.ini``;
pytest runs there with that directory first on ``PYTHONPATH``, so the kit (the installed plugin)
imports the mutated reference::

    pytest -c compliance/kit.ini -p no:cacheprovider --impl=reference_under_test --hang-limit=2 --poolspec-strict --xfails-file=deliberate.txt -x

with ``HYPOTHESIS_PROFILE=ci``: strict clauses too, with a baseline of the one the reference fails
on purpose (:data:`DELIBERATE_ENTRIES`). ``-x``: the first failing clause kills the mutant. A run that
outlives ``--timeout`` has its whole process group killed and the mutant counts as killed by a
hang. Before the mutants, the unmodified copy (written back the same way) must pass and a copy whose package raises on import
must fail (proof that the copy is the code under test); otherwise the run stops with the reason.

Every survivor needs a verdict in the verdicts file (one ``<mutant id> <verdict>`` per line, ``#``
comments): ``equivalent: <why no observable difference>``, ``clause: <clause id>`` (the clause
that now catches it) or ``gap: <what a clause must check>``. The score is killed (hangs included)
÷ (mutants − equivalent). ``--render-only`` renders the page again from the data and the
verdicts, running no kit; the page is a pure function of both (:func:`render`).
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("poolspec/reference")
"""The package the mutants are made of (module paths are relative to the checkout)."""
COPY = "reference_under_test"
"""The name its copy is imported by in a mutant's directory: a top-level package of its own (the reference imports its
modules relatively), so that the installed ``poolspec``, whose kit runs the mutant, is not shadowed."""
KIT_INI = Path("compliance") / "kit.ini"
HANG_LIMIT = 2.0
DELIBERATE = Path("deliberate.txt")
DELIBERATE_ENTRIES = "callbacks.empty-map-no-callback  # the reference's deliberate difference from the stdlib (README)\n"
"""A baseline of the strict clauses the reference fails on purpose, written beside each mutant."""
KIT_COMMAND = [
    "-m",
    "pytest",
    "-c",
    str(KIT_INI),
    "-p",
    "no:cacheprovider",
    "-q",
    f"--impl={COPY}",
    f"--hang-limit={HANG_LIMIT:g}",
    "--poolspec-strict",
    f"--xfails-file={DELIBERATE}",
    "-x",
]
"""The kit as users run it (after the interpreter), from the mutant's directory, strict clauses included."""
OPERATORS = ("compare", "negate", "remove", "constant", "unwrap", "boolop")
FLIPPED: Dict[type, type] = {
    ast.Lt: ast.GtE,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.GtE: ast.Lt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
"""Each comparison operator and the one that is true exactly when it is false."""
REMOVABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Raise, ast.Assert, ast.Break, ast.Continue, ast.Delete)
"""The simple statements that ``remove`` replaces by ``pass`` (an expression statement that is a constant, a docstring or
``...``, is left, and so is an annotation without a value in a function body: see :func:`_unexecuted_annotations`)."""
OUTCOMES = ("killed", "hang", "survived")
VERDICT_KINDS = ("equivalent", "clause", "gap")
MUTANT_FIELDS: Dict[str, Any] = {"id": str, "module": str, "line": int, "operator": str, "change": str, "outcome": str, "clauses": list, "seconds": (int, float)}
"""The fields of a mutant's run in the data, and their types."""
DATA_FIELDS: Dict[str, Any] = {"seed": (int, type(None)), "sample": (int, type(None)), "total": int, "totals": dict, "seconds": (int, float), "mutants": list}


@dataclass(frozen=True)
class Mutant:
    """One change of one module: the ``node``-th node of :func:`ast.walk` changed by ``operator``.

    ``variant`` picks the operator of a comparison chain (0 otherwise); ``ordinal`` tells apart
    the mutants of one operator on one line. ``change`` is the change in one line.
    """

    module: str
    node: int
    variant: int
    operator: str
    line: int
    ordinal: int
    change: str

    @property
    def id(self) -> str:
        """``module.py:line:operator:ordinal``, stable while the module's text is."""
        return f"{Path(self.module).name}:{self.line}:{self.operator}:{self.ordinal}"


def mutants_of(source: str, module: str) -> List[Mutant]:
    """Every single-change mutant of ``source`` (the text of ``module``), in the order of its nodes."""
    tree = ast.parse(source)
    inert = _unexecuted_annotations(tree)
    sites: List[Tuple[int, int, str, int, str]] = []
    for index, node in enumerate(ast.walk(tree)):
        if node not in inert:
            sites += [(index, variant, operator, getattr(node, "lineno", 0), change) for variant, operator, change in _sites(node)]
    ordinals: Dict[Tuple[int, str], int] = {}
    found = []
    for index, variant, operator, line, change in sites:
        ordinals[line, operator] = ordinals.get((line, operator), 0) + 1
        found.append(Mutant(module, index, variant, operator, line, ordinals[line, operator], change))
    return found


def _sites(node: ast.AST) -> List[Tuple[int, str, str]]:
    """The mutations of ``node`` itself: (variant, operator, change in one line)."""
    if isinstance(node, ast.Compare):
        return [(variant, "compare", _described(node, "compare", variant)) for variant, op in enumerate(node.ops) if type(op) in FLIPPED]
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        keyword = {ast.If: "if", ast.While: "while", ast.IfExp: "... if"}[type(node)]
        return [(0, "negate", f"`{keyword} {_line(node.test)}` → `{keyword} not ({_line(node.test)})`")]
    if isinstance(node, ast.BoolOp):
        return [(0, "boolop", _described(node, "boolop", 0))]
    if isinstance(node, ast.Constant) and type(node.value) in (bool, int, float):
        return [(0, "constant", _described(node, "constant", 0))]
    if isinstance(node, REMOVABLE) and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
        return [(0, "remove", f"`{_line(node)}` removed")]
    if isinstance(node, ast.With) and len(node.items) == 1 and node.items[0].optional_vars is None:
        return [(0, "unwrap", f"`with {_line(node.items[0].context_expr)}:` unwrapped (its body runs without it)")]
    return []


def _unexecuted_annotations(tree: ast.AST) -> List[ast.AST]:
    """The annotations without a value (``x: T``) in function bodies: Python never executes them
    (PEP 526), so no mutant of them can differ. At module and class level they are kept: they fill
    ``__annotations__``, which a dataclass reads."""
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    return [node for function in functions for node in ast.walk(function) if isinstance(node, ast.AnnAssign) and node.value is None]


def _described(node: ast.expr, operator: str, variant: int) -> str:
    changed = copy.deepcopy(node)
    _change_expression(changed, operator, variant)
    return f"`{_line(node)}` → `{_line(changed)}`"


def _line(node: ast.AST) -> str:
    """The first line of ``node``'s source, at most 80 characters."""
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 80 else text[:77] + "..."


def _change_expression(node: ast.expr, operator: str, variant: int) -> None:
    if isinstance(node, ast.Compare):
        node.ops[variant] = FLIPPED[type(node.ops[variant])]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        node.value = not node.value
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        node.value = node.value + 1


def apply(source: str, mutant: Mutant) -> str:
    """``source`` with ``mutant``'s one change, as valid Python."""
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    node = nodes[mutant.node]
    if mutant.operator == "negate":
        assert isinstance(node, (ast.If, ast.While, ast.IfExp))
        node.test = ast.UnaryOp(ast.Not(), node.test)
    elif mutant.operator in ("remove", "unwrap"):
        body, position = _place(nodes, node)
        body[position : position + 1] = [ast.Pass()] if mutant.operator == "remove" else node.body  # type: ignore[attr-defined]
    else:
        assert isinstance(node, ast.expr)
        _change_expression(node, mutant.operator, mutant.variant)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _place(nodes: Sequence[ast.AST], statement: ast.AST) -> Tuple[List[ast.AST], int]:
    """The statement list holding ``statement``, and its position there."""
    for parent in nodes:
        for _, value in ast.iter_fields(parent):
            if isinstance(value, list) and any(child is statement for child in value):
                return value, next(position for position, child in enumerate(value) if child is statement)
    raise ValueError(f"no statement list holds {ast.dump(statement)[:80]}")


def all_mutants(root: Path) -> List[Mutant]:
    """Every mutant of every module of ``root``'s package, module by module."""
    return [mutant for path in sorted((root / SOURCE).glob("*.py")) for mutant in mutants_of(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())]


def run_kit(root: Path, changed: Mapping[str, str], limit: float) -> Dict[str, Any]:
    """The kit on a copy of ``root``'s package with the ``changed`` module texts, killed after ``limit`` s.

    Returns the outcome (``killed``, ``hang`` or ``survived``), the clauses that failed (as the
    run's report names them) and the seconds it took, and the end of its output.
    """
    with tempfile.TemporaryDirectory(prefix="poolspec-mutant-") as directory:
        copy_root = Path(directory)
        shutil.copytree(root / SOURCE, copy_root / COPY)
        (copy_root / KIT_INI).parent.mkdir()
        shutil.copy(root / KIT_INI, copy_root / KIT_INI)
        (copy_root / DELIBERATE).write_text(DELIBERATE_ENTRIES, encoding="utf-8")
        for module, text in changed.items():
            (copy_root / COPY / Path(module).relative_to(SOURCE)).write_text(text, encoding="utf-8")
        report = copy_root / "report.json"
        env = dict(os.environ, PYTHONPATH=str(copy_root), HYPOTHESIS_PROFILE="ci")
        command = [sys.executable, *KIT_COMMAND, f"--poolspec-report={report}"]
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=copy_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            output, _ = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return {"outcome": "hang", "clauses": [], "seconds": round(time.monotonic() - started, 1), "output": output[-2000:]}
        seconds = round(time.monotonic() - started, 1)
        clauses = []
        if report.exists():
            clauses = [clause_id for clause_id, clause in json.loads(report.read_text(encoding="utf-8"))["clauses"].items() if clause["outcome"] == "failed"]
        return {"outcome": "survived" if process.returncode == 0 else "killed", "clauses": clauses, "seconds": seconds, "output": output[-2000:]}


def check_setup(root: Path, limit: float) -> None:
    """Stop with the reason unless the unmodified copy passes the kit and a copy that cannot be imported fails it.

    The unmodified copy is the package as the mutants are written, each module through :func:`ast.unparse`.
    """
    modules = [path.relative_to(root).as_posix() for path in (root / SOURCE).glob("*.py")]
    unchanged = run_kit(root, {module: ast.unparse(ast.parse((root / module).read_text(encoding="utf-8"))) + "\n" for module in modules}, limit)
    if unchanged["outcome"] != "survived":
        raise SystemExit(f"mutation: the kit does not pass on the unmodified {SOURCE}/ ({unchanged['outcome']}); fix that first:\n{unchanged['output']}")
    init = f"{SOURCE.as_posix()}/__init__.py"
    broken = run_kit(root, {init: (root / init).read_text(encoding="utf-8") + "\nraise RuntimeError('mutation: this copy is under test')\n"}, limit)
    if broken["outcome"] != "killed":
        raise SystemExit(f"mutation: a copy of {SOURCE}/ that cannot be imported passed: the kit does not run the copy\n{broken['output']}")


def measure(root: Path, chosen: Sequence[Mutant], jobs: int, limit: float) -> List[Dict[str, Any]]:
    """The kit's run on each of ``chosen``, ``jobs`` at a time, as the data file keeps them."""
    sources = {mutant.module: (root / mutant.module).read_text(encoding="utf-8") for mutant in chosen}

    def one(mutant: Mutant) -> Dict[str, Any]:
        run = run_kit(root, {mutant.module: apply(sources[mutant.module], mutant)}, limit)
        print(f"mutation: {mutant.id} {run['outcome']} {' '.join(run['clauses'])} ({run['seconds']} s)", file=sys.stderr, flush=True)
        fields = {key: value for key, value in asdict(mutant).items() if key in MUTANT_FIELDS}
        return {**fields, "id": mutant.id, "outcome": run["outcome"], "clauses": run["clauses"], "seconds": run["seconds"]}

    with ThreadPoolExecutor(jobs) as executor:
        return list(executor.map(one, chosen))


def chosen_sample(mutants: Sequence[Mutant], sample: Optional[int], seed: Optional[int]) -> List[Mutant]:
    """``sample`` of ``mutants`` drawn uniformly at random with ``seed`` (all without ``sample``), in their order."""
    if sample is None or sample >= len(mutants):
        return list(mutants)
    picked = set(random.Random(seed).sample(range(len(mutants)), sample))
    return [mutant for position, mutant in enumerate(mutants) if position in picked]


def read_verdicts(text: str) -> Tuple[Dict[str, str], List[str]]:
    """The verdicts of the verdicts file's ``text`` by mutant id, and what is wrong with its lines."""
    verdicts: Dict[str, str] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        mutant_id, _, verdict = line.strip().partition(" ")
        kind, colon, why = verdict.strip().partition(":")
        if kind not in VERDICT_KINDS or not colon or not why.strip():
            problems.append(f"line {number}: not `<mutant id> {'|'.join(VERDICT_KINDS)}: <text>`: {line.strip()}")
        else:
            verdicts[mutant_id] = f"{kind}: {why.strip()}"
    return verdicts, problems


def malformed(data: Any) -> List[str]:
    """What is wrong with the mutation ``data`` (nothing, for data :func:`main` wrote)."""
    if not isinstance(data, dict):
        return ["not a JSON object"]
    problems = [f"missing or mistyped {key}" for key, kind in DATA_FIELDS.items() if key not in data or not isinstance(data[key], kind)]
    if problems:
        return problems
    for position, run in enumerate(data["mutants"]):
        wrong = [key for key, kind in MUTANT_FIELDS.items() if not isinstance(run, dict) or not isinstance(run.get(key), kind)]
        if wrong:
            problems.append(f"mutant {position}: missing or mistyped {', '.join(wrong)}")
        elif run["outcome"] not in OUTCOMES or run["operator"] not in OPERATORS:
            problems.append(f"mutant {run['id']}: an unknown outcome or operator")
        elif run["module"] not in data["totals"]:
            problems.append(f"mutant {run['id']}: of a module the totals do not count")
    if sum(data["totals"].values()) != data["total"] or len(data["mutants"]) > data["total"]:
        problems.append("the totals do not add up")
    return problems


def render(data: Mapping[str, Any], verdicts: Mapping[str, str]) -> str:
    """docs/mutation.md for the stored ``data`` and the maintained ``verdicts`` (by mutant id)."""
    runs = data["mutants"]
    survivors = [run for run in runs if run["outcome"] == "survived"]
    equivalent = [run for run in survivors if verdicts.get(run["id"], "").startswith("equivalent:")]
    killed = [run for run in runs if run["outcome"] != "survived"]
    denominator = len(runs) - len(equivalent)
    score = f"{100 * len(killed) / denominator:.0f} %" if denominator else "none"
    sampled = f"a sample of {len(runs)} drawn uniformly at random with seed {data['seed']}" if len(runs) < data["total"] else "all of them"
    lines = [
        "# Mutation testing of the reference",
        "",
        "<!-- Generated by `python3 dev.py mutation` (tools/mutation.py), rendered again from docs/mutation.json "
        "and docs/mutation-verdicts.txt by `python3 dev.py pages`: do not edit. -->",
        "",
        f"Single-change mutants of `poolspec/reference/` ({', '.join(OPERATORS)}; see tools/mutation.py): {data['total']} in all, "
        f"{sampled}. The installed kit ran on each (`{' '.join(['pytest', *KIT_COMMAND[2:]])}`, `ci` profile), "
        f"in {data['seconds'] / 60:.0f} minutes. A mutant is killed when the run fails, killed by a hang when it "
        "outlived its time limit, and survives when the kit passes it.",
        "",
        f"**Score: {len(killed)}/{denominator} ({score})** killed ÷ (mutants − equivalent): {len(killed)} killed "
        f"({sum(run['outcome'] == 'hang' for run in runs)} by a hang), {len(survivors)} survived, of which {len(equivalent)} "
        f"equivalent, {sum(verdicts.get(run['id'], '').startswith('clause:') for run in survivors)} caught by a clause added since, "
        f"{sum(verdicts.get(run['id'], '').startswith('gap:') for run in survivors)} gaps and "
        f"{sum(run['id'] not in verdicts for run in survivors)} without a verdict.",
        "",
        "| module | mutants | run | killed | killed by hang | survived | equivalent |",
        "|---|---|---|---|---|---|---|",
    ]
    for module, total in sorted(data["totals"].items()):
        mine = [run for run in runs if run["module"] == module]
        counts = [sum(run["outcome"] == outcome for run in mine) for outcome in OUTCOMES]
        lines.append(f"| `{module}` | {total} | {len(mine)} | {counts[0] + counts[1]} | {counts[1]} | {counts[2]} | {sum(run in equivalent for run in mine)} |")
    lines += ["", "## Survivors", ""]
    if not survivors:
        return "\n".join([*lines, "None.", ""])
    lines += ["| mutant | change | verdict |", "|---|---|---|"]
    for run in survivors:
        change = run["change"].replace("|", "\\|")
        verdict = verdicts.get(run["id"], "**no verdict yet**").replace("|", "\\|")
        lines.append(f"| `{run['id']}` | {change} | {verdict} |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="the Markdown page to write")
    parser.add_argument("--data", type=Path, required=True, help="where to keep the measured data the page is rendered from")
    parser.add_argument("--verdicts", type=Path, required=True, help="the maintained verdicts on the survivors")
    parser.add_argument("--sample", type=int, help="run this many mutants, drawn uniformly at random (default: all)")
    parser.add_argument("--seed", type=int, help="the seed of the sample's draw")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds a mutant's kit run may take before it is killed by a hang")
    parser.add_argument("--render-only", action="store_true", help="render --output again from --data and --verdicts, running no kit")
    args = parser.parse_args(argv)
    verdicts, problems = read_verdicts(args.verdicts.read_text(encoding="utf-8") if args.verdicts.exists() else "")
    if args.render_only:
        try:
            data = json.loads(args.data.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            problems.append(f"{args.data}: {error}")
        else:
            problems += [f"{args.data}: {problem}" for problem in malformed(data)]
    else:
        if args.sample is not None and args.seed is None:
            parser.error("--sample needs --seed (the page states it)")
        started = time.monotonic()
        check_setup(ROOT, args.timeout)
        mutants = all_mutants(ROOT)
        totals = {module: sum(mutant.module == module for mutant in mutants) for module in dict.fromkeys(mutant.module for mutant in mutants)}
        runs = measure(ROOT, chosen_sample(mutants, args.sample, args.seed), args.jobs, args.timeout)
        data = {"seed": args.seed, "sample": args.sample, "total": len(mutants), "totals": totals, "seconds": round(time.monotonic() - started), "mutants": runs}
        args.data.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if problems:
        print("mutation: " + "\n".join(problems), file=sys.stderr)
        return 1
    args.output.write_text(render(data, verdicts), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

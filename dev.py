#!/usr/bin/env python3
"""Set up and run the project's checks on a fresh machine.

- ``python3 dev.py kit``: the conformance kit on the stdlib's pool and on the reference;
- ``python3 dev.py test``: every tox environment (the project's tests and the kit on each CPython,
  PyPy, the third-party pools, the self-check, mypy, coverage);
- ``python3 dev.py compliance``: the kit matrix, then COMPLIANCE.md from its reports;
- ``python3 dev.py killmatrix``: the whole kit on every broken pool, into docs/kill-matrix.md;
- ``python3 dev.py mutation``: the kit on a sample of single-change mutants of poolspec/reference/, into
  docs/mutation.md (``python3 dev.py mutation -- --sample N --seed S`` for another sample);
- ``python3 dev.py pages``: docs/clauses.md, COMPLIANCE.md, docs/kill-matrix.md and
  docs/mutation.md rendered again from the clause registry, the catalogue and the stored data,
  running no kit (seconds);
- ``python3 dev.py bench``: the benchmark, into docs/benchmark.md.

It needs only a Python 3.8+ with pip. It makes ``.dev-venv`` holding tox, then runs tox, which
builds one virtualenv per environment and installs what each needs. Interpreters are found on
PATH, among pyenv's versions and in ``/opt/cpython-*/bin`` (where CI unpacks its CPython builds);
PyPy 3.9 is Debian's ``pypy3``, installed with apt-get when it is missing and this runs as root.
tox skips an environment whose interpreter is missing: this script names those environments
before the run and again at its end. ``--require-pythons=3.8,3.14t,...`` (CI passes every Python
it was given) fails the run if an environment on one of those Pythons was skipped. Other extra
arguments go to tox (``python3 dev.py test -e py312``). ``test``, and the kit matrix of
``compliance``, run as many environments at once as the machine has cores unless environments are
chosen, showing the output of failed environments only.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path
from typing import Dict, List, NamedTuple, Tuple

ROOT = Path(__file__).resolve().parent
DEV_VENV = ROOT / ".dev-venv"


class Step(NamedTuple):
    """One tox run of a command: its arguments, and whether its environments may run at once
    (``tox run-parallel``, unless the user chose environments with ``-e``, ``-m`` or ``-f``)."""

    tox_args: List[str]
    parallel: bool = False


COMMANDS: Dict[str, List[Step]] = {
    "kit": [Step(["-e", "kit"])],
    "test": [Step([], parallel=True)],
    "compliance": [Step(["-m", "compliance"], parallel=True), Step(["-e", "compliance"])],  # the label is tox.ini's kit matrix
    "killmatrix": [Step(["-e", "killmatrix"])],
    "mutation": [Step(["-e", "mutation"])],
    "pages": [Step(["-e", "pages"])],
    "bench": [Step(["-e", "bench"])],
}
REQUIRE = "--require-pythons="


def main(argv: List[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    required = {python for arg in argv[1:] if arg.startswith(REQUIRE) for python in arg[len(REQUIRE) :].split(",") if python}
    tox_extra = [arg for arg in argv[1:] if not arg.startswith(REQUIRE)]
    tox = ensure_tox()
    if argv[0] in ("test", "compliance"):
        ensure_pypy()
    if argv[0] == "compliance":
        shutil.rmtree(ROOT / ".tox" / "reports", ignore_errors=True)
    # setuptools keeps build/lib from one wheel build to the next and packs all of it, modules
    # deleted or renamed since included: the kit would collect a suite module that no longer exists.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    env = dict(os.environ, PATH=os.pathsep.join([os.environ.get("PATH", ""), *pyenv_bin_dirs(), *opt_bin_dirs()]))
    status = 0
    base_pythons: Dict[str, str] = {}
    skipped: List[str] = []
    for tox_args, parallel in COMMANDS[argv[0]]:  # every step runs: the table shows a failing matrix too
        step_pythons, missing = interpreters(tox, [*tox_args, *selection(tox_extra)], env)
        base_pythons.update(step_pythons)
        if missing:
            print(f"dev.py: NO INTERPRETER, tox will skip {described(missing, base_pythons)}", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            result = Path(tmp) / "result.json"
            command = tox_command(tox, result, [*tox_args, *tox_extra], parallel=parallel and not selection(tox_extra))
            status = subprocess.call(command, cwd=ROOT, env=env) or status
            skipped += skipped_environments(result)
    if skipped:
        print(f"dev.py: NO INTERPRETER, tox skipped {described(skipped, base_pythons)}", file=sys.stderr)
    else:
        print("dev.py: no environment was skipped for want of an interpreter", file=sys.stderr)
    lost = [name for name in skipped if python_of(base_pythons.get(name, name)) in required]
    if lost:
        print(f"dev.py: FAILED: environments of required Pythons were skipped: {', '.join(lost)}", file=sys.stderr)
        return status or 1
    return status


def tox_command(tox: Path, result: Path, tox_args: List[str], parallel: bool) -> List[str]:
    """tox's command line for ``tox_args``, writing its result to ``result``.

    ``parallel``: as many environments at once as the machine has cores (``tox run-parallel``),
    which shows the output of an environment only if it failed, and a table of times at the end.
    """
    if parallel:
        return [str(tox), "run-parallel", "--parallel", "auto", "--parallel-no-spinner", "--result-json", str(result), *tox_args]
    return [str(tox), "run", "--result-json", str(result), *tox_args]


def selection(tox_args: List[str]) -> List[str]:
    """The options of ``tox_args`` that choose environments (``-e``, ``-m``, ``-f``), for ``tox config``."""
    chosen: List[str] = []
    args = iter(tox_args)
    for arg in args:
        if arg == "--":
            break
        if arg in ("-e", "-m", "-f"):
            chosen += [arg, next(args, "")]
        elif arg[:2] in ("-e", "-m", "-f") and not arg.startswith("--"):
            chosen.append(arg)
    return chosen


def interpreters(tox: Path, tox_args: List[str], env: Dict[str, str]) -> Tuple[Dict[str, str], List[str]]:
    """The environments ``tox_args`` selects, each with its ``base_python``, and those tox finds no interpreter for."""
    config = subprocess.run([str(tox), "config", *tox_args, "-k", "base_python", "py_dot_ver"], cwd=ROOT, env=env, capture_output=True, text=True).stdout
    base_pythons: Dict[str, str] = {}
    missing: List[str] = []
    name = ""
    for line in config.splitlines():
        header = re.fullmatch(r"\[testenv:(.+)\]", line)
        key, _, value = line.partition(" = ")
        if header:
            name = header.group(1)
        elif name and key == "base_python":
            base_pythons[name] = value
        elif name and key == "py_dot_ver" and value.startswith("# Exception"):
            missing.append(name)
    return base_pythons, missing


def skipped_environments(result: Path) -> List[str]:
    """The environments that tox's ``--result-json`` report marks as skipped."""
    try:
        report = json.loads(result.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [name for name, outcome in report.get("testenvs", {}).items() if outcome.get("result", {}).get("skipped")]


def python_of(base_python: str) -> str:
    """The CPython version a ``base_python`` (``py314t``, ``python3.11``) asks for, as ``--require-pythons`` spells it (``3.14t``), else ``""``."""
    match = re.fullmatch(r"(?:py|python)3\.?(\d+)(t?)", base_python)
    return f"3.{match.group(1)}{match.group(2)}" if match else ""


def described(names: List[str], base_pythons: Dict[str, str]) -> str:
    """``py316 (py316), multiprocess (python3.11)``: environments with the interpreter each asks for."""
    return ", ".join(f"{name} ({base_pythons.get(name, '?')})" for name in names)


def ensure_tox() -> Path:
    """The tox of ``.dev-venv``, installing it there first if needed."""
    bin_dir = DEV_VENV / ("Scripts" if os.name == "nt" else "bin")
    tox = bin_dir / "tox"
    if not tox.exists():
        venv.create(DEV_VENV, with_pip=True)
        subprocess.check_call([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "tox>=4.11"])
    return tox


def ensure_pypy() -> None:
    """Debian's ``pypy3`` (PyPy 3.9), installed with apt-get if missing and possible."""
    if shutil.which("pypy3") or not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    quiet = {"stdout": subprocess.DEVNULL, "env": dict(os.environ, DEBIAN_FRONTEND="noninteractive")}
    if subprocess.call(["apt-get", "update", "-qq"], **quiet) or subprocess.call(["apt-get", "install", "-y", "-qq", "pypy3"], **quiet):
        print("dev.py: could not install pypy3; the pypy39 environment will be skipped", file=sys.stderr)


def pyenv_bin_dirs() -> List[str]:
    """The ``bin`` folders of pyenv's CPython versions, so tox finds ``python3.8`` … ``python3.13``."""
    pyenv = shutil.which("pyenv")
    root = os.environ.get("PYENV_ROOT") or (subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip() if pyenv else "")
    if not root:
        root = os.path.expanduser("~/.pyenv")
    return sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin")))


def opt_bin_dirs() -> List[str]:
    """The ``bin`` folders of CPython builds unpacked as ``/opt/cpython-<version>`` (``.ci/run`` puts them there).

    Sorted, so ``/opt/cpython-3.14/bin`` comes before ``/opt/cpython-3.14t/bin``, whose ``python3.14``
    is the free-threaded build (tox tells the two apart anyway).
    """
    return sorted(glob.glob("/opt/cpython-*/bin"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

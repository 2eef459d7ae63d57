#!/usr/bin/env python3
"""Set up and run the project's checks on a fresh machine.

- ``python3 dev.py kit``: the conformance kit on the stdlib's pool and on the reference;
- ``python3 dev.py test``: every tox environment (the project's tests and the kit on each CPython,
  PyPy, the third-party pools, the self-check, mypy, coverage);
- ``python3 dev.py compliance``: the kit matrix, then COMPLIANCE.md from its reports;
- ``python3 dev.py killmatrix``: the whole kit on every broken pool, into docs/kill-matrix.md;
- ``python3 dev.py pages``: docs/clauses.md, COMPLIANCE.md and docs/kill-matrix.md rendered again
  from the clause registry, the catalogue and the stored data, running no kit (seconds);
- ``python3 dev.py bench``: the benchmark, into docs/benchmark.md.

It needs only a Python 3.8+ with pip. It makes ``.dev-venv`` holding tox, then runs tox, which
builds one virtualenv per environment and installs what each needs. Interpreters are found on
PATH and, where pyenv is installed, among pyenv's versions; PyPy 3.9 is Debian's ``pypy3``,
installed with apt-get when it is missing and this runs as root. Environments whose interpreter is
missing are skipped. Extra arguments go to tox (``python3 dev.py test -e py312``).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent
DEV_VENV = ROOT / ".dev-venv"
MATRIX = "py38,py39,py310,py311,py312,py313,pypy39,multiprocess,mpi4py,billiard-threadpool,billiard-pool,joblib"
COMMANDS = {
    "kit": [["-e", "kit"]],
    "test": [[]],
    "compliance": [["-e", MATRIX], ["-e", "compliance"]],
    "killmatrix": [["-e", "killmatrix"]],
    "pages": [["-e", "pages"]],
    "bench": [["-e", "bench"]],
}


def main(argv: List[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    tox = ensure_tox()
    if argv[0] in ("test", "compliance"):
        ensure_pypy()
    if argv[0] == "compliance":
        shutil.rmtree(ROOT / ".tox" / "reports", ignore_errors=True)
    env = dict(os.environ, PATH=os.pathsep.join([os.environ.get("PATH", ""), *pyenv_bin_dirs()]))
    status = 0
    for tox_args in COMMANDS[argv[0]]:  # every step runs: the table shows a failing matrix too
        status = subprocess.call([str(tox), "run", *tox_args, *argv[1:]], cwd=ROOT, env=env) or status
    return status


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
    root = os.environ.get("PYENV_ROOT") or (
        subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip() if pyenv else ""
    )
    if not root:
        root = os.path.expanduser("~/.pyenv")
    return sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin")))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

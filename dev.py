#!/usr/bin/env python3
"""Set up and run the project's checks on a fresh machine: ``python3 dev.py kit`` or ``python3 dev.py test``.

It needs only a Python 3.8+ with pip. It makes ``.dev-venv`` holding tox, then runs tox, which
builds one virtualenv per environment and installs what each needs. Interpreters are found on
PATH and, where pyenv is installed, among pyenv's versions; environments whose interpreter is
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
COMMANDS = {
    "kit": ["-e", "kit"],
    "test": [],
}


def main(argv: List[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    tox = ensure_tox()
    env = dict(os.environ, PATH=os.pathsep.join([os.environ.get("PATH", ""), *pyenv_bin_dirs()]))
    return subprocess.call([str(tox), "run", *COMMANDS[argv[0]], *argv[1:]], cwd=ROOT, env=env)


def ensure_tox() -> Path:
    """The tox of ``.dev-venv``, installing it there first if needed."""
    bin_dir = DEV_VENV / ("Scripts" if os.name == "nt" else "bin")
    tox = bin_dir / "tox"
    if not tox.exists():
        venv.create(DEV_VENV, with_pip=True)
        subprocess.check_call([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "tox>=4.11"])
    return tox


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

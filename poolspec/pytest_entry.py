"""What pytest loads through the ``pytest11`` entry point: the kit's plugin, when the kit can run.

``pip install poolspec`` installs the reference without the kit's dependencies, and pytest loads
every entry point it finds, so the entry point must not break pytest where they are missing. With
hypothesis and packaging importable it loads :mod:`poolspec.conformance.plugin` (through
``pytest_plugins``); without them it stays inert, unless the run asks for an implementation to
check (``--impl``, ``$POOLSPEC_IMPL`` or the ``poolspec_impl`` ini key): that run stops with a
usage error naming what is missing and the command that installs it.
"""

from __future__ import annotations

import importlib.util
import os
from typing import List, Tuple

import pytest

KIT_MODULES = ("hypothesis", "packaging")
"""What the kit imports beyond pytest (the ``kit`` extra of pyproject.toml)."""


def importable(name: str) -> bool:
    """Whether ``name`` can be found for import, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken parent package; a module in sys.modules without a __spec__
        return False


MISSING = [name for name in KIT_MODULES if not importable(name)]

pytest_plugins: Tuple[str, ...] = () if MISSING else ("poolspec.conformance.plugin",)

if MISSING:

    def pytest_addoption(parser: pytest.Parser) -> None:
        """The option and ini key that name an implementation, so that naming one reaches the hint below."""
        parser.getgroup("poolspec").addoption("--impl", help="the pool to check (the kit is not installed: pip install 'poolspec[kit]')")
        parser.addini("poolspec_impl", "the pool to check, as for --impl")

    def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: List[str]) -> None:
        """Stop a run that asks for the kit, before pytest rejects its other options one by one."""
        asked = any(arg == "--impl" or arg.startswith("--impl=") for arg in args) or os.environ.get("POOLSPEC_IMPL") or early_config.getini("poolspec_impl")
        if asked:
            raise pytest.UsageError(f"poolspec: the conformance kit needs {', '.join(MISSING)}, which cannot be imported here: pip install 'poolspec[kit]'")

"""The catalogue of deliberately broken pools: the kit must reject every one of them.

Each module holds the broken pools of one clause area (``results.py`` for the families apply, map,
imap and imap-unordered: the areas of :mod:`poolspec.conformance.clauses`), each breaking a clause
of it (``tests/test_layout.py``). A broken pool is a class (or factory)
usable as ``--impl=tests.broken_pools.<module>:<Name>``, nearly always a minimal change of the
reference pool or of the stdlib's. Its docstring says what is wrong and what a user would see;
its ``BREAKS`` attribute names the clauses the kit must fail for it.

A pool built on the reference changes it through its public API only: it changes what goes into
the public methods (the task function, the input, the callbacks) or wraps what comes out (a proxy
of a result or an iterator); ``wrappers.py`` holds the helpers they share. It never uses the
reference's private modules, names or attributes (``tests/test_catalogue_independence.py`` checks
that), so the reference can be refactored without breaking the catalogue or silently weakening it.

A race pool (``tests/broken_pools/stress.py``) also has ``STRESS = N``: its race shows only when
threads run at the same time, so the kit catches it in stress mode with N threads
(:func:`kit_options`), and only on a Python whose threads do run at once, a free-threaded build
with the GIL off (:func:`uncatchable_here` says why not elsewhere).

:func:`run_kit` runs the kit on one of them in a subprocess of its own, bounded in time, so a
deadlocking pool is reported as killed by a hang, never a stalled run. ``tests/test_broken_pools.py``
checks that each pool fails its ``BREAKS``; ``tools/kill_matrix.py`` runs the whole kit on each
and writes ``docs/kill-matrix.md``.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..kit_runs import ROOT, run_kit_on  # noqa: F401 - ROOT for the tests of the catalogue

CATALOGUE = Path(__file__).resolve().parent
RUN_LIMIT = 300
"""Seconds one kit run on a broken pool may take before it counts as killed by a hang."""


def catalogue() -> List[Tuple[str, Any]]:
    """Every broken pool: (its --impl spec, the class)."""
    pools = []
    for path in sorted(CATALOGUE.glob("*.py")):
        if path.stem == "__init__":
            continue
        module = importlib.import_module(f"tests.broken_pools.{path.stem}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__ and hasattr(value, "BREAKS"):
                pools.append((f"tests.broken_pools.{path.stem}:{name}", value))
    return pools


def free_threaded() -> bool:
    """Whether threads of this Python run at the same time: a free-threaded build with the GIL off."""
    return not getattr(sys, "_is_gil_enabled", lambda: True)()


def kit_options(pool: Any) -> List[str]:
    """What a kit run needs to catch ``pool``: ``--poolspec-stress=N`` for a race pool (``STRESS = N``)."""
    stress = getattr(pool, "STRESS", 0)
    return [f"--poolspec-stress={stress}"] if stress else []


def uncatchable_here(pool: Any) -> Optional[str]:
    """Why the kit cannot catch ``pool`` on this Python, or None if it can."""
    if getattr(pool, "STRESS", 0) and not free_threaded():
        return "its race shows only when threads run at the same time, and this Python runs one at a time (the GIL)"
    return None


def run_kit(spec: str, options: Sequence[str], report: Path) -> Optional[Dict[str, str]]:
    """Each clause's outcome in a kit run on ``spec`` (strict clauses on), or None if it was killed.

    The run uses pytest's defaults (``compliance/kit.ini``), as a user's project would
    (:func:`tests.kit_runs.run_kit_on`).
    """
    run = run_kit_on(spec, options, report, RUN_LIMIT)
    return None if run.report is None else run.outcomes

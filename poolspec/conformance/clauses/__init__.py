"""The clause registry: every behaviour the kit checks, as data.

A clause has a stable id (``family.name``), a one-line statement, where it comes from, the
Python versions it applies to, the capabilities an implementation needs for it to apply, and a
level. Tests declare the clauses they check (:func:`poolspec.conformance.checks`); baselines, reports and
the generated clause page are all keyed by clause id, so renaming a test never breaks them.

Levels:

* ``required``: what the docs promise, or what code relies on (always checked);
* ``strict``: stdlib-incidental behaviour (messages, ``repr``, exception types the docs do not
  name), checked only with ``--poolspec-strict``.

Sources: ``documented`` (with the docs sentence), ``cpython-behaviour`` (observed, not promised),
``cpython-bug`` (the clause states the correct behaviour; the stdlib fails it, has it in its
shipped baseline, and the upstream issue is named).

The clauses of each area are in a module of their own; ``CLAUSES`` joins them, in the order the
summary and the clause page list them.
"""

from __future__ import annotations

from typing import Dict

from . import api, asyncresult, callbacks, chunksize, concurrency, construction, errors, resources, results, shutdown, stress
from ._model import CAPABILITIES, LEVELS, SOURCES, UNOBSERVABLE_WITHOUT, Clause

__all__ = ["CAPABILITIES", "CLAUSES", "LEVELS", "SOURCES", "UNOBSERVABLE_WITHOUT", "Clause"]

CLAUSES: Dict[str, Clause] = {
    clause.id: clause for area in (api, construction, results, chunksize, errors, asyncresult, callbacks, shutdown, concurrency, resources, stress) for clause in area.CLAUSES
}

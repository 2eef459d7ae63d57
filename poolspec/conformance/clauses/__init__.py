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

The project is organised by **area**, a module of this package holding one or more clause families
(``results``: apply, map, imap and imap-unordered). Area ``x`` has its clauses here in ``x.py``,
its tests in the suite's ``test_x.py`` or ``test_x_<topic>.py``, and its broken pools in
``tests/broken_pools/x.py``, so that adding a clause touches one area's files (and the pages
generated from them); ``tests/test_layout.py`` checks it. ``CLAUSES`` joins the areas, in the
order the summary and the clause page list them.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

from . import api, asyncresult, callbacks, chunksize, concurrency, construction, errors, resources, results, shutdown, stress
from ._model import CAPABILITIES, LEVELS, SOURCES, UNOBSERVABLE_WITHOUT, Clause

__all__ = ["AREAS", "CAPABILITIES", "CLAUSES", "FAMILIES", "LEVELS", "SOURCES", "UNOBSERVABLE_WITHOUT", "Clause"]

AREAS: Dict[str, Tuple[Clause, ...]] = {
    area.__name__.rpartition(".")[2]: area.CLAUSES for area in (api, construction, results, chunksize, errors, asyncresult, callbacks, shutdown, concurrency, resources, stress)
}
"""Each area's clauses, by the area's name (its module's)."""

CLAUSES: Dict[str, Clause] = {clause.id: clause for clauses in AREAS.values() for clause in clauses}

FAMILIES: FrozenSet[str] = frozenset(clause.family for clause in CLAUSES.values())
"""The families' names (a clause id's part before the dot)."""

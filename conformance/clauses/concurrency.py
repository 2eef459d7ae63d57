"""Clauses of the concurrency family: many submitters, parallel tasks, results outliving the pool."""

from __future__ import annotations

from typing import Tuple

from ._model import Clause

CLAUSES: Tuple[Clause, ...] = ()

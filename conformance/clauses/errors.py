"""Clauses of the errors family: how a task's or an input's exception reaches the caller."""

from __future__ import annotations

from typing import Tuple

from ._model import Clause

CLAUSES: Tuple[Clause, ...] = ()

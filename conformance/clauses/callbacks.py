"""Clauses of the callbacks family: callback and error_callback of the *_async methods."""

from __future__ import annotations

from typing import Tuple

from ._model import Clause

CLAUSES: Tuple[Clause, ...] = ()

"""Clauses of the chunksize family: how inputs are cut into tasks."""

from __future__ import annotations

from ._model import Clause

CLAUSES = (
    Clause(
        "chunksize.below-one-rejected-by-map",
        "map(), map_async(), starmap() and starmap_async() with a chunksize of 0 or below raise ValueError, at the call or from get().",
        "cpython-bug",
        "The stdlib returns [None] * n without running func (no upstream issue); its imap() raises ValueError('Chunksize must be 1+').",
    ),
    Clause(
        "chunksize.below-one-rejected-by-imap",
        "imap() and imap_unordered() with a chunksize of 0 or below raise ValueError, at the call or from the first next().",
        "cpython-behaviour",
        "IMapIterator: Pool.imap raises ValueError('Chunksize must be 1+, not n') since Python 3.7.",
    ),
)

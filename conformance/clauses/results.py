"""Clauses of the apply, map, imap and imap-unordered families: every result, in the promised order, as it becomes ready."""

from __future__ import annotations

from ._model import Clause

CLAUSES = (
    Clause(
        "map.order",
        "map() returns a list of func(x) for every item, in input order.",
        "documented",
        "A parallel equivalent of the map() built-in function.",
    ),
    Clause(
        "imap.order",
        "imap() yields func(x) for every item, in input order.",
        "documented",
        "A lazier version of map().",
    ),
    Clause(
        "imap-unordered.permutation",
        "imap_unordered() yields func(x) for every item exactly once, in any order.",
        "documented",
        "The same as imap() except that the ordering of the results from the returned iterator should be considered arbitrary.",
    ),
)

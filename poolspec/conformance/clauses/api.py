"""Clauses of the api family: the methods' parameters, as code written for the stdlib calls them."""

from __future__ import annotations

from ._model import Clause

CLAUSES = (
    Clause(
        "api.signatures",
        "Every method of the API takes the parameters of the stdlib's ThreadPool on the same Python, in its order, each by "
        "position and by keyword as the stdlib's does, and requires no other (__enter__ and __exit__: as with calls them). A "
        "test whose call a method refuses (TypeError) for such a deviation fails this clause, as SIGNATURE, not the clauses "
        "it is about.",
        "documented",
        "The docs give each method's parameters, e.g. map(func, iterable[, chunksize]), apply_async(func[, args[, kwds[, "
        "callback[, error_callback]]]]); code written for the stdlib passes them by position or by keyword.",
    ),
)

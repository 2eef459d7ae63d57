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
    Clause(
        "chunksize.every-item-once",
        "Every map and imap form runs func exactly once for every item, whatever the chunksize: no item is dropped or run twice.",
        "documented",
        "This method chops the iterable into a number of chunks which it submits to the process pool as separate tasks.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "chunksize.chunk-on-one-thread",
        "With chunksize k, the items [ck, (c+1)k) of each chunk run on one worker thread, one after another, in input order.",
        "cpython-behaviour",
        "Each chunk is one task, mapstar(): list(map(func, chunk)) on one worker; the docs: it chops the iterable into a number of chunks which it submits as separate tasks.",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "chunksize.default-for-map",
        "map(), map_async(), starmap() and starmap_async() without a chunksize cut n items into chunks of ceil(n / (4 * processes)).",
        "cpython-behaviour",
        "Pool._map_async: chunksize, extra = divmod(len(iterable), len(self._pool) * 4); if extra: chunksize += 1.",
        level="strict",
        needs=frozenset({"threads"}),
    ),
    Clause(
        "chunksize.beyond-maxsize",
        "Every map and imap form takes an integer chunksize beyond sys.maxsize (2**70) over every kind of input, and gives the "
        "same results as with a chunksize of the input's length.",
        "cpython-bug",
        "The docs ask only for a positive integer; the stdlib's Pool._get_tasks reads each chunk with itertools.islice(it, size), "
        "which rejects a size beyond sys.maxsize, so every form raises ValueError from get() or the iterator (no upstream issue found).",
    ),
    Clause(
        "chunksize.float-does-not-hang",
        "map(), map_async(), starmap() and starmap_async() with a float chunksize raise TypeError or ValueError, or return the right results; they never block for ever.",
        "cpython-bug",
        "The stdlib's map never completes for chunksize=2.0 or 1.5, and neither does close(); join() afterwards (no upstream issue).",
    ),
)

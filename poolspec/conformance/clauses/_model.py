"""What a clause is: the fields every entry of the registry has, and their allowed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, Optional, Tuple

LEVELS = ("required", "strict")
SOURCES = ("documented", "cpython-behaviour", "cpython-bug")
CAPABILITIES = {
    "threads": "tasks run in threads of the calling process, so they can share objects with the test",
    "any-thread": "the pool and its results can be called from a thread other than the one that built the pool, as the kit does to watch a blocking call from a thread of its own",
}
UNOBSERVABLE_WITHOUT = frozenset({"any-thread"})
"""Capabilities whose lack is a deviation of the pool (the stdlib's may be used from any thread,
``concurrency.threaded-submission``), not a kind of pool the clause does not apply to: a test that
needs one is reported as not observed, never as skipped for inapplicability."""


@dataclass(frozen=True)
class Clause:
    """One behaviour the kit checks; ``id`` is ``family.name``."""

    id: str
    statement: str
    source: str
    reference: str
    level: str = "required"
    since: Tuple[int, int] = (3, 8)
    until: Optional[Tuple[int, int]] = None  # the last Python version it applies to
    needs: FrozenSet[str] = field(default_factory=frozenset)

    @property
    def family(self) -> str:
        return self.id.partition(".")[0]

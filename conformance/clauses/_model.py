"""What a clause is: the fields every entry of the registry has, and their allowed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, Optional, Tuple

LEVELS = ("required", "strict")
SOURCES = ("documented", "cpython-behaviour", "cpython-bug")
CAPABILITIES = {
    "threads": "tasks run in threads of the calling process, so they can share objects with the test",
}


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



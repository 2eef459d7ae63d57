"""Baselines: the clauses (or tests) an implementation is known to fail, with the reason why.

A baseline file has one entry per line::

    # map() with chunksize 0 returns [None] * n instead of raising
    map.chunksize-below-one-rejected
    test_shutdown.py::test_join_before_close_raises   # a test id, with or without its [params]
    callbacks.raising-callback-reaches-get ; python_version < "3.16"   # fixed upstream in 3.16

An entry is a clause id, or a test: its name, with or without the ``[params]`` part, optionally
after ``file.py::``. After a ``;`` an entry may carry an environment marker (the syntax of
requirements files: ``python_version``, ``implementation_name``, ``sys_platform`` …); the entry
applies only where the marker holds. The reason is the entry's own ``#`` comment, else the nearest
comment line above it with no blank line in between.

Matched tests are expected to fail; one that passes is an error, because every clause runs fixed
examples in the ``ci`` and ``smoke`` profiles, so a pass means the bug is fixed and the entry
should go. Entries that name no clause and match no collected test are reported as stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Set

from packaging.markers import InvalidMarker, Marker

STDLIB = Path(__file__).resolve().parent / "baselines" / "stdlib.txt"
"""The baseline shipped for the stdlib's pool: its known bugs, per Python version."""


class BaselineError(Exception):
    """A baseline file cannot be read or has a malformed entry."""


@dataclass(frozen=True)
class Entry:
    """One expected failure: what it names, why, and where it was written."""

    target: str
    reason: str
    origin: str

    def matches(self, names: Set[str]) -> bool:
        return self.target in names


def read(path: Path) -> List[Entry]:
    """The entries of ``path`` that apply to this Python (their marker, if any, holds)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc.strerror}") from None
    entries = []
    last_comment = ""
    for number, line in enumerate(lines, 1):
        text, _, comment = line.partition("#")
        text, comment = text.strip(), comment.strip()
        if not text:
            last_comment = comment  # a comment line gives the reason below it; a blank line ends it
            continue
        target, _, marker = (part.strip() for part in text.partition(";"))
        origin = f"{path}:{number}"
        if " " in target:
            raise BaselineError(f"{origin}: expected one clause or test id, got {target!r}")
        if marker and not _holds(marker, origin):
            continue
        entries.append(Entry(target, comment or last_comment, origin))
    return entries


def _holds(marker: str, origin: str) -> bool:
    try:
        return Marker(marker).evaluate()
    except InvalidMarker as exc:
        raise BaselineError(f"{origin}: bad environment marker {marker!r}: {exc}") from None


def names_of(nodeid: str, name: str, clause_ids: Iterable[str]) -> Set[str]:
    """Every name a baseline entry may use for a test: its clause ids and test ids."""
    bare_name = name.partition("[")[0]
    file_name = nodeid.partition("::")[0].rpartition("/")[2]
    return {*clause_ids, name, bare_name, f"{file_name}::{name}", f"{file_name}::{bare_name}", nodeid}


def first_match(entries: Iterable[Entry], names: Set[str]) -> Optional[Entry]:
    return next((entry for entry in entries if entry.matches(names)), None)

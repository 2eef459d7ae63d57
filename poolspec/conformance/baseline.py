"""Baselines: the clauses (or tests) an implementation is known to fail, with the reason why.

A baseline file has one entry per line::

    # map() with chunksize 0 returns [None] * n instead of raising
    chunksize.below-one-rejected-by-map
    imap   # a family: each of its clauses (the pool has no imap() at all)
    test_shutdown.py::test_join_before_close_raises   # a test id, with or without its [params]
    callbacks.raising-callback-fails-result ; python_version < "3.16"   # only before 3.16
    flaky: shutdown.join-waits-for-slow-input   # fails in some runs only

An entry is a clause id; a clause family, which stands for each of its clauses (for a pool that
fails a whole family, so that a clause added to it later is expected to fail too); or a test: its
name, with or without the ``[params]`` part, optionally after ``file.py::``. After a ``;`` an entry may carry an environment marker (the syntax of
requirements files: ``python_version``, ``implementation_name``, ``sys_platform`` …); the entry
applies only where the marker holds. The reason is the entry's own ``#`` comment, else the nearest
comment line above it with no blank line in between.

Matched tests are expected to fail. A clause entry is judged on the whole clause: it is met when
some test of the clause fails, and stale (the run fails, "remove the entry") only when every test
of it passed (a family entry is judged so for each of its clauses). A test entry is judged on that test, which fails the run if it passes. Either way a
test that passes is run twice more first, so a failure that shows only some of the time stays an
expected failure. An entry written ``flaky: <id>`` is for a failure known to show only some of
the time: its tests may pass or fail, and neither fails the run. Entries that name no clause and
match no collected test are reported as stale.

The kit ships baselines for the pools the project has measured (:func:`shipped_names`);
``--xfails-file=NAME`` selects one. ``python -m poolspec.conformance.baseline REPORT.json`` drafts a
baseline from a JSON report, one entry per failed clause.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set

from packaging.markers import InvalidMarker, Marker

from .clauses import CLAUSES, FAMILIES

SHIPPED = Path(__file__).resolve().parent / "baselines"
"""The baselines shipped with the kit, one per pool the project has measured, each ``<name>.txt``."""

STDLIB = SHIPPED / "stdlib.txt"
"""The baseline shipped for the stdlib's pool: its known bugs, per Python version."""


FLAKY = "flaky:"
"""The prefix of an entry whose failure shows only some of the time."""


class BaselineError(Exception):
    """A baseline file cannot be read or has a malformed entry."""


@dataclass(frozen=True)
class Entry:
    """One expected failure: what it names, why, and where it was written."""

    target: str
    reason: str
    origin: str
    flaky: bool = False
    """Written ``flaky: <id>``: a failure that shows only some of the time, so a pass is no news."""

    def matches(self, names: Set[str]) -> bool:
        return self.target in names


def shipped_names() -> List[str]:
    """The names of the shipped baselines (``stdlib``, ``multiprocess`` …)."""
    return sorted(path.stem for path in SHIPPED.glob("*.txt"))


def locate(name_or_path: str, relative_to: Optional[Path] = None) -> Path:
    """The baseline file that ``--xfails-file`` names: a path (relative to ``relative_to``, if
    given), else the name of a shipped baseline.

    A directory is no baseline: ``ray`` names the shipped one even where ``./ray`` is a directory
    (Ray makes ``/tmp/ray``).
    """
    path = Path(name_or_path)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if path.is_file() or path.suffix or len(Path(name_or_path).parts) > 1:
        return path
    shipped = SHIPPED / f"{name_or_path}.txt"
    if shipped.exists():
        return shipped
    raise BaselineError(f"no baseline file {name_or_path!r}, and no shipped baseline of that name (shipped: {', '.join(shipped_names())})")


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
        flaky = target.startswith(FLAKY)
        target = target[len(FLAKY) :].strip() if flaky else target
        origin = f"{path}:{number}"
        if " " in target:
            raise BaselineError(f"{origin}: expected one clause or test id, got {target!r}")
        if marker and not _holds(marker, origin):
            continue
        entries.append(Entry(target, comment or last_comment, origin, flaky))
    return entries


def _holds(marker: str, origin: str) -> bool:
    try:
        return Marker(marker).evaluate()
    except InvalidMarker as exc:
        raise BaselineError(f"{origin}: bad environment marker {marker!r}: {exc}") from None


def names_of(nodeid: str, name: str, clause_ids: Iterable[str]) -> Set[str]:
    """Every name a baseline entry may use for a test: its clause ids, their families and its test ids."""
    bare_name = name.partition("[")[0]
    file_name = nodeid.partition("::")[0].rpartition("/")[2]
    families = {clause_id.partition(".")[0] for clause_id in clause_ids}
    return {*clause_ids, *families, name, bare_name, f"{file_name}::{name}", f"{file_name}::{bare_name}", nodeid}


def names_clauses(entry: Entry) -> bool:
    """Whether ``entry`` names a clause or a family (judged per clause), not a test (judged on its own)."""
    return entry.target in CLAUSES or entry.target in FAMILIES


def first_match(entries: Iterable[Entry], names: Set[str]) -> Optional[Entry]:
    return next((entry for entry in entries if entry.matches(names)), None)


def draft(report: Dict[str, Any]) -> str:
    """A baseline listing every clause a JSON report (``--poolspec-report``) has failing, for a start.

    Each entry's reason is the first line of its first failing test's message: replace it with the
    real cause (an upstream issue, the deviation in words) before committing the file.
    """
    lines = [f"# Expected failures of {report['implementation']['spec']}, drafted from a kit report: give each entry its real reason."]
    for clause_id, clause in report["clauses"].items():
        if clause["outcome"] != "failed":
            continue
        messages = [test["message"] for test in clause["tests"] if test["outcome"] == "failed" and test["message"]]
        first_line = (messages[0].strip().splitlines() or [""])[0][:150] if messages else ""
        lines += [f"# {first_line}" if first_line else "# (no message)", clause_id]
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m poolspec.conformance.baseline REPORT.json``: print a draft baseline of the clauses it fails."""
    parser = argparse.ArgumentParser(prog="python -m poolspec.conformance.baseline", description=main.__doc__)
    parser.add_argument("report", type=Path, help="a JSON report written by --poolspec-report")
    args = parser.parse_args(argv)
    sys.stdout.write(draft(json.loads(args.report.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Bounding what a failure shows: the output captured during a test, and each frame's source.

A pool may print a great deal while the kit runs it: gevent's hub prints the traceback of every
greenlet that failed, among them greenlets of earlier scenarios' pools that it runs whenever the
thread waits, and pytest shows what was captured in a test's phases (setup, call, teardown)
under each failure. On gevent's greenlet pool that was thousands of lines. And pytest lists a
frame's source from its function's first line as the frame's code gives it, which is line 1 for
some frames of an exception re-raised by gevent's compiled greenlets: the whole module.

So, in the report of every test of the suite, a captured section longer than
:data:`CAPTURED_LIMIT` lines keeps its first and last :data:`CAPTURED_KEPT` lines and says how
many it left out between them; and a traceback entry keeps at most :data:`SOURCE_ABOVE` lines of
source above the line that failed, saying how many it left out. Nothing else of the report changes.
"""

from __future__ import annotations

from typing import Any, List, Sequence

import pytest

CAPTURED_LIMIT = 60
"""Lines of a captured section (stdout, stderr, log of one phase) shown whole."""

CAPTURED_KEPT = 20
"""Lines kept at each end of a longer captured section."""

SOURCE_ABOVE = 20
"""Lines of a traceback entry's source kept above the line that failed."""


def bound_sections(report: pytest.TestReport) -> None:
    """Cut each captured section of ``report`` longer than :data:`CAPTURED_LIMIT` lines to its ends."""
    report.sections = [(title, _ends(content)) for title, content in report.sections]


def _ends(content: str) -> str:
    lines = content.splitlines()
    if len(lines) <= CAPTURED_LIMIT:
        return content
    left_out = len(lines) - 2 * CAPTURED_KEPT
    note = f"… {left_out} lines of this output left out by the conformance kit (the first and last {CAPTURED_KEPT} are shown) …"
    return "\n".join([*lines[:CAPTURED_KEPT], note, *lines[-CAPTURED_KEPT:]]) + "\n"


def bound_listings(longrepr: Any) -> None:
    """Keep at most :data:`SOURCE_ABOVE` lines of source above the failing line of each traceback entry.

    ``longrepr`` is a failure's representation as pytest made it; anything but a traceback (a
    string, a skip's tuple) is left as it is.
    """
    for reprtraceback, _, _ in getattr(longrepr, "chain", ()):
        for entry in getattr(reprtraceback, "reprentries", ()):
            lines = getattr(entry, "lines", None)
            if isinstance(lines, list) and getattr(entry, "style", None) == "long":
                entry.lines = _source_above_bounded(lines)


def _source_above_bounded(lines: Sequence[str]) -> List[str]:
    failing = next((index for index, line in enumerate(lines) if line.startswith(">")), None)
    if failing is None or failing <= SOURCE_ABOVE:
        return list(lines)
    left_out = failing - SOURCE_ABOVE
    return [f"    # … {left_out} lines of source above left out by the conformance kit …", *lines[left_out:]]

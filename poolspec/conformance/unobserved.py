"""Tests whose behaviour the kit could not observe, for a reason of the kit's own: ``UNOBSERVED``.

A clause fails only on what the pool was seen to do. When the kit cannot look (the pool's objects
cannot be weakly referenced, a helper process could not set up the situation the clause is about),
the test calls :func:`unobserved` with the real cause: pytest reports it as skipped, with a reason
that begins with :data:`PREFIX`; the terminal shows ``UNOBSERVED``, and the compliance summary and
JSON report give the clause the outcome ``unobserved`` with that cause, never ``failed``. (A skip
goes through hypothesis at once, without shrinking.)
"""

from __future__ import annotations

from typing import NoReturn

import pytest

PREFIX = "not observed: "


def unobserved(cause: str) -> NoReturn:
    """Stop the test: its behaviour was not observed, because of ``cause``."""
    pytest.skip(f"{PREFIX}{cause}")


def is_unobserved(report: pytest.TestReport) -> bool:
    """Whether ``report`` is of a test stopped by :func:`unobserved`."""
    longrepr = report.longrepr
    return report.skipped and isinstance(longrepr, tuple) and len(longrepr) == 3 and str(longrepr[2]).startswith(f"Skipped: {PREFIX}")
